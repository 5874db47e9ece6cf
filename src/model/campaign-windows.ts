// The windows a campaign itself may dial in: its weekly schedule and its time spec, both on the campaign's
// clock (contacts' own windows are the claim's: engine/claim-decision.ts). Pure.
import { type CampaignSettings, campaignZone } from "./campaign-settings.ts";
import { parseTimeSpec, TIME_SPEC_HORIZON_MS, timeSpecWindow } from "./time-spec.ts";
import { nextAllowed, type WindowConstraint, weeklySchedule } from "./windows.ts";

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

/** Whether the campaign's own windows are ever all open at once: a 31st of February, or a schedule of Mondays
 *  under a time spec of Sundays, never are (a 29th of February is, once in four years; one that must also
 *  be a given weekday may be further off than the eight years looked at, and is refused). */
export function campaignEverOpens(
  settings: Pick<CampaignSettings, "schedule" | "timeSpec" | "defaultZone">,
  from: number,
): boolean {
  const constraints = campaignConstraints(settings);
  return constraints.length === 0 || nextAllowed(from, constraints, TIME_SPEC_HORIZON_MS) !== null;
}
