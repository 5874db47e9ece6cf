// The redial policy: given a contact's dialing state and the outcome of its latest attempt, decide whether
// it is finished (and how) or when and on which phone it is tried next. Pure: no clock, no I/O.
import type { CampaignSettings, RetryRule } from "./campaign-settings.ts";
import type { ContactStatus, Outcome, RetryKey } from "./outcome.ts";

export interface DialState {
  phoneCount: number;
  /** Attempts made so far, including the one that just ended. */
  attempts: number;
  phoneIndex: number;
  /** Attempts per phone index, including the one that just ended. */
  phoneAttempts: number[];
  /** Retries used, keyed `${phoneIndex}:${retryKey}`. */
  retryCounts: Record<string, number>;
}

export type RedialDecision =
  | {
      final: true;
      status: Exclude<ContactStatus, "pending" | "in_progress">;
      reason: string;
      state: DialState;
    }
  | { final: false; nextAt: number; phoneIndex: number; reason: string; state: DialState };

export function retryKeyFor(outcome: Outcome, success: boolean): RetryKey | null {
  switch (outcome) {
    case "human":
      return success ? null : "unsuccessful";
    case "cancelled":
      // Withdrawn attempts have no retry rule: decideAfterAttempt gives the contact its attempt back.
      return null;
    default:
      return outcome;
  }
}

export function isSuccess(outcome: Outcome, talkSec: number, settings: CampaignSettings): boolean {
  return outcome === "human" && talkSec >= settings.successMinTalkSec;
}

/** Counter of attempts withdrawn by a stop before anyone answered, kept with the retry counters. */
export const WITHDRAWN_KEY = "withdrawn";

/** Counter of callbacks an agent scheduled with the person: each grants one attempt beyond the limits. */
export const CALLBACKS_KEY = "callbacks";
/** Counter of those callbacks already made: the attempt that ends after a callback was granted is its call.
 *  Each made callback is also counted on the number it was made on (`${phoneIndex}:callbacks`), which it
 *  gives one attempt beyond maxAttemptsPerPhone. */
export const CALLBACKS_MADE_KEY = "callbacksMade";
/** wait_reason of a contact waiting for its scheduled callback. */
export const CALLBACK_REASON = "callback";
/** wait_reason of a contact whose call was abandoned, waiting out the 72 hours before it may be dialed. */
export const ABANDONED_WAIT_REASON = "abandoned_72h";
/** An abandoned callee is not dialed again for 72 h, unless an agent is reserved before the dial (preview). */
export const ABANDON_REDIAL_GAP_MS = 72 * 3600 * 1000;

/** Under parallel dialing, `${phoneIndex}:retryAt` is when that number may be rung again: for each number
 *  tried in the pass, the retry interval of the pass's latest outcome from its end, as the redial decision
 *  comes back round. The decision honours it by its choice; the claim reads it when it dials another number
 *  than the one chosen (it passed that one over), and a phones edit when it moves the contact. */
export const RETRY_AT_KEY = "retryAt";

/** When phone `i` may be rung again (RETRY_AT_KEY), or null when nothing holds it: never set, or a callback
 *  to make (its time is the person's). */
export function phoneRetryAt(retryCounts: Record<string, number>, i: number): number | null {
  if (callbacksToMake(retryCounts) > 0) return null;
  return retryCounts[`${i}:${RETRY_AT_KEY}`] ?? null;
}

/** Counter of the attempts made before the contact's list was last reset for another round: they stay on
 *  record (and number the next attempt) but no longer count against the limits. */
export const EARLIER_ROUNDS_KEY = "earlierRounds";

/** Attempts that count against the limits: every attempt but those the dialer itself withdrew, those
 *  granted by a scheduled callback and those of earlier rounds. */
export function countedAttempts(attempts: number, retryCounts: Record<string, number>): number {
  return (
    attempts -
    (retryCounts[WITHDRAWN_KEY] ?? 0) -
    (retryCounts[CALLBACKS_KEY] ?? 0) -
    (retryCounts[EARLIER_ROUNDS_KEY] ?? 0)
  );
}

