// New contacts in a campaign through a vendor face (Xcally, JAICP, Voximplant): a campaign that has run dry
// (completed) is brought back with the engine's own recover, so they get dialed; any other campaign is only
// told to look again. Under 1 USD, or past the campaign's end time, the recover is refused and the campaign
// stays completed, its contacts stored, until it is started again or its endAt changed: the contacts are
// written by then, so the request must not answer an error. A face that adds to one campaign asks
// refuseIfEnded first, so that nothing is written for a campaign that can never dial it. Shared by the
// faces; holds no scheduling logic.
import { EngineError } from "../../engine/types.ts";
import { withDefaults } from "../../model/campaign-settings.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { leaveCompletedForBalance } from "../../store/face-adds.ts";
import type { NativeApiDeps } from "../native/deps.ts";
import { queueSwitchedOff } from "./xcally/dial-switch.ts";

export async function dialAgain(
  deps: Pick<NativeApiDeps, "store" | "engine">,
  accountId: number,
  campaignId: number,
): Promise<void> {
  const { store, engine } = deps;
  const current = await findCampaign(store.db, accountId, campaignId);
  if (current?.status !== "completed") {
    engine.wake();
    return;
  }
  const { vendor } = withDefaults(JSON.parse(current.settings));
  if (engine.endedError(current) || queueSwitchedOff(vendor.xcally, current)) return;
  try {
    // Only from completed, on the engine's own fresh read: a StopCallListProcessing (or any stop) that
    // lands after the read above is not undone.
    await engine.recover(accountId, campaignId, { onlyFrom: ["completed"] });
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    if (err.code === "insufficient_balance") {
      // Said on the campaign, so that no engine's recovery of lost adds (engine/face-add-recovery.ts)
      // brings it back: it waits for the client's own start.
      await leaveCompletedForBalance(store, campaignId);
      return;
    }
    // Two requests adding contacts at once both saw it completed: the other one recovered it first (or
    // a stop came between: it stays stopped, and the wake finds nothing to dial).
    const now = await findCampaign(store.db, accountId, campaignId);
    if (err.code === "invalid_state" && now !== undefined && now.status !== "completed") {
      engine.wake();
      return;
    }
    throw err;
  }
}

/**
 * Refuses (the engine's invalid_state) to add to a campaign whose end time has passed, whatever its status:
 * no start, resume or recover makes it dial again (a running one halts at its next pass). One halted at its
 * lifetime is not refused: a recover counts its lifetime again from then.
 */
export async function refuseIfEnded(
  deps: Pick<NativeApiDeps, "store" | "engine">,
  accountId: number,
  campaignId: number,
): Promise<void> {
  const current = await findCampaign(deps.store.db, accountId, campaignId);
  const ended = current ? deps.engine.endedError(current) : null;
  if (ended) throw ended;
}
