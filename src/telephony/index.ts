// The one place that maps a driver name to its implementation.
import type { DriverContext, TelephonyDriver } from "./driver.ts";
import { SimDriver, type SimDriverOptions } from "./sim/sim-driver.ts";

export const DRIVERS = ["sim"] as const;
export type DriverName = (typeof DRIVERS)[number];

export function createDriver(
  name: DriverName,
  ctx: DriverContext,
  opts: SimDriverOptions = {},
): TelephonyDriver {
  switch (name) {
    case "sim":
      return new SimDriver(ctx, opts);
    default:
      throw new Error(`unknown telephony driver "${String(name)}"`);
  }
}
