// bench/pacing/oracle owns the benchmark's upper bound: a dialer that knows every lead's outcome and
// timings (benchmark only: no pacer in src/ may look at lead attributes).

import { EventQueue } from "../../src/pacing/sim/event-queue.ts";
import { drawLead, outcomeAt, type PacingScenario } from "../../src/pacing/sim/scenario.ts";
import type { ScheduledDial } from "../../src/pacing/sim/simulator.ts";

/**
 * Agents' free times are known in advance because the oracle knows each call's talk and wrap, so the
 * whole shift's dials can be laid out before it starts: the earliest-free agent gets the next usable
 * person, dialed exactly (dial → verdict) before that agent frees.
 */
export function oracleSchedule(scenario: PacingScenario, seed: number): ScheduledDial[] {
  const shiftEnd = scenario.shiftSec * 1000;
  const freeAt = new EventQueue<null>();
  for (let i = 0; i < scenario.agents; i++) freeAt.push(0, null);
  const schedule: ScheduledDial[] = [];
  let leadIndex = 0;
  while (freeAt.size > 0) {
    const agentFree = freeAt.pop()!.at;
    if (agentFree >= shiftEnd) break;
    for (; leadIndex < scenario.leads; leadIndex++) {
      const lead = drawLead(scenario, seed, leadIndex);
      const toVerdict = lead.postDialMs + lead.humanRingMs + lead.humanVerdictMs;
      const dialAt = Math.max(0, agentFree - toVerdict);
      if (lead.amdFalsePositive || outcomeAt(scenario, lead, dialAt) !== "human") continue;
      schedule.push({ atMs: dialAt, lead: leadIndex });
      freeAt.push(dialAt + toVerdict + lead.talkMs + lead.wrapMs, null);
      leadIndex++;
      break;
    }
    if (leadIndex >= scenario.leads) break;
  }
  return schedule.sort((a, b) => a.atMs - b.atMs);
}
