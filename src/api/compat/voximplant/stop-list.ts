// StopCallListProcessing: the engine stops the list, whether it dials (running, scheduled, paused) or has
// finished (completed, or halted at its end): a finished one is marked stopped so that nothing brings it
// back unasked (AppendToCallList's dialAgain and the engine's face-add recovery recover only completed
// lists) until RecoverCallList. A draft and a stopped list are left as they are.

import { EngineError } from "../../../engine/types.ts";
import type { CampaignStatus } from "../../../model/outcome.ts";
import { findCampaign, untilWritten } from "../../../store/campaigns.ts";
import { findCallList } from "./lists.ts";
import type { MethodContext } from "./methods.ts";
import { int, type Params } from "./params.ts";

/** The lists a stop acts on: dialing ones, and finished ones (which the native API's stop refuses). */
const STOPPABLE: readonly string[] = [
  "running",
  "scheduled",
  "paused",
  "completed",
  "halted",
] satisfies CampaignStatus[];

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
 *  the write (stopped or drafted by a request beside this one meanwhile), to decide again. A draft (never
 *  started, or stored under 1 USD) and a stopped list are left as they are. */
async function stopOnce(ctx: MethodContext, campaignId: number): Promise<true | null> {
  const row = await findCampaign(ctx.store.db, ctx.accountId, campaignId);
  if (!row || !STOPPABLE.includes(row.status)) return true;
  try {
    await ctx.engine.stop(ctx.accountId, campaignId, { evenIfFinished: true });
    return true;
  } catch (err) {
    if (err instanceof EngineError && err.code === "invalid_state") return null;
    throw err;
  }
}
