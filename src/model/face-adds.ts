// Which completed campaigns a vendor face brings back when contacts are added to them (its dialAgain):
// Xcally queues not switched off, automatic Voximplant lists and JAICP campaigns, read from the vendor
// fields the campaign stores. Pure: the engine asks it of the completed campaigns a dead node left with
// contacts, to dial them as the face would have (engine/face-add-recovery.ts).
import { withDefaults } from "./campaign-settings.ts";

/** Where a stored Xcally queue keeps the time its dialActive: false was set (ms epoch); written by
 *  api/compat/xcally/dial-switch.ts. */
export const SWITCHED_OFF_AT = "dialActiveOffAt";

/**
 * Whether a face brings the completed campaign back on an add. Not an Xcally queue its client switched off
 * (dialActive: false) and nothing started since: it stays completed until switched on, whatever contacts
 * its lists are given. Not a manual Voximplant list (StartNextCallTask dials it, never an add), nor a
 * native campaign: its new contacts wait for an explicit recover.
 */
export function bringsBackOnAdd(
  completed: { settings: string; finished_at: number | null },
  hasCampaignToken: boolean,
): boolean {
  const { vendor } = withDefaults(JSON.parse(completed.settings));
  if (switchedOffSinceRun(vendor.xcally, completed.finished_at)) return false;
  const vox = vendor.voximplant as { type?: string } | undefined;
  if (vox !== undefined) return vox.type !== "MANUAL";
  return vendor.xcally !== undefined || hasCampaignToken;
}

/**
 * Whether a completed campaign's Xcally queue (undefined for a campaign of no queue) is switched off:
 * dialActive: false, set after the campaign last finished (a start clears the finish time, which the next
 * finish sets later: a queue that finished after the switch was started again since). One switched off
 * before the switch's time was kept counts as off; a finish in the same millisecond as the switch counts as
 * before. dial-switch.ts's queueSwitchedOff for a campaign not dialing.
 */
export function switchedOffSinceRun(queue: unknown, finishedAt: number | null): boolean {
  const stored = queue as { dialActive?: unknown; [SWITCHED_OFF_AT]?: unknown } | undefined;
  if (stored?.dialActive !== false) return false;
  const offAt = stored[SWITCHED_OFF_AT];
  if (typeof offAt !== "number" || finishedAt === null) return true;
  return Number(finishedAt) <= offAt;
}
