// The windows a campaign itself may dial in: its weekly schedule and its time spec, both on the campaign's
// clock (contacts' own windows are the claim's: engine/claim-decision.ts). Pure.
import { type CampaignSettings, campaignZone } from "./campaign-settings.ts";
import { parseTimeSpec, timeSpecEverOpens, timeSpecWindow } from "./time-spec.ts";
import { searchWindows, type WindowConstraint, weeklySchedule } from "./windows.ts";

const DAY_MS = 86_400_000;

/** A validated time spec as a window (settings are validated on the way in; a bad one here is a bug). */
function timeSpecConstraint(text: string, defaultZone: string): WindowConstraint {
  const spec = parseTimeSpec(text);
  if (!spec.ok) throw new Error(`invalid time spec ${JSON.stringify(text)}: ${spec.error.message}`);
  return timeSpecWindow(spec.value, spec.value.zone ?? defaultZone);
}

export function campaignConstraints(
  settings: Pick<CampaignSettings, "schedule" | "timeSpec" | "defaultZone">,
): WindowConstraint[] {
  return [
    ...(settings.schedule ? [weeklySchedule(settings.schedule)] : []),
    ...(settings.timeSpec ? [timeSpecConstraint(settings.timeSpec, campaignZone(settings))] : []),
  ];
}

/** Rounds of the window search a save may spend on a schedule and a time spec together; past them, the
 *  settings are taken to open (an adversarial pair alternating minute by minute cost seconds). */
const EVER_OPENS_ROUNDS = 1_000;

/** Whether the campaign's own windows are ever all open at once: a 31st of February, or a schedule of Mondays
 *  under a time spec of Sundays, never are (a 29th of February is, once in four years). A time spec alone is
 *  judged from its fields; with a weekly schedule too, the next 400 days are searched, within a budget. */
export function campaignEverOpens(
  settings: Pick<CampaignSettings, "schedule" | "timeSpec" | "defaultZone">,
  from: number,
): boolean {
  if (settings.timeSpec) {
    const spec = parseTimeSpec(settings.timeSpec);
    if (!spec.ok || !timeSpecEverOpens(spec.value)) return false;
  }
  if (!settings.schedule || !settings.timeSpec) return true;
  // Past the budget it is not known never to open: accepted (the engine's own search is bounded too).
  return searchWindows(from, campaignConstraints(settings), DAY_MS * 400, EVER_OPENS_ROUNDS) !== null;
}
