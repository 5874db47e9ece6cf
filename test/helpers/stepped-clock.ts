// A wall clock whose reading a test steps (NTP, a VM restored), over a virtual clock that stands for real
// time, and a driver that keeps when, in that real time, each call went out (clock-step-*.test.ts).
import type { Clock, TimerHandle } from "../../src/clock/clock.ts";
import type { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { OriginateRequest } from "../../src/telephony/driver.ts";
import { KeepingDriver } from "./keeping-driver.ts";

/** A wall clock whose reading can be stepped; real time (monotonic) is the virtual clock's, which timers
 *  keep to. */
export class SteppedClock implements Clock {
  readonly virtual = true;
  offset = 0;
  constructor(readonly real: VirtualClock) {}
  now(): number {
    return this.real.now() + this.offset;
  }
  monotonic(): number {
    return this.real.now();
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
