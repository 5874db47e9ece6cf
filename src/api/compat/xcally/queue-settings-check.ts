// The checks a queue's campaign settings pass before they are stored (findSettingsProblem's), refused in the
// queue's own terms: its dialGlobalInterval or dialTimezone, not settings.timeSpec. Pure.
import { zoneNameProblem } from "../../../lib/time-zone.ts";
import type { CampaignSettings } from "../../../model/campaign-settings.ts";
import { parseTimeSpec } from "../../../model/time-spec.ts";
import { findSettingsProblem, settingsZones } from "../../native/schemas/campaign-settings.ts";
import { type ApiError, invalidRequest } from "../../plugins/errors.ts";

/**
 * Refuses `settings` (a new queue's, or an edited one's) with a 400 naming the queue field at fault. For an
 * edit, `stored` are the settings before it: a zone they already run in is not refused again, even an
 * abbreviation saved before abbreviations were refused ("EST"), so such a queue can still be renamed or
 * switched; only a zone the edit brings in is checked (checkDialTimezone does the same for dialTimezone).
 */
export function assertSettings(settings: CampaignSettings, now: number, stored?: CampaignSettings): void {
  const kept = stored ? settingsZones(stored) : undefined;
  const problem = findSettingsProblem(settings, "settings", now, kept);
  if (!problem) return;
  if (problem.kind === "zone" && problem.zone !== undefined) {
    const refusal = zoneRefusal(settings, problem.zone);
    if (refusal) throw refusal;
  }
  // The time spec is dialGlobalInterval's, checked as a spec before: a spec that never opens on its own is
  // a date it never matches (a 31st of February), said in the queue's own terms.
  if (problem.kind === "never_open" && problem.field === "settings.timeSpec")
    throw invalidRequest(
      "dialGlobalInterval: the spec never opens (no date has its days of the month in its months)",
      "dialGlobalInterval",
    );
  throw invalidRequest(problem.message, problem.field);
}

/** `zone` refused where the queue names it: its dialGlobalInterval's own zone field, else its dialTimezone
 *  (the zone a spec naming none is read in); null when the queue names it nowhere (a /v1 setting). */
function zoneRefusal(settings: CampaignSettings, zone: string): ApiError | null {
  const queue = (settings.vendor.xcally ?? {}) as Record<string, unknown>;
  const spec = parseTimeSpec(queue.dialGlobalInterval);
  const field =
    spec.ok && spec.value.zone === zone
      ? "dialGlobalInterval"
      : queue.dialTimezone === zone
        ? "dialTimezone"
        : null;
  if (field === null) return null;
  const hint = zoneNameProblem(zone)?.hint ?? `${JSON.stringify(zone)} is not an IANA time zone`;
  return invalidRequest(`${field}: ${hint}`, field);
}
