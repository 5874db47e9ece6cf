// Online guessing of user passwords (HTTP Basic): an address that sends too many wrong passwords for one
// user name, or for any, is answered 429 until its window ends. Counted by address and not by user name
// alone, so that nobody can lock a user (an integration logging in over Basic) out from elsewhere by
// failing in their name. IPv6 addresses count by their /64, which one host can rotate through. API keys
// and service-account JWTs need no such limit (a key is 256 random bits, a JWT is signed); passwords are
// chosen by people, and each try also costs the server a scrypt hash. Counts are per process: a node each.
import net from "node:net";
import type { Clock } from "../../clock/clock.ts";

export interface PasswordThrottleLimits {
  /** Wrong passwords for one user name from one address per window. */
  perUser: number;
  /** Wrong passwords (any user name, unknown ones too) from one address per window. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_PASSWORD_LIMITS: PasswordThrottleLimits = {
  perUser: 10,
  perAddress: 50,
  windowMs: 15 * 60_000,
};

/** Entries kept before expired windows are swept out (a flood of made-up names must not grow memory). */
const MAX_ENTRIES = 10_000;
/** Tries one client may have waiting for its other tries' checks; beyond, refused for a second. */
const MAX_WAITING = 200;
/** User names are kept this long at most in a key: longer ones exist nowhere, and memory stays bounded. */
const NAME_CHARS = 128;

/** The part of an address one client controls: the whole IPv4 address, an IPv6 address's /64. */
function client(address: string): string {
  if (net.isIP(address) !== 6 || address.startsWith("::ffff:")) return address;
  const bare = address.replace(/%.*$/, "");
  const [head, tail = ""] = bare.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = bare.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

interface Window {
  startedAt: number;
  failures: number;
}

export class PasswordThrottle {
  private readonly windows = new Map<string, Window>();
  /** Tries being checked now, by count key (an address's, a name's from an address). */
  private readonly checking = new Map<string, number>();
  /** Tries of each client waiting for its tries being checked to end. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: PasswordThrottleLimits = DEFAULT_PASSWORD_LIMITS,
  ) {}

  /** Milliseconds until this user name may try again from this address; 0 if it may now. */
  retryAfterMs(address: string, userName: string): number {
    const now = this.clock.now();
    const from = client(address);
    return Math.max(
      this.blockedFor(`a:${from}`, this.limits.perAddress, now),
      this.blockedFor(`u:${from}|${userName.slice(0, NAME_CHARS)}`, this.limits.perUser, now),
    );
  }

  /**
   * A try about to be checked: resolves to 0 once it may be checked, or to the milliseconds to wait. A try
   * being checked counts against the limits as if it will fail, in the same synchronous step as the limit
   * is read (checked first and counted after the hash, a burst of guesses sent at once all passed the
   * limit); a try that would go over them while others are being checked waits for those (the right
   * password then goes through, as it would have sent alone), and is refused only once failures fill them.
   * Each try ends with `failed`, `succeeded` or `refund`.
   */
  async begin(address: string, userName: string): Promise<number> {
    const from = client(address);
    const keys = this.keysOf(from, userName);
    for (;;) {
      const wait = this.retryAfterMs(address, userName);
      if (wait > 0) return wait;
      const room = keys.every(([key, limit]) => this.failuresIn(key) + (this.checking.get(key) ?? 0) < limit);
      if (room) break;
      const queue = this.waiting.get(from) ?? [];
      if (queue.length >= MAX_WAITING) return 1000;
      this.waiting.set(from, queue);
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    for (const [key] of keys) this.checking.set(key, (this.checking.get(key) ?? 0) + 1);
    return 0;
  }

  /** A wrong password (or an unknown or disabled user): counted. */
  failed(address: string, userName: string): void {
    const now = this.clock.now();
    if (this.windows.size >= MAX_ENTRIES) this.sweep(now);
    for (const [key] of this.settle(address, userName)) this.count(key, now);
  }

  /** The right password: the name's count from that address starts again (the address's does not). */
  succeeded(address: string, userName: string): void {
    const [, [userKey]] = this.settle(address, userName);
    this.windows.delete(userKey);
  }

  /** A try that could not be checked (the database failed): not counted. */
  refund(address: string, userName: string): void {
    this.settle(address, userName);
  }

  /** Ends a try's check, and lets the address's tries waiting for it look again. */
  private settle(address: string, userName: string): [string, number][] {
    const from = client(address);
    const keys = this.keysOf(from, userName);
    for (const [key] of keys) {
      const n = (this.checking.get(key) ?? 0) - 1;
      if (n > 0) this.checking.set(key, n);
      else this.checking.delete(key);
    }
    const queue = this.waiting.get(from);
    if (queue) {
      this.waiting.delete(from);
      for (const wake of queue) wake();
    }
    return keys;
  }

  /** The address's count and the name's (from that address), each with its limit. */
  private keysOf(from: string, userName: string): [string, number][] {
    return [
      [`a:${from}`, this.limits.perAddress],
      [`u:${from}|${userName.slice(0, NAME_CHARS)}`, this.limits.perUser],
    ];
  }

  private failuresIn(key: string): number {
    const w = this.windows.get(key);
    return w && this.clock.now() - w.startedAt < this.limits.windowMs ? w.failures : 0;
  }

  private blockedFor(key: string, limit: number, now: number): number {
    const w = this.windows.get(key);
    if (!w || now - w.startedAt >= this.limits.windowMs || w.failures < limit) return 0;
    return w.startedAt + this.limits.windowMs - now;
  }

  private count(key: string, now: number): void {
    const w = this.windows.get(key);
    if (!w || now - w.startedAt >= this.limits.windowMs)
      this.windows.set(key, { startedAt: now, failures: 1 });
    else w.failures++;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) {
      if (now - w.startedAt >= this.limits.windowMs) this.windows.delete(key);
    }
    // Still full of live windows (a spread-out flood): the oldest go first; Map keeps insertion order.
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_ENTRIES) break;
      this.windows.delete(key);
    }
  }
}
