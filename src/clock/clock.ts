// clock/ owns time: the wall clock for production and a virtual, discrete-event clock for tests,
// benchmarks and `outdial simulate`. Nothing else in outdial may call Date.now() or setTimeout directly.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once the clock reaches `at` (ms epoch); past times run as soon as possible. */
  at(at: number, fn: () => void | Promise<void>): TimerHandle;
  /** Runs `fn` after `ms` milliseconds. */
  after(ms: number, fn: () => void | Promise<void>): TimerHandle;
  readonly virtual: boolean;
}

export class WallClock implements Clock {
  readonly virtual = false;
  now(): number {
    return Date.now();
  }
  at(at: number, fn: () => void | Promise<void>): TimerHandle {
    return this.after(at - Date.now(), fn);
  }
  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    // As on the virtual clock, a NaN time is a bug where it was computed, not "now" (setTimeout's reading).
    if (Number.isNaN(ms)) throw new RangeError("wall clock: a timer's time is not a number (NaN)");
    // setTimeout caps at 2^31-1 ms; longer waits re-arm themselves.
    const MAX = 2_147_000_000;
    let handle: NodeJS.Timeout;
    let cancelled = false;
    const due = Date.now() + Math.max(0, ms);
    const arm = () => {
      const left = due - Date.now();
      handle = setTimeout(
        () => {
          if (cancelled) return;
          if (due - Date.now() > 0) return arm();
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
