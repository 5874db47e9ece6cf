// Calls-per-second as a minimum spacing between dials (no bursts): with a spacing of 1000/cps ms, no
// half-open 1 s window ever holds more than cps dials (rounded up, for a fractional rate above 1), and
// fractional rates (0.2 = one call every 5 s) fall out of the same rule. Dials go out at whole
// milliseconds, each at its point on an exact schedule whose points are a spacing apart, rounded up: so
// rounding never pushes the next dial later. Floating point can leave two points a hair under a spacing
// apart, so the window rule is also kept exactly, on the dials' own whole-millisecond times.
// Without a rate only the last dial is kept (one number a dial): a rate set later counts the second
// before it as full, so the dials made unlimited and the first ones under the rate share no 1 s window.
export class DialSpacing {
  /** The last dial's point on the exact schedule (its time, or up to 1 ms before it; without a rate, its
   *  time). */
  private last = Number.NEGATIVE_INFINITY;
  /** The latest dials' times (whole ms), oldest first: as many as one 1 s window may hold (under a rate). */
  private recent: number[] = [];
  constructor(private cps: number | null) {}

  setRate(cps: number | null): void {
    // A burst made unlimited may have filled the second up to its last dial: the window ending there is
    // taken as full, so the first dial under the rate waits a second after it (or its spacing, if longer).
    if (!this.cps && cps && Number.isFinite(this.last)) {
      this.recent = new Array(Math.max(1, Math.ceil(cps))).fill(wholeMsFrom(this.last));
    }
    this.cps = cps;
  }

  get intervalMs(): number {
    return this.cps ? 1000 / this.cps : 0;
  }

  /** Earliest time a dial may go out. */
  nextSlot(now: number): number {
    return this.cps ? Math.max(now, this.last + this.intervalMs, this.windowFree()) : now;
  }

  /** Up to `max` dial times from `now` before `horizon` (always at least the first when it is due now). */
  slots(now: number, horizon: number, max: number): number[] {
    if (max <= 0) return [];
    if (!this.cps) return new Array(max).fill(now);
    const out: number[] = [];
    const step = this.intervalMs;
    for (let t = this.nextSlot(now); out.length < max && (t < horizon || out.length === 0); t += step) {
      if (t > now && t >= horizon) break;
      out.push(wholeMsFrom(t));
    }
    return out;
  }

  /** Marks a dial as placed at `at` (one placed elsewhere: another process's, before a handover). */
  consume(at: number): void {
    if (at <= this.last) return;
    this.last = at;
    if (this.cps) this.remember(at);
  }

  /** The wall clock was stepped by `deltaMs` (back: negative; dispatcher.ts takeClockStep): the dials taken
   *  on the old reading move with it, so the next one keeps its spacing from them in real time. Back, it
   *  does not wait out the step; forward, it does not go out at once beside them, as if they were long
   *  past. */
  clockStepped(deltaMs: number): void {
    this.last += deltaMs;
    for (let i = 0; i < this.recent.length; i++) this.recent[i] += deltaMs;
  }

  /**
   * Takes the slot of a dial wanted at `at` (whole ms): `at` itself when it is a spacing after the last
   * dial's point, else the first whole millisecond from there — another dial took a slot in between, or
   * `at` is one of a pass's own slots, the schedule's point rounded up (which keeps the point, not `at`).
   */
  take(at: number): number {
    const slot = this.peek(at);
    if (this.cps) {
      const point = this.last + this.intervalMs;
      this.last = slot === wholeMsFrom(point) ? point : slot;
      this.remember(slot);
    } else if (slot > this.last) this.last = slot; // for a rate set later (setRate)
    return slot;
  }

  /** The slot `take(at)` would give now, left free. */
  peek(at: number): number {
    if (!this.cps) return at;
    return Math.max(at, wholeMsFrom(this.last + this.intervalMs), this.windowFree());
  }

  /** How many dials one 1 s window may hold. */
  private get perWindow(): number {
    return Math.max(1, Math.ceil(this.cps ?? 1));
  }

  /** The first time a 1 s window ending there holds fewer dials than it may. */
  private windowFree(): number {
    const n = this.perWindow;
    return this.recent.length >= n ? this.recent[this.recent.length - n] + 1000 : Number.NEGATIVE_INFINITY;
  }

  private remember(at: number): void {
    this.recent.push(at);
    const excess = this.recent.length - this.perWindow;
    if (excess > 0) this.recent.splice(0, excess);
  }
}

/** A schedule point's whole millisecond: rounded up, except past a point that floating point left a hair
 *  (under a microsecond) above a whole one. */
function wholeMsFrom(point: number): number {
  return Math.ceil(point - 1e-3);
}
