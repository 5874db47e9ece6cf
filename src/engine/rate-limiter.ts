// Calls-per-second as a minimum spacing between dials (no bursts): with a spacing of 1000/cps ms, no
// half-open 1 s window ever holds more than cps dials, and fractional rates (0.2 = one call every 5 s)
// fall out of the same rule.
export class DialSpacing {
  private last = Number.NEGATIVE_INFINITY;
  constructor(private cps: number | null) {}

  setRate(cps: number | null): void {
    this.cps = cps;
  }

  get intervalMs(): number {
    return this.cps ? 1000 / this.cps : 0;
  }

  /** Earliest time a dial may go out. */
  nextSlot(now: number): number {
    return this.cps ? Math.max(now, this.last + this.intervalMs) : now;
  }

  /** Up to `max` dial times from `now` before `horizon` (always at least the first when it is due now). */
  slots(now: number, horizon: number, max: number): number[] {
    if (max <= 0) return [];
    if (!this.cps) return new Array(max).fill(now);
    const out: number[] = [];
    const step = this.intervalMs;
    for (let t = this.nextSlot(now); out.length < max && (t < horizon || out.length === 0); t += step) {
      if (t > now && t >= horizon) break;
      out.push(Math.ceil(t));
    }
    return out;
  }

  /** Marks a dial as placed at `at`. */
  consume(at: number): void {
    if (at > this.last) this.last = at;
  }
}
