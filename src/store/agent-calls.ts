import type { CompiledQuery } from "kysely";
import { withDefaults } from "../model/campaign-settings.ts";
import {
  CALLBACK_REASON,
  CALLBACKS_KEY,
  CALLBACKS_MADE_KEY,
  callbacksToMake,
} from "../model/redial-policy.ts";
import { abandonedWaitEnd } from "./abandon-wait.ts";
import { countsForAbandonment } from "./abandonment.ts";
import { atomically } from "./atomic.ts";
import { holdOffCompletionQuery } from "./contacts-insert.ts";
import type { Store } from "./db.ts";
import { PERSONAL_CALLBACK_REASON } from "./dispatch/types.ts";

/**
 * Completed campaigns with a contact waiting for a callback: a process that died between writing the
 * callback and recovering the campaign it completed (engine/callback-reopen.ts) left them so, and nothing
 * would ever dial it. Read at startup. A waiting callback is pending and not ready: the waiting index.
 */
export async function completedWithCallbacks(db: Store["db"]): Promise<{ account_id: number; id: number }[]> {
  return db
    .selectFrom("campaigns as k")
    .select(["k.account_id", "k.id"])
    .where("k.status", "=", "completed")
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("contacts as c")
          .select("c.id")
          .whereRef("c.campaign_id", "=", "k.id")
          .where("c.status", "=", "pending")
          .where("c.ready", "=", 0)
          .where("c.wait_reason", "in", [CALLBACK_REASON, PERSONAL_CALLBACK_REASON]),
      ),
    )
    .execute();
}

export async function recordAgentOnAttempt(
  store: Store,
  attemptId: number,
  agentId: number,
  waitMs: number,
): Promise<void> {
  await store.db
    .updateTable("attempts")
    .set({ agent_id: agentId, wait_ms: Math.round(waitMs) })
    .where("id", "=", attemptId)
    .execute();
}

/** An answer the abandonment rate counts: a person connected to an agent or abandoned, or an AMD machine
 *  verdict (countsForAbandonment). */
export interface AnswerRecord {
  at: number;
  event: "connected" | "no_agent" | "machine";
}

const EVENT_OF: Record<string, AnswerRecord["event"]> = {
  human: "connected",
  abandoned: "no_agent",
  machine: "machine",
};

/** The campaign's answers in time order, as its tracker counted them live: people connected to an agent or
 *  abandoned, and AMD's machine verdicts. Its robot answers (had it dialed as a robot) are left out, as they
 *  are from the rate the store reports (countsForAbandonment). */
export async function answerHistory(store: Store, campaignId: number): Promise<AnswerRecord[]> {
  const rows = await store.db
    .selectFrom("attempts")
    .select(["answered_at", "outcome"])
    .where("campaign_id", "=", campaignId)
    .where("outcome", "in", ["human", "abandoned", "machine"])
    .where(countsForAbandonment(store))
    .where("answered_at", "is not", null)
    .orderBy("answered_at")
    .execute();
  return rows.map((r) => ({ at: Number(r.answered_at), event: EVENT_OF[r.outcome ?? ""] }));
}

/** Why a callback was not scheduled: `abandonedWait` holds the end of the 72 h wait it would cut short. */
export type CallbackRefusal = "call_in_progress" | "not_found" | "callback_made" | { abandonedWait: number };

/**
 * Schedules a callback the person agreed to on the attempt's call: the contact waits (wait_reason
 * 'callback') until `at`, whatever it had settled to, and the callback is one more attempt on top of the
 * limits (counted in retry_counts.callbacks, which countedAttempts leaves out). With `forAgent`, it is a
 * personal callback: held for that agent (wait_reason 'callback_personal'), out of the dial queue. Refused
 * while the call or another attempt of the contact is still live: the outcome would overwrite it. Refused
 * too (`abandonedWait`) for a time within 72 h of the end of a call of the contact that was abandoned, unless
 * personal or in a preview campaign (an agent is reserved before those dials).
 * Optimistic: the update holds only if the contact is as it was read, so a claim in between wins and the
 * caller hears `call_in_progress`.
 */
