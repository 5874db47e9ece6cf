// Online guessing of user passwords (HTTP Basic): a user name that fails too often, or an address that
// sends too many wrong passwords, is answered 429 until its window ends. API keys and service-account
// JWTs need no such limit (a key is 256 random bits, a JWT is signed); passwords are chosen by people,
// and each try also costs the server a scrypt hash. Counts are per process: a node each.
import type { Clock } from "../../clock/clock.ts";

export interface PasswordThrottleLimits {
  /** Wrong passwords for one user name per window. */
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
    return Math.max(
      this.blockedFor(`a:${address}`, this.limits.perAddress, now),
      this.blockedFor(`u:${userName}`, this.limits.perUser, now),
    );
  }

  failed(address: string, userName: string): void {
    const now = this.clock.now();
    if (this.windows.size >= MAX_ENTRIES) this.sweep(now);
    this.count(`a:${address}`, now);
    this.count(`u:${userName}`, now);
  }

  /** The right password: the user name's count starts again (the address's does not). */
  succeeded(userName: string): void {
    this.windows.delete(`u:${userName}`);
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
