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

  /**
   * Takes the slot of a dial wanted at `at` (whole ms): `at` itself when the last dial is a spacing before
   * it (within the 1 ms that `slots` rounds up by, so a pass's own slots stay as planned), else the next
   * free one — another dial took a slot in between.
   */
  take(at: number): number {
    const slot = this.peek(at);
    this.consume(slot);
    return slot;
  }

  /** The slot `take(at)` would give now, left free. */
  peek(at: number): number {
    const free = this.last + this.intervalMs;
    return !this.cps || at >= free - 1 ? at : Math.ceil(free);
  }
}