export async function scheduleCallback(
  store: Store,
  accountId: number,
  attemptId: number,
  at: number,
  now: number,
  forAgent: number | null = null,
  /** The outbox inserts saying a settled contact is pending again, written in the same transaction. */
  reopenedEvents?: ReopenedEvents,
): Promise<CallbackRefusal | null> {
  const row = await store.db
    .selectFrom("attempts as a")
    .innerJoin("contacts as c", "c.id", "a.contact_id")
    .innerJoin("campaigns as k", "k.id", "c.campaign_id")
    .select([
      "a.contact_id",
      "a.ended_at",
      "a.seq",
      "c.status",
      "c.retry_counts",
      "c.updated_at",
      "c.wait_reason",
      "c.attempts",
      "c.campaign_id",
      "c.custom",
      "c.phones",
      "c.phone_index",
      "a.phone",
      "k.settings",
    ])
    .select(abandonedWaitEnd("c.id").as("wait_end"))
    .where("a.id", "=", attemptId)
    .where("a.account_id", "=", accountId)
    .executeTakeFirst();
  if (!row) return "not_found";
  if (row.ended_at === null || row.status === "in_progress") return "call_in_progress";
  // The campaign would dial it with no agent reserved, so the 72 h after an abandoned call still hold
  // (outcomes.ts abandonRule). Refused rather than moved: the person was promised this time, and the agent
  // can still keep it with a personal callback, or agree a later one.
  if (forAgent === null && row.wait_end !== null) {
    const waitEnd = Number(row.wait_end);
    const preview = withDefaults(JSON.parse(row.settings)).dialMethod === "preview";
    if (at < waitEnd && !preview) return { abandonedWait: waitEnd };
  }
  const counts = JSON.parse(row.retry_counts) as Record<string, number>;
  // One call, one promised callback: a second time set from the same call ("3 pm… no, 4 pm", or two
  // desktops) moves it, and must not earn the contact another attempt beyond the campaign's limits.
  // A callback granted and not made yet (from this call or an earlier one) is the one the person has,
  // whatever the contact waits on now (a claim that deferred it rewrote its wait reason). Contacts whose
  // counters predate callbacksMade keep the rule they had: a callback of the latest call still waiting.
  const tracked = counts[CALLBACKS_MADE_KEY] !== undefined;
  const moves =
    row.status === "pending" &&
    (tracked
      ? callbacksToMake(counts) > 0
      : (row.wait_reason === CALLBACK_REASON || row.wait_reason === PERSONAL_CALLBACK_REASON) &&
        Number(row.attempts) === Number(row.seq));
  // The call that earned a callback earns no second one once that callback was made (a desktop sending
  // its disposition again after another agent made the call would reopen the contact for a third call).
  const earnedKey = `callbackOf:${Number(row.seq)}`;
  if (!moves && counts[earnedKey] !== undefined && callbacksToMake(counts) === 0) return "callback_made";
  if (!moves) {
    counts[earnedKey] = 1;
    // A contact that settled with a callback unmade (cancelled, suppressed…) owes it no more: the new
    // one is the only one.
    if (row.status !== "pending" && counts[CALLBACKS_MADE_KEY] !== undefined)
      counts[CALLBACKS_KEY] = counts[CALLBACKS_MADE_KEY];
    counts[CALLBACKS_KEY] = (counts[CALLBACKS_KEY] ?? 0) + 1;
    counts[CALLBACKS_MADE_KEY] ??= 0;
  }
  // A contact past its last number (its phones edited after they were all used) is called back on the
  // number of this call, or its first: the claim would settle it exhausted with the callback unmade.
  const phones = JSON.parse(row.phones) as string[];
  const phoneIndex =
    Number(row.phone_index) < phones.length ? undefined : Math.max(0, phones.indexOf(row.phone));
  const reason = forAgent === null ? CALLBACK_REASON : PERSONAL_CALLBACK_REASON;
  const update = store.db
    .updateTable("contacts")
    .set({
      status: "pending",
      ready: 0,
      wait_reason: reason,
      callback_agent_id: forAgent,
      next_attempt_at: at,
      retry_counts: JSON.stringify(counts),
      ...(phoneIndex === undefined ? {} : { phone_index: phoneIndex }),
      updated_at: Math.max(now, Number(row.updated_at) + 1),
    })
    .where("id", "=", row.contact_id)
    .where("status", "=", row.status)
    .where("updated_at", "=", row.updated_at)
    .compile();
  // A contact that had settled (succeeded, failed…) is pending again: subscribers hear it, or the callback
  // call's result would read as a second final result with nothing between.
  const events =
    row.status === "pending" || !reopenedEvents
      ? []
      : reopenedEvents.inserts({
          contactId: Number(row.contact_id),
          campaignId: Number(row.campaign_id),
          from: row.status,
          reason,
          custom: row.custom,
        });
  // A settled contact made pending again waits for a completion of its campaign in flight (PostgreSQL):
  // written during its drained check, it would stay pending in a completed campaign.
  const queries = store.sqlite ? [update] : [holdOffCompletionQuery(Number(row.campaign_id)), update];
  const changed = await atomically(store, queries, { thenIfChanged: events });
  if (changed[queries.length - 1] === 0) return "call_in_progress";
  if (events.length > 0) {
    reopenedEvents?.written(changed.slice(queries.length).reduce((sum, n) => sum + n, 0));
  }
  return null;
}

