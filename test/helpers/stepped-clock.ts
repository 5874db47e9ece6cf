// A wall clock whose reading a test steps (NTP, a VM restored), over a virtual clock that stands for real
// time, and a driver that keeps when, in that real time, each call went out (clock-step-*.test.ts).
import type { Clock, TimerHandle } from "../../src/clock/clock.ts";
import type { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { OriginateRequest } from "../../src/telephony/driver.ts";
import { KeepingDriver } from "./keeping-driver.ts";

/** A wall clock whose reading can be stepped; real time (monotonic) is the virtual clock's, which timers
 *  keep to. With `subMillisecond`, the monotonic reading falls somewhere inside its millisecond, as
 *  performance.now() does beside Date.now()'s whole milliseconds. */
export class SteppedClock implements Clock {
  readonly virtual = true;
  offset = 0;
  private readings = 0;
  private lastMonotonic = Number.NEGATIVE_INFINITY;
  constructor(
    readonly real: VirtualClock,
    private readonly subMillisecond = false,
  ) {}
  now(): number {
    return this.real.now() + this.offset;
  }
  monotonic(): number {
    if (!this.subMillisecond) return this.real.now();
    const reading = Math.max(this.lastMonotonic, this.real.now() + ((++this.readings * 0.377) % 1));
    this.lastMonotonic = reading;
    return reading;
  }
  at(at: number, fn: () => void | Promise<void>): TimerHandle {
    return this.real.at(at - this.offset, fn);
  }
  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    return this.real.after(ms, fn);
  }
}

/** Keeps when (in real time) each call was handed to the driver, and to which number. */
export class TimedDriver extends KeepingDriver {
  readonly dialedAt: number[] = [];
  readonly phones: string[] = [];
  realNow: () => number = () => 0;
  override originate(req: OriginateRequest): void {
    this.dialedAt.push(this.realNow());
    this.phones.push(req.to);
    super.originate(req);
  }
}
