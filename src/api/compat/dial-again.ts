// New contacts in a campaign through a vendor face (Xcally, JAICP, Voximplant): a campaign that has run dry
// (completed) is brought back with the engine's own recover, so they get dialed; any other campaign is only
// told to look again. Under 1 USD, or past the campaign's end time, the recover is refused and the campaign
// stays completed, its contacts stored, until it is started again or its endAt changed: the contacts are
// written by then, so the request must not answer an error. A face that adds to one campaign asks
// refuseIfEnded first, so that nothing is written for a campaign that can never dial it. Shared by the
// faces; holds no scheduling logic.
import { sql } from "kysely";
import { EngineError } from "../../engine/types.ts";
import { LOW_BALANCE_REASON } from "../../model/billing.ts";
import { withDefaults } from "../../model/campaign-settings.ts";
import { findCampaign } from "../../store/campaigns.ts";
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
      // Said on the campaign, so that a restart (dialAgainAfterRestart) leaves it for the client's own start.
      await store.db
        .updateTable("campaigns")
        .set({ status_reason: LOW_BALANCE_REASON })
        .where("id", "=", campaignId)
        .where("status", "=", "completed")
        .execute();
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

/**
 * dialAgain runs after the new contacts commit, so a process that dies between the two leaves a face's
 * campaign completed with contacts nobody will dial (a retried request adds nothing new: duplicates). At
 * start, every campaign a face brings back on an add (Xcally queues, automatic Voximplant lists, JAICP
 * campaigns) that is completed with pending contacts is brought back now: a campaign completes only once
 * none is pending, so any pending one came later (however long before its commit the request began).
 * Not one that dialAgain left completed for the balance (it waits for the client's start, as
 * documented), nor a native campaign: its new contacts wait for an explicit recover. Returns how many it brought back or tried to
 * (one under 1 USD, or past its end time, stays completed, as dialAgain leaves it).
 */
export async function dialAgainAfterRestart(deps: Pick<NativeApiDeps, "store" | "engine">): Promise<number> {
  const { store } = deps;
  // Two probes, each on a partial index: contacts due now (the dial queue) and ones waiting for later.
  // Without statistics SQLite would take the (campaign_id, phone) index and read every contact of every
  // completed campaign; INDEXED BY keeps it on the partial ones (PostgreSQL's planner finds them itself).
  const on = (index: string) =>
    sql.raw(store.dialect === "sqlite" ? `contacts k INDEXED BY ${index}` : "contacts k");
  const { rows } = await sql<{
    id: number;
    account_id: number;
    settings: string;
    finished_at: number | null;
    has_token: unknown;
  }>`
    SELECT c.id, c.account_id, c.settings, c.finished_at,
        EXISTS (SELECT 1 FROM campaign_tokens t WHERE t.campaign_id = c.id) AS has_token
      FROM campaigns c
      WHERE c.status = 'completed' AND (c.status_reason IS NULL OR c.status_reason <> ${LOW_BALANCE_REASON}) AND (
        EXISTS (SELECT 1 FROM ${on("contacts_dial_queue")} WHERE k.campaign_id = c.id AND k.ready = 1)
        OR EXISTS (SELECT 1 FROM ${on("contacts_waiting")}
          WHERE k.campaign_id = c.id AND k.status = 'pending' and k.ready = 0))`.execute(store.db);
  const broughtBack = rows.filter((r) => bringsBackOnAdd(r, Boolean(r.has_token)));
  for (const r of broughtBack) await dialAgain(deps, Number(r.account_id), Number(r.id));
  return broughtBack.length;
}

/** Whether a face brings the completed campaign back when contacts are added to it (the callers of
 *  dialAgain). Not an Xcally queue its client switched off (dialActive: false) and nothing started since:
 *  it stays completed until switched on, whatever contacts its lists are given. */
function bringsBackOnAdd(
  completed: { settings: string; finished_at: number | null },
  hasJaicpToken: boolean,
): boolean {
  const { vendor } = withDefaults(JSON.parse(completed.settings));
  if (queueSwitchedOff(vendor.xcally, { status: "completed", finished_at: completed.finished_at }))
    return false;
  const vox = vendor.voximplant as { type?: string } | undefined;
  // A manual Voximplant list is dialed by StartNextCallTask, never on an add.
  if (vox !== undefined) return vox.type !== "MANUAL";
  return vendor.xcally !== undefined || hasJaicpToken;
}
