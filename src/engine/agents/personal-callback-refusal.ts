// Whether an agent may hold a callback for itself (a disposition with callbackPersonal): only an agent that
// can still log in to the call's campaign, or the contact would wait for someone who never comes. Reads the
// store; must not import api/.
import { campaignAgents } from "../../store/agents.ts";
import type { Store } from "../../store/db.ts";
import { EngineError } from "../types.ts";
import type { LiveAgent } from "./board.ts";

/** Why `agentId` may not hold attempt `target`'s callback for itself, or null. `agent`: the agent as logged
 *  in here (null when logged out). An attempt that is not the account's is left to the write's not_found. */
export async function personalCallbackRefusal(
  store: Store,
  accountId: number,
  agentId: number,
  agent: LiveAgent | null,
  target: number,
): Promise<EngineError | null> {
  if (agent === null) {
    return new EngineError(
      "logged_out",
      `agent ${agentId} is not logged in: a callback held for it needs it logged in; set the callback for the campaign instead`,
    );
  }
  const attempt = await store.db
    .selectFrom("attempts")
    .select("campaign_id")
    .where("id", "=", target)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  if (!attempt) return null;
  const campaignId = Number(attempt.campaign_id);
  // Logged in to that campaign, the board knows whether it was taken out of the queue; logged in to another
  // (naming its last call there by attemptId), only the queue itself does.
  const inQueue =
    campaignId === agent.campaignId
      ? !agent.leaving
      : (await campaignAgents(store.db, campaignId)).some((m) => m.agentId === agentId);
  if (inQueue) return null;
  return new EngineError(
    "invalid_state",
    `agent ${agentId} has left campaign ${campaignId}'s queue; set the callback for the campaign instead`,
  );
}