/** Callbacks granted whose call has not been made yet: the next call may be on any number. */
export function callbacksToMake(retryCounts: Record<string, number>): number {
  return Math.max(0, (retryCounts[CALLBACKS_KEY] ?? 0) - (retryCounts[CALLBACKS_MADE_KEY] ?? 0));
}

/** Attempts on phone `i` that count against maxAttemptsPerPhone: all but the callbacks made on it. A
 *  callback still to make may go to any number, so each is allowed that one attempt more until it is made.
 *  The one rule for the claim, the redial decision and a phones edit. */
export function countedPhoneAttempts(
  phoneAttempts: readonly number[],
  retryCounts: Record<string, number>,
  i: number,
): number {
  return (phoneAttempts[i] ?? 0) - (retryCounts[`${i}:${CALLBACKS_KEY}`] ?? 0) - callbacksToMake(retryCounts);
}

function ruleFor(key: RetryKey, settings: CampaignSettings): RetryRule {
  const own = settings.retry[key];
  if (own) return own;
  // Without a rule of its own an outcome is retried at the default interval until the attempt limits stop it.
  return { intervalSec: settings.retryIntervalSec, maxRetries: Number.POSITIVE_INFINITY };
}

/**
 * Decides what follows an attempt on `state.phoneIndex` that ended with `outcome` at `now`.
 * Per-outcome retry counts are kept per phone, so "retry busy twice" means twice for each number.
 */
export function decideAfterAttempt(
  settings: CampaignSettings,
  state: DialState,
  outcome: Outcome,
  talkSec: number,
  now: number,
): RedialDecision {
  const success = isSuccess(outcome, talkSec, settings);
  if (outcome === "cancelled") {
    // The dialer hung up before an answer (stop, halt): the contact was not reached and keeps its budget.
    const phoneAttempts = [...state.phoneAttempts];
    phoneAttempts[state.phoneIndex] = Math.max(0, (phoneAttempts[state.phoneIndex] ?? 1) - 1);
    const retryCounts = {
      ...state.retryCounts,
      [WITHDRAWN_KEY]: (state.retryCounts[WITHDRAWN_KEY] ?? 0) + 1,
    };
    const next = { ...state, phoneAttempts, retryCounts };
    return { final: false, nextAt: now, phoneIndex: state.phoneIndex, reason: "withdrawn", state: next };
  }
  const retryCounts = { ...state.retryCounts };
  const next: DialState = { ...state, retryCounts };
  if (callbacksToMake(state.retryCounts) > 0) {
    // A callback was granted since the last attempt, so this was its call: its one attempt beyond the
    // limits is on this number (countedPhoneAttempts). From here the contact goes on by the rules.
    const onPhone = `${state.phoneIndex}:${CALLBACKS_KEY}`;
    retryCounts[CALLBACKS_MADE_KEY] = (retryCounts[CALLBACKS_MADE_KEY] ?? 0) + 1;
    retryCounts[onPhone] = (retryCounts[onPhone] ?? 0) + 1;
  }
  if (success) return { final: true, status: "succeeded", reason: "success", state: next };
  const key = retryKeyFor(outcome, success);
  if (key === null) throw new Error(`no retry key for outcome ${outcome}`);
  if (rejectedIsFinal(key, settings)) {
    return { final: true, status: "failed", reason: "rejected", state: next };
  }

  const rule = ruleFor(key, settings);
  const counterKey = `${state.phoneIndex}:${key}`;
  const used = state.retryCounts[counterKey] ?? 0;
  if (used < rule.maxRetries) retryCounts[counterKey] = used + 1;

  if (countedAttempts(state.attempts, state.retryCounts) >= settings.maxAttemptsPerContact) {
    return { final: true, status: "exhausted", reason: "max_attempts_per_contact", state: next };
  }

  const perPhone = settings.maxAttemptsPerPhone ?? Number.POSITIVE_INFINITY;
  // A phone stays usable while it has attempts left and the outcome that ended its last try may be retried.
  // A phone whose outcome rule ran out is marked blocked for good, so a later pass skips it too.
  const ruleRanOut = used >= rule.maxRetries;
  if (ruleRanOut) retryCounts[`${state.phoneIndex}:blocked`] = 1;
  const usable = (i: number): boolean => phoneUsable(state.phoneAttempts, retryCounts, i, perPhone);
  const interval = rule.intervalSec * 1000;

  if (settings.multiNumber === "sequential") {
    if (usable(state.phoneIndex)) {
      return {
        final: false,
        nextAt: now + interval,
        phoneIndex: state.phoneIndex,
        reason: "retry",
        state: next,
      };
    }
    for (let j = state.phoneIndex + 1; j < state.phoneCount; j++) {
      if (usable(j)) {
        return { final: false, nextAt: now, phoneIndex: j, reason: "next_number", state: next };
      }
    }
  } else {
    // parallel: after each failed attempt move to the next number; coming back round to a number already
    // tried in this pass waits the retry interval.
    // Every number tried in this pass (this one and those before it) may be rung again from now + interval,
    // as the choice below comes back round; kept for the claim and a phones edit (RETRY_AT_KEY).
    if (state.phoneCount > 1) {
      for (let k = 0; k <= state.phoneIndex; k++) retryCounts[`${k}:${RETRY_AT_KEY}`] = now + interval;
    }
    for (let step = 1; step <= state.phoneCount; step++) {
      const j = (state.phoneIndex + step) % state.phoneCount;
      if (!usable(j)) continue;
      const wrapped = j <= state.phoneIndex;
      // A number ahead may have been rung in this pass all the same (the phones were reordered since).
      const own = wrapped ? null : phoneRetryAt(retryCounts, j);
      return {
        final: false,
        nextAt: wrapped ? now + interval : Math.max(now, own ?? now),
        phoneIndex: j,
        reason: wrapped ? "retry" : "next_number",
        state: next,
      };
    }
  }
  // Nothing left to dial. The outcome's rule may still allow retries on this number: then its attempt
  // limit is what ended the contact (the number was not blocked, so the limit is why it is not usable).
  if (!ruleRanOut) {
    return { final: true, status: "exhausted", reason: "max_attempts_per_phone", state: next };
  }
  return { final: true, ...ruleRanOutEnd(key, rule), state: next };
}

