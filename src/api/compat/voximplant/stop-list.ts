// StopCallListProcessing: a list that dials (running, scheduled, paused) is stopped by the engine; one that
// has finished (completed, or halted at its end) is marked stopped here, so that nothing brings it back
// unasked (AppendToCallList's dialAgain and dialAgainAfterRestart recover only completed lists) until
// RecoverCallList. The engine's own stop refuses a finished campaign (campaign-commands.ts stop).

import { campaignStatusEvents } from "../../../engine/events.ts";
import { EngineError } from "../../../engine/types.ts";
import type { CampaignStatus } from "../../../model/outcome.ts";
import { atomically } from "../../../store/atomic.ts";
import { findCampaign, untilWritten } from "../../../store/campaigns.ts";
import type { Campaign } from "../../../store/schema.ts";
import { activeSubscriptions, outboxInserts } from "../../../store/webhooks.ts";
import { findCallList } from "./lists.ts";
import type { MethodContext } from "./methods.ts";
import { int, type Params } from "./params.ts";

/** The statuses the engine stops. */
const DIALING: readonly string[] = ["running", "scheduled", "paused"] satisfies CampaignStatus[];
/** Finished lists, which the engine's stop refuses; marked stopped by the face. */
const FINISHED: readonly string[] = ["completed", "halted"] satisfies CampaignStatus[];
/** The engine's status_reason for a stop: a finished list stopped here reads as any other stopped one. */
const STOPPED_BY_REQUEST = "stopped by request";

export async function stopList(ctx: MethodContext, p: Params): Promise<Record<string, unknown>> {
  const list = await findCallList(
    ctx.store,
    ctx.accountId,
    int(p, "list_id", { required: true, min: 1 }) as number,
  );
  const id = list.campaign.id;
  await untilWritten(
    () => stopOnce(ctx, id),
    () => new EngineError("conflict", `campaign ${id} kept changing; send the command again`),
  );
  return { result: true, msg: `Call list ${id} processing stopped` };
}

/** One stop, decided on a fresh read: true once the list is not processing; null when it changed under
 *  the write (a concurrent append recovered it, or it completed while the engine was asked), to decide
 *  again. A draft (never started, or stored under 1 USD) and a stopped list are left as they are. */
async function stopOnce(ctx: MethodContext, campaignId: number): Promise<true | null> {
  const row = await findCampaign(ctx.store.db, ctx.accountId, campaignId);
  if (!row) return true;
  if (DIALING.includes(row.status)) {
    try {
      await ctx.engine.stop(ctx.accountId, campaignId);
      return true;
    } catch (err) {
      // Stopped by a request beside this one, or finished meanwhile: read again.
      if (err instanceof EngineError && err.code === "invalid_state") return null;
      throw err;
    }
  }
  if (FINISHED.includes(row.status)) return (await markStopped(ctx, row)) ? true : null;
  return true;
}

/**
 * Writes a finished list stopped, with its campaign.status_changed events in the same transaction (as the
 * engine writes every status change's), only while it still has the status it was read with. The engine
 * dials neither (a completed list has nothing left, a halted one is past its end), so it has nothing to
 * take back; a call of a list halted seconds ago still ends as it would have. Its finish time stays.
 */
async function markStopped(ctx: MethodContext, row: Campaign): Promise<boolean> {
  const now = ctx.clock.now();
  const update = ctx.store.db
    .updateTable("campaigns")
    .set({ status: "stopped", status_reason: STOPPED_BY_REQUEST, updated_at: now })
    .where("account_id", "=", row.account_id)
    .where("id", "=", row.id)
    .where("status", "=", row.status)
    .compile();
  const subs = (await activeSubscriptions(ctx.store.db)).filter(
    (s) => s.accountId === row.account_id && (s.campaignId === null || s.campaignId === row.id),
  );
  const events = campaignStatusEvents(
    subs,
    row.account_id,
    row.id,
    row.status,
    "stopped",
    STOPPED_BY_REQUEST,
    now,
  );
  const [changed] = await atomically(ctx.store, [update], {
    thenIfChanged: outboxInserts(ctx.store.db, events),
  });
  if (changed > 0 && events.length > 0) ctx.engine.outboxChanged();
  return changed > 0;
}
