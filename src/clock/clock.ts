// clock/ owns time: the wall clock for production and a virtual, discrete-event clock for tests,
// benchmarks and `outdial simulate`. Nothing else in outdial may call Date.now() or setTimeout directly.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Milliseconds from an arbitrary origin, in the real time timers wait in: never stepped, so the time
   *  between two readings of it tells a step of the wall reading (now) from time passing
   *  (dispatcher.ts takeClockStep). On a virtual clock, its now(). */
  monotonic(): number;
  /** Runs `fn` once the clock reaches `at` (ms epoch); past times run as soon as possible. On the wall
   *  clock: after the wait `at` is from now when armed, in real time, whatever the wall reading does. */
  at(at: number, fn: () => void | Promise<void>): TimerHandle;
  /** Runs `fn` after `ms` milliseconds (of real time, on the wall clock). */
  after(ms: number, fn: () => void | Promise<void>): TimerHandle;
  readonly virtual: boolean;
}

export class WallClock implements Clock {
  readonly virtual = false;
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  at(at: number, fn: () => void | Promise<void>): TimerHandle {
    return this.after(at - Date.now(), fn);
  }
  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    // As on the virtual clock, a NaN time is a bug where it was computed, not "now" (setTimeout's reading).
    if (Number.isNaN(ms)) throw new RangeError("wall clock: a timer's time is not a number (NaN)");
    // setTimeout caps at 2^31-1 ms; longer waits re-arm themselves. The wait is counted in real time
    // (performance.now(), monotonic), not by the wall reading: a wall clock stepped back an hour (NTP, a VM
    // snapshot restored) must not hold every timer armed before the step for that hour; the engine takes
    // the step in itself (dispatcher.ts takeClockStep), and `at` is turned into a wait when it is armed.
    const MAX = 2_147_000_000;
    let handle: NodeJS.Timeout;
    let cancelled = false;
    const due = performance.now() + Math.max(0, ms);
    const arm = () => {
      const left = due - performance.now();
      handle = setTimeout(
        () => {
          if (cancelled) return;
          if (due - performance.now() > 0) return arm();
          void Promise.resolve()
            .then(fn)
            .catch((err) =>
              queueMicrotask(() => {
                throw err;
              }),
            );
        },
        Math.min(Math.max(0, left), MAX),
      );
    };
    arm();
    return {
      cancel() {
        cancelled = true;
        clearTimeout(handle);
      },
    };
  }
}