/** A declined call ends the contact: declines are final by the settings, or have no retry rule. */
function rejectedIsFinal(key: RetryKey, settings: CampaignSettings): boolean {
  return key === "rejected" && (settings.rejectedIsFinal || !settings.retry.rejected);
}

/** Whether phone `i` may still be dialed: attempts left under `perPhone`, and not blocked by a rule that
 *  ran out on it. */
export function phoneUsable(
  phoneAttempts: readonly number[],
  retryCounts: Record<string, number>,
  i: number,
  perPhone: number,
): boolean {
  return countedPhoneAttempts(phoneAttempts, retryCounts, i) < perPhone && !retryCounts[`${i}:blocked`];
}

/** How a contact ends whose last outcome's rule ran out with no number left: failed when the rule allows
 *  no retry at all, exhausted when its retries were used. */
function ruleRanOutEnd(key: RetryKey, rule: RetryRule): { status: "failed" | "exhausted"; reason: string } {
  return rule.maxRetries === 0
    ? { status: "failed", reason: `no_retry_on_${key}` }
    : { status: "exhausted", reason: `retries_used_on_${key}` };
}

/**
 * Whether the retry a contact waits for still stands under the rules it is claimed by. The rule of its last
 * outcome may have been tightened (redials switched off, a count lowered: a PATCH, a Twin24 PUT) after the
 * retry was granted; that retry is then not made. null when it stands (or is not a retry: a number not
 * rung yet, a callback to make); else the next number (sequential dialing) or the final status the rules
 * give, as decideAfterAttempt would have under them. Judged only where the pending dial is known to retry
 * the last attempt's number: sequential dialing, or a single number.
 */
