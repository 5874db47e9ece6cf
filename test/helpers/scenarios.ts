// Sim scenarios for tests: force chosen numbers to one outcome each, the rest as the base scenario says.
import type { SimOutcome } from "../../src/telephony/sim/scenario.ts";

export function forcedOutcomes(
  byNumber: Record<string, SimOutcome>,
  base = "default",
): Record<string, unknown> {
  return { base, overrides: byNumber };
}
