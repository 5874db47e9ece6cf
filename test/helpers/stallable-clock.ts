// A process's view of a shared virtual clock that can stall (a paused VM, a long GC, a process cut off from
// its database): while stalled its timers wait, then run in order, late. For tests of a node that looks
// dead to the others and comes back.
import type { Clock, TimerHandle } from "../../src/clock/clock.ts";
import type { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import type { Store } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { KeepingDriver } from "./keeping-driver.ts";

/** One process's view of the shared virtual clock: while stalled, its timers wait and then run in order. */
export class StallableClock implements Clock {
  readonly virtual = true;
  stalled = false;
  private deferred: (() => void | Promise<void>)[] = [];
  constructor(private readonly inner: VirtualClock) {}
  now(): number {
    return this.inner.now();
  }
  monotonic(): number {
    return this.inner.monotonic();
  }
  at(at: number, fn: () => void | Promise<void>): TimerHandle {
    let cancelled = false;
    const run = () => (cancelled ? undefined : fn());
    const h = this.inner.at(at, () => {
      if (this.stalled) this.deferred.push(run);
      else return run();
    });
    return {
      cancel: () => {
        cancelled = true;
        h.cancel();
      },
    };
  }
  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    return this.at(this.inner.now() + ms, fn);
  }
  async resume(): Promise<void> {
    this.stalled = false;
    const due = this.deferred;
    this.deferred = [];
    for (const fn of due) await fn();
  }
}

/** Node "node-a" on `store`, its clock one that can stall, its sim driver playing `scenario`. */
export function stallableNode(
  store: Store,
  clock: VirtualClock,
  scenario: string | Record<string, unknown>,
  leaseMs: number,
) {
  const aClock = new StallableClock(clock);
  const aDriver = new KeepingDriver(
    createDriver("sim", { clock: aClock }, { seed: 1, scenario, maxChannels: null }),
  );
  const a = new Engine({
    store,
    clock: aClock,
    driver: aDriver,
    nodeId: "node-a",
    leaseMs,
    maxChannels: null,
  });
  return { aClock, aDriver, a };
}
