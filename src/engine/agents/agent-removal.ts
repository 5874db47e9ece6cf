// Deleting an agent that is logged in here. Every desktop command needs the agent's row, so one deleted
// while it holds a call (reserved, on it, in wrap-up) or still owes its last call's result (paused out of
// its wrap-up) could never hang up or set that result: the delete is refused (409 agent_busy) until it
// has finished. An agent that may go is logged out in the same turn of the event loop as the check, before
// the delete awaits the store: ready, it could otherwise be put through to a person meanwhile. An agent
// logged in on another live node is refused too (409 logged_in_elsewhere): its state, busy or not, is in
// that node's memory, and only that node can log it out.
import { EngineError } from "../types.ts";
import type { AgentBoard, LiveAgent } from "./board.ts";
import type { AgentSessions } from "./sessions.ts";

/** Why the agent may not be deleted now, or null. */
export function removalRefusal(agent: LiveAgent): EngineError | null {
  const { state } = agent;
  if (state === "reserved" || state === "on_call" || state === "wrap_up") {
    return new EngineError(
      "agent_busy",
      `agent ${agent.id} is ${state}; delete it once it has finished the call (or log it out)`,
    );
  }
  // A ready agent has moved on (its next call takes the desktop); a paused one still has the call open.
  if (state === "paused" && agent.lastAttemptId !== null && !agent.lastDisposed) {
    return new EngineError(
      "agent_busy",
      `agent ${agent.id} is paused and has not set call ${agent.lastAttemptId}'s disposition; delete it once it has (or log it out, leaving the call without one)`,
    );
  }
  return null;
}

/** Deletes the agent with `deleteRow` (false: no such agent), after logging it out here; refused while
 *  it is busy (removalRefusal), or logged in on another live node (that node's to log out). */
export async function removeAgent(
  board: AgentBoard,
  sessions: AgentSessions,
  accountId: number,
  agentId: number,
  deleteRow: () => Promise<boolean>,
): Promise<boolean> {
  const agent = board.get(agentId);
  if (agent?.who.accountId === accountId) {
    const refused = removalRefusal(agent);
    if (refused) throw refused;
    // No await between the check and the logout. A preview claim under way gives its contact back on
    // finding the agent gone (desk.ts previewNext), as it does after any logout.
    board.logout(agent);
    // The session ends first (sessions.ended), as after any logout.
    await sessions.settled();
  } else if (await sessions.heldElsewhere(accountId, agentId)) {
    // Whether it holds a call there this node cannot tell, and deleted it could no longer hang up or set a
    // call's disposition there. Read right before the delete: a login there that claims its session after
    // this read reads its queue again once on the board (desk.ts login), as each maintenance pass does, and
    // leaves on finding it gone with the row.
    throw new EngineError(
      "logged_in_elsewhere",
      `agent ${agentId} is logged in on another node, which holds its state: log the agent out first (POST /v1/agents/${agentId}/logout, through any node), then delete it`,
      409,
    );
  }
  return deleteRow();
}
