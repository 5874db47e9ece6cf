// The one place that maps a driver name to its implementation.
import type { DriverContext, TelephonyDriver } from "./driver.ts";
import { SimDriver, type SimDriverOptions } from "./sim/sim-driver.ts";
import { SipDriver, type SipDriverOptions } from "./sip/sip-driver.ts";

export const DRIVERS = ["sim", "sip"] as const;
export type DriverName = (typeof DRIVERS)[number];

export function createDriver(
  name: DriverName,
  ctx: DriverContext,
  opts: SimDriverOptions = {},
  sip: SipDriverOptions | null = null,
): TelephonyDriver {
  switch (name) {
    case "sim":
      return new SimDriver(ctx, opts);
    case "sip":
      if (!sip) throw new Error("the sip driver needs its trunk and local address");
      return new SipDriver(ctx, sip);
    default:
      throw new Error(`unknown telephony driver "${String(name)}"`);
  }
}
