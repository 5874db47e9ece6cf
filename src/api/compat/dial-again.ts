// New contacts in a campaign through a vendor face (Xcally, JAICP, Voximplant): a campaign that has run dry
// (completed) is brought back with the engine's own recover, so they get dialed; any other campaign is only
// told to look again. Under 1 USD, or past the campaign's end time, the recover is refused and the campaign
// stays completed, its contacts stored, until it is started again or its endAt changed: the contacts are
// written by then, so the request must not answer an error. A face that adds to one campaign asks
// refuseIfEnded first, so that nothing is written for a campaign that can never dial it. Shared by the
// faces; holds no scheduling logic.
import { EngineError } from "../../engine/types.ts";
import { findCampaign } from "../../store/campaigns.ts";
import type { NativeApiDeps } from "../native/deps.ts";

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
  if (engine.endedError(current)) return;
  try {
    await engine.recover(accountId, campaignId);
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    if (err.code === "insufficient_balance") return;
    // Two requests adding contacts at once both saw it completed: the other one recovered it first.
    const now = await findCampaign(store.db, accountId, campaignId);
    if (err.code === "invalid_state" && now !== undefined && now.status !== "completed") {
      engine.wake();
      return;
    }
    throw err;
  }
}

/** Refuses (the engine's invalid_state) to add to a completed campaign whose end time has passed. */
export async function refuseIfEnded(
  deps: Pick<NativeApiDeps, "store" | "engine">,
  accountId: number,
  campaignId: number,
): Promise<void> {
  const current = await findCampaign(deps.store.db, accountId, campaignId);
  const ended = current?.status === "completed" ? deps.engine.endedError(current) : null;
  if (ended) throw ended;
}
