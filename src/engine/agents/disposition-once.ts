// The result of a call set after the agent's session ended (a logout in wrap-up, a restart): the agent may
// still set it by naming the call, once, since no session is left to correct it. Two such requests sent
// together (a desktop's retry, two tabs) both find the call without a result: the right to set it is taken
// in the store first (a guarded UPDATE), before any write (a callback, a do-not-call entry, the
// attempt.disposed event), so only one of them writes. Reads the store; must not import api/.

import { claimUndisposedCall, lastCallOf, releaseUndisposedCall } from "../../store/agent-calls.ts";
import type { Store } from "../../store/db.ts";
import { EngineError } from "../types.ts";

export function alreadyDisposed(agentId: number, attemptId: number): EngineError {
  return new EngineError(
    "already_disposed",
    `attempt ${attemptId}'s disposition is set, or being set by another request: agent ${agentId}, logged out, sets its last call's result once`,
  );
}

/** The agent's last call, ended without a result: attempt `attemptId` if it is that call (null if not). A
 *  call that has its result is refused (already_disposed), not "not that call". */
export async function undisposedLastCall(
  store: Store,
  accountId: number,
  agentId: number,
  attemptId: number,
): Promise<number | null> {
  const last = await lastCallOf(store, accountId, agentId);
  if (last?.id !== attemptId || !last.ended) return null;
  if (last.disposed) throw alreadyDisposed(agentId, attemptId);
  return attemptId;
}

/** Runs `record` (the whole disposition) holding the right to set the call's result; refused with 409
 *  already_disposed when another request holds it or has set it. A refused `record` gives it back. */
export async function disposeOnce<T>(
  store: Store,
  who: { accountId: number; agentId: number; attemptId: number; now: number },
  record: () => Promise<T>,
): Promise<T> {
  const { accountId, agentId, attemptId, now } = who;
  if (!(await claimUndisposedCall(store, accountId, agentId, attemptId, now))) {
    throw alreadyDisposed(agentId, attemptId);
  }
  try {
    return await record();
  } catch (err) {
    await releaseUndisposedCall(store, accountId, agentId, attemptId, now);
    throw err;
  }
}