export function withdrawnRetry(
  settings: CampaignSettings,
  c: {
    phoneIndex: number;
    phoneCount: number;
    retryCounts: string;
    phoneAttempts: string;
    lastOutcome: string;
  },
):
  | { final: true; status: "failed" | "exhausted"; reason: string }
  | { final: false; phoneIndex: number }
  | null {
  if (settings.multiNumber !== "sequential" && c.phoneCount > 1) return null;
  const key = retryKeyFor(c.lastOutcome as Outcome, false);
  if (key === null) return null;
  const retryCounts = JSON.parse(c.retryCounts) as Record<string, number>;
  const granted = retryCounts[`${c.phoneIndex}:${key}`] ?? 0;
  if (granted === 0 || callbacksToMake(retryCounts) > 0) return null;
  const rejectedFinal = rejectedIsFinal(key, settings);
  const rule = ruleFor(key, settings);
  if (!rejectedFinal && granted <= rule.maxRetries) return null;
  const phoneAttempts = JSON.parse(c.phoneAttempts) as number[];
  if ((phoneAttempts[c.phoneIndex] ?? 0) === 0) return null;
  if (!rejectedFinal) {
    const perPhone = settings.maxAttemptsPerPhone ?? Number.POSITIVE_INFINITY;
    for (let j = c.phoneIndex + 1; j < c.phoneCount; j++) {
      if (phoneUsable(phoneAttempts, retryCounts, j, perPhone)) return { final: false, phoneIndex: j };
    }
  }
  if (rejectedFinal) return { final: true, status: "failed", reason: "rejected" };
  return { final: true, ...ruleRanOutEnd(key, rule) };
}

/** What a contact has used of each phone, as stored: attempts and retry counters by phone index. */
export interface PhoneUse {
  phoneIndex: number;
  phoneAttempts: number[];
  retryCounts: Record<string, number>;
}

/**
 * The same use after the contact's phones were edited from `before` to `after`: a phone kept (wherever it
 * moved) keeps its attempts, retry counters and block; a new one starts afresh; a removed one's counters
 * go. The phone to dial next is the first in the new order with tries left (`perPhone` attempts as
 * countedPhoneAttempts counts them, not blocked): sequential dialing only moves forward, so a phone put
 * ahead of the one the contact was on is not skipped. Parallel dialing (`keep`) goes on from the number the
 * contact was on, or, that one gone, from the first not rung yet. With none left it is past the last phone,
 * and the contact is exhausted at its next claim.
 */
export function renumberPhones(
  before: readonly string[],
  after: readonly string[],
  use: Omit<PhoneUse, "phoneIndex">,
  perPhone: number | null,
  /** Parallel dialing: the phone the contact was on, which stays next if it is kept and has tries left
   *  (the pass goes on where it was, rather than back to a number just rung). */
  keep?: number,
): PhoneUse {
  const taken = new Set<number>();
  const from = after.map((phone) => {
    const i = before.findIndex((p, k) => p === phone && !taken.has(k));
    if (i >= 0) taken.add(i);
    return i;
  });
  const newIndex = new Map<number, number>();
  from.forEach((i, j) => {
    if (i >= 0) newIndex.set(i, j);
  });
  const retryCounts: Record<string, number> = {};
  for (const [key, n] of Object.entries(use.retryCounts)) {
    const m = /^(\d+):(.+)$/.exec(key);
    if (!m)
      retryCounts[key] = n; // counters of the contact, not of a phone
    else if (newIndex.has(Number(m[1]))) retryCounts[`${newIndex.get(Number(m[1]))}:${m[2]}`] = n;
  }
  const phoneAttempts = from.map((i) => (i >= 0 ? (use.phoneAttempts[i] ?? 0) : 0));
  const limit = perPhone ?? Number.POSITIVE_INFINITY;
  const hasTries = (j: number) => phoneUsable(phoneAttempts, retryCounts, j, limit);
  let left = -1;
  if (keep !== undefined) {
    // Parallel: where the pass was; that number gone, the first not rung yet (none has a time to wait for).
    const kept = newIndex.get(keep);
    left = kept !== undefined && hasTries(kept) ? kept : -1;
    if (left < 0)
      left = phoneAttempts.findIndex((_, j) => hasTries(j) && !(`${j}:${RETRY_AT_KEY}` in retryCounts));
  }
  if (left < 0) left = phoneAttempts.findIndex((_, j) => hasTries(j));
  return { phoneIndex: left >= 0 ? left : after.length, phoneAttempts, retryCounts };
}
