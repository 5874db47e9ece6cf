// A discrete-event clock: timers sit in a binary heap ordered by (time, insertion order); `run` pops them
// one at a time, moves `now` to the event's time and awaits its handler before the next one, so a run is
// deterministic and an 8-hour campaign takes as long as its events take to process.
import type { Clock, TimerHandle } from "./clock.ts";

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private current: number;
  private seq = 0;
  private heap: VirtualTimer[] = [];
  private live = 0;

  constructor(start: number | Date = Date.UTC(2026, 0, 5, 0, 0, 0)) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  /** Virtual time is never stepped: its monotonic reading is its reading. */
  monotonic(): number {
    return this.current;
  }

  /** Number of timers that are armed and not cancelled. */
  get pending(): number {
    return this.live;
  }

  at(at: number, fn: () => void | Promise<void>): TimerHandle {
    // A NaN time would sit anywhere in the heap and, once run, make `now` NaN: every later timer would
    // land at NaN too and `run({ until })` would never stop. Refuse it where it is made.
    if (Number.isNaN(at)) throw new RangeError("virtual clock: a timer's time is not a number (NaN)");
    const timer: VirtualTimer = { at: Math.max(at, this.current), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return {
      cancel: () => {
        if (!timer.cancelled) {
          timer.cancelled = true;
          this.live--;
        }
      },
    };
  }

  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    return this.at(this.current + Math.max(0, ms), fn);
  }

  /** Time of the next armed timer, or null when nothing is armed. */
  nextAt(): number | null {
    this.dropCancelled();
    return this.heap.length ? this.heap[0].at : null;
  }

  /**
   * Runs events in time order until none is left, `until` (ms epoch) is passed, or `stop()` returns true.
   * When it stops on `until`, the clock is left at `until`. Returns the number of events run.
   */
  async run(opts: { until?: number; stop?: () => boolean; maxEvents?: number } = {}): Promise<number> {
    let count = 0;
    const max = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    // Time may only jump to `until` when nothing is left before it: stopping on maxEvents or stop() with
    // events still due must not move `now` past them (they would run later with time going backwards).
    let drained = false;
    while (count < max) {
      if (opts.stop?.()) break;
      this.dropCancelled();
      const next = this.heap[0];
      if (!next || (opts.until !== undefined && next.at > opts.until)) {
        drained = true;
        break;
      }
      this.pop();
      this.live--;
      next.cancelled = true;
      this.current = next.at;
      const result = next.fn();
      if (result && typeof (result as Promise<void>).then === "function") await result;
      count++;
    }
    if (opts.until !== undefined && drained && this.current < opts.until) {
      this.current = opts.until;
    }
    return count;
  }

  /** Moves time forward by `ms`, running every event due on the way. */
  advance(ms: number): Promise<number> {
    return this.run({ until: this.current + ms });
  }

  private dropCancelled(): void {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
  }

  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: VirtualTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): VirtualTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
