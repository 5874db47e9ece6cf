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
   * A try about to be checked: 0 and counted as a failure from now on, or the milliseconds to wait (and
   * nothing counted). Counted before the password is checked, in the same synchronous step as the limit:
   * checked first and counted after its awaits, a burst of tries sent at once all passed the limit.
   */
  begin(address: string, userName: string): number {
    const wait = this.retryAfterMs(address, userName);
    if (wait > 0) return wait;
    const now = this.clock.now();
    if (this.windows.size >= MAX_ENTRIES) this.sweep(now);
    const from = client(address);
    this.count(`a:${from}`, now);
    this.count(`u:${from}|${userName.slice(0, NAME_CHARS)}`, now);
    return 0;
  }

  /** The right password: the try is not a failure, and the name's count from that address starts again
   *  (the address's keeps its earlier failures). */
  succeeded(address: string, userName: string): void {
    const from = client(address);
    this.windows.delete(`u:${from}|${userName.slice(0, NAME_CHARS)}`);
    this.uncount(`a:${from}`);
  }

  /** A try that could not be checked (the database failed): it is not counted. */
  refund(address: string, userName: string): void {
    const from = client(address);
    this.uncount(`a:${from}`);
    this.uncount(`u:${from}|${userName.slice(0, NAME_CHARS)}`);
  }

  private uncount(key: string): void {
    const w = this.windows.get(key);
    if (w && w.failures > 0) w.failures--;
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
