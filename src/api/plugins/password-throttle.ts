// Online guessing of user passwords (HTTP Basic): an address that sends too many wrong passwords for one
// user name, or for any, is answered 429 until its window ends. Counted by address and not by user name
// alone, so that nobody can lock a user (an integration logging in over Basic) out from elsewhere by
// failing in their name. IPv6 addresses count by their /64, which one host can rotate through. API keys
// and service-account JWTs need no such limit (a key is 256 random bits, a JWT is signed); passwords are
// chosen by people, and each try also costs the server a scrypt hash. Counts are per process: a node each.
// Memory is bounded: a running window is never dropped (the oldest are the blocked clients', so dropping
// them lifted blocks); once the table is full of running ones, a new key counts in a shared window.
import { createHash, randomBytes } from "node:crypto";
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

/** Windows kept, each a client's or a client's and user name's (a flood of made-up names must not grow
 *  memory). One /64 opens at most 51 before its address is blocked, so about 200 fill the table. */
export const MAX_ENTRIES = 10_000;
/**
 * Shared windows of each kind (address, name from an address) for the keys that find the table full of
 * running windows: such a key counts in the one it hashes to, under its own limit, and its own window (if
 * any) and its shared one add up. Others' failures only add to a key's count, so nobody gets more tries
 * than the limits allow; a client is refused for others' failures only if they fill its shared window, and
 * filling most of 16,384 name windows (10 each) takes some 160,000 wrong passwords a window, 180 scrypt
 * checks a second (40 ms of a core each): more than a node of a few cores makes. At most ~2 MB.
 */
const SHARED_WINDOWS = 16_384;
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

/** One limit a try is held to: its key in the table, and the shared windows it falls back on. */
interface Count {
  key: string;
  limit: number;
  shared: (Window | undefined)[];
}

/** Hashed with a secret of the process, so that nobody can pick addresses that share a victim's window. */
const SHARED_SECRET = randomBytes(16);

function sharedIndex(key: string): number {
  return createHash("sha256").update(SHARED_SECRET).update(key).digest().readUInt32BE(0) % SHARED_WINDOWS;
}

export class PasswordThrottle {
  /** In the order the windows started (a window starting again is moved to the end): expired ones first
   *  (a wall clock stepped back only delays their sweep). */
  private readonly windows = new Map<string, Window>();
  private readonly sharedByAddress: (Window | undefined)[] = Array(SHARED_WINDOWS);
  private readonly sharedByName: (Window | undefined)[] = Array(SHARED_WINDOWS);
  /** When the last shared window to start ends: until then, keys also look at theirs. */
  private sharedUntil = 0;
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
    const counts = this.countsOf(client(address), userName);
    return Math.max(...counts.map((c) => this.blockedFor(c, now)));
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
    const counts = this.countsOf(from, userName);
    for (;;) {
      const wait = this.retryAfterMs(address, userName);
      if (wait > 0) return wait;
      const now = this.clock.now();
      const room = counts.every((c) => this.failuresIn(c, now) + (this.checking.get(c.key) ?? 0) < c.limit);
      if (room) break;
      const queue = this.waiting.get(from) ?? [];
      if (queue.length >= MAX_WAITING) return 1000;
      this.waiting.set(from, queue);
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    for (const { key } of counts) this.checking.set(key, (this.checking.get(key) ?? 0) + 1);
    return 0;
  }

  /** A wrong password (or an unknown or disabled user): counted. */
  failed(address: string, userName: string): void {
    const now = this.clock.now();
    for (const c of this.settle(address, userName)) this.count(c, now);
  }

  /** The right password: the name's count from that address starts again (the address's does not). A
   *  shared window keeps its count: it holds others' failures too. */
  succeeded(address: string, userName: string): void {
    const [, byName] = this.settle(address, userName);
    this.windows.delete(byName.key);
  }

  /** A try that could not be checked (the database failed): not counted. */
  refund(address: string, userName: string): void {
    this.settle(address, userName);
  }

  /** Ends a try's check, and lets the address's tries waiting for it look again. */
  private settle(address: string, userName: string): Count[] {
    const from = client(address);
    const counts = this.countsOf(from, userName);
    for (const { key } of counts) {
      const n = (this.checking.get(key) ?? 0) - 1;
      if (n > 0) this.checking.set(key, n);
      else this.checking.delete(key);
    }
    const queue = this.waiting.get(from);
    if (queue) {
      this.waiting.delete(from);
      for (const wake of queue) wake();
    }
    return counts;
  }

  /** The address's count and the name's (from that address), each with its limit. */
  private countsOf(from: string, userName: string): Count[] {
    return [
      { key: `a:${from}`, limit: this.limits.perAddress, shared: this.sharedByAddress },
      {
        key: `u:${from}|${userName.slice(0, NAME_CHARS)}`,
        limit: this.limits.perUser,
        shared: this.sharedByName,
      },
    ];
  }

  /** The running windows a key's failures are in: its own, and the shared one it may have spilled into. */
  private liveWindows(c: Count, now: number): Window[] {
    const found = this.windows.get(c.key);
    const own = found && this.running(found, now) ? found : undefined;
    const shared = now < this.sharedUntil ? c.shared[sharedIndex(c.key)] : undefined;
    // While a key has a window of its own it counts there: a shared window started after it holds none of
    // its failures (a blocked client's lasts as long as its own window, not as its neighbours').
    const spilled = shared && this.running(shared, now) && (!own || shared.startedAt <= own.startedAt);
    return spilled ? [own, shared].filter((w) => w !== undefined) : own ? [own] : [];
  }

  private failuresIn(c: Count, now: number): number {
    return this.liveWindows(c, now).reduce((sum, w) => sum + w.failures, 0);
  }

  /** Until enough of the windows holding the key's failures end to bring it under its limit. */
  private blockedFor(c: Count, now: number): number {
    const live = this.liveWindows(c, now).sort((x, y) => x.startedAt - y.startedAt);
    let failures = live.reduce((sum, w) => sum + w.failures, 0);
    for (const w of live) {
      if (failures < c.limit) break;
      failures -= w.failures;
      if (failures < c.limit) return w.startedAt + this.limits.windowMs - now;
    }
    return 0;
  }

  private running(w: Window, now: number): boolean {
    return now - w.startedAt < this.limits.windowMs;
  }

  /** A failure, in the key's own window if it has one or there is room for one, else in its shared one. */
  private count(c: Count, now: number): void {
    const own = this.windows.get(c.key);
    if (own && this.running(own, now)) own.failures++;
    else if (own || this.makeRoom(now)) {
      // Moved to the end: the table stays in the order its windows started.
      this.windows.delete(c.key);
      this.windows.set(c.key, { startedAt: now, failures: 1 });
    } else {
      const i = sharedIndex(c.key);
      const shared = c.shared[i];
      if (shared && this.running(shared, now)) shared.failures++;
      else {
        c.shared[i] = { startedAt: now, failures: 1 };
        this.sharedUntil = now + this.limits.windowMs;
      }
    }
  }

  /** Drops expired windows, oldest first, until there is room for one more; false if all are running. A
   *  running window is never dropped: the oldest are the blocked clients', and dropping them lifted blocks. */
  private makeRoom(now: number): boolean {
    for (const [key, w] of this.windows) {
      if (this.windows.size < MAX_ENTRIES) break;
      if (this.running(w, now)) return false;
      this.windows.delete(key);
    }
    return this.windows.size < MAX_ENTRIES;
  }
}