/** The events of a settled contact a callback makes pending again (scheduleCallback). */
export interface ReopenedEvents {
  /** Their outbox inserts, written in the callback's transaction. */
  inserts(reopened: ReopenedContact): CompiledQuery[];
  /** After the commit: the outbox rows those inserts wrote (none for an account without subscriptions). */
  written(rows: number): void;
}

/** A settled contact a callback made pending again. */
export interface ReopenedContact {
  contactId: number;
  campaignId: number;
  /** The status it had settled to. */
  from: string;
  /** Its wait reason now: callback or personal_callback. */
  reason: string;
  /** Its custom fields, as stored (JSON text). */
  custom: string;
}

/** Whether the callback agreed on the attempt's call is still to be made (its contact waits for it). */
export async function callbackUnmade(store: Store, accountId: number, attemptId: number): Promise<boolean> {
  const row = await store.db
    .selectFrom("attempts as a")
    .innerJoin("contacts as c", "c.id", "a.contact_id")
    .select(["a.seq", "c.status", "c.retry_counts"])
    .where("a.id", "=", attemptId)
    .where("a.account_id", "=", accountId)
    .executeTakeFirst();
  if (row?.status !== "pending") return false;
  const counts = JSON.parse(row.retry_counts) as Record<string, number>;
  return counts[`callbackOf:${Number(row.seq)}`] !== undefined && callbacksToMake(counts) > 0;
}

/** What tells the zone of the person an attempt called: the contact's own zone, the number called and the
 *  campaign's default zone; undefined when the account has no such attempt. */
export async function calleeZoneFacts(
  store: Store,
  accountId: number,
  attemptId: number,
): Promise<{ ownZone: string | null; phone: string; defaultZone: string | null } | undefined> {
  const row = await store.db
    .selectFrom("attempts as a")
    .innerJoin("contacts as c", "c.id", "a.contact_id")
    .innerJoin("campaigns as k", "k.id", "a.campaign_id")
    .select(["c.time_zone", "a.phone", "k.settings"])
    .where("a.id", "=", attemptId)
    .where("a.account_id", "=", accountId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    ownZone: row.time_zone,
    phone: row.phone,
    defaultZone: withDefaults(JSON.parse(row.settings)).defaultZone,
  };
}

/** The last call put through to the agent: whether it has ended, and has its result. Null when none was. */
export async function lastCallOf(
  store: Store,
  accountId: number,
  agentId: number,
): Promise<{ id: number; ended: boolean; disposed: boolean } | null> {
  const row = await store.db
    .selectFrom("attempts")
    .select(["id", "ended_at", "disposition"])
    .where("account_id", "=", accountId)
    .where("agent_id", "=", agentId)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return { id: Number(row.id), ended: row.ended_at !== null, disposed: row.disposition !== null };
}

/** How long a request setting a logged-out agent's last result holds it (claimUndisposedCall) against
 *  another. Such a request takes well under a second; one whose process died frees the call after this. */
export const UNDISPOSED_CLAIM_MS = 60_000;

/**
 * Takes, for one request, the right to set the result of the agent's ended call that has none: one guarded UPDATE stamps disposed_by and disposition_at (the claim's owner and
 * time) while disposition is null and no other request holds the call, so of two requests sent together
 * exactly one gets it, on PostgreSQL as on SQLite. The disposition write then replaces the stamp;
 * releaseUndisposedCall undoes it when the request is refused. False when another request has the call,
 * or its result is set.
 */
export async function claimUndisposedCall(
  store: Store,
  accountId: number,
  agentId: number,
  attemptId: number,
  now: number,
): Promise<boolean> {
  const r = await store.db
    .updateTable("attempts")
    .set({ disposed_by: agentId, disposition_at: now })
    .where("id", "=", attemptId)
    .where("account_id", "=", accountId)
    .where("agent_id", "=", agentId)
    .where("ended_at", "is not", null)
    .where("disposition", "is", null)
    .where((eb) =>
      eb.or([eb("disposition_at", "is", null), eb("disposition_at", "<=", now - UNDISPOSED_CLAIM_MS)]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Gives back a claim of claimUndisposedCall whose request was refused: the call may be disposed again. */
export async function releaseUndisposedCall(
  store: Store,
  accountId: number,
  agentId: number,
  attemptId: number,
  claimedAt: number,
): Promise<void> {
  await store.db
    .updateTable("attempts")
    .set({ disposed_by: null, disposition_at: null })
    .where("id", "=", attemptId)
    .where("account_id", "=", accountId)
    .where("disposition", "is", null)
    .where("disposed_by", "=", agentId)
    .where("disposition_at", "=", claimedAt)
    .execute();
}
