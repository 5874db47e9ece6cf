// The webhook events of the dispatch path, built from what the dispatcher knows when it records an
// outcome, so the store can write them in the same transaction (outbox/events.ts turns them into rows; the
// store's insert picks the subscriptions that take them).
import {
  campaignStatusEvent,
  type EventInput,
  type EventRow,
  eventRow,
  reopenedContactEvent,
} from "../outbox/events.ts";
import type { Candidate, FinishedAttempt } from "../store/dispatch/types.ts";

export interface EndedAttemptInfo {
  accountId: number;
  campaignId: number;
  contact: Candidate;
  seq: number;
  phone: string | null;
  callerId: string | null;
  startedAt: number | null;
}

const FINAL_STATUSES = new Set(["succeeded", "failed", "exhausted", "cancelled", "suppressed"]);

function customData(c: Candidate): Record<string, unknown> {
  try {
    return JSON.parse(c.custom) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The channel a bot forwarded the call to, as the driver reported it in the call's result. */
function transferOf(details: string | null): { to: string | null; atSec: number } | null {
  if (details === null || !details.includes('"transfer"')) return null;
  const t = (JSON.parse(details) as { result?: { transfer?: { to?: unknown; atSec?: unknown } } }).result
    ?.transfer;
  if (!t) return null;
  return { to: typeof t.to === "string" ? t.to : null, atSec: typeof t.atSec === "number" ? t.atSec : 0 };
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** data.attempt of attempt.ended. */
function endedAttempt(info: EndedAttemptInfo, f: FinishedAttempt): Record<string, unknown> {
  return {
    id: f.attemptId,
    seq: info.seq,
    phone: info.phone,
    callerId: info.callerId,
    startedAt: iso(info.startedAt),
    answeredAt: iso(f.answeredAt),
    endedAt: iso(f.endedAt),
    outcome: f.outcome,
    cause: f.cause,
    talkSec: f.talkSec,
    success: f.success,
    // As GET /v1/.../attempts gives them: why a no_answer was hung up early (releasedByPacer), AMD's
    // verdict, a bot's result, a voicemail left.
    details: f.details === null ? null : (JSON.parse(f.details) as Record<string, unknown>),
  };
}

/**
 * attempt.ended again for a call another node's sweep recorded `lost` (or `abandoned`, the abandonment
 * being on record) while this node stalled, now that this node tells what it really was (the store writes
 * it only if it corrects that record). `corrects` names the outcome subscribers heard (`swept`); the contact is as the sweep left it (only its id is given: this
 * node's view of it is stale). Final, so subscribers of settled results only hear the correction too.
 */
export function correctionEvents(
  info: EndedAttemptInfo,
  f: FinishedAttempt,
  swept: "lost" | "abandoned",
): EventRow[] {
  const base = { accountId: info.accountId, campaignId: info.campaignId, contactId: f.contactId, at: f.now };
  const data = {
    attempt: endedAttempt(info, f),
    contact: { id: f.contactId },
    corrects: { outcome: swept },
  };
  return [eventRow({ ...base, type: "attempt.ended", final: true, data })];
}

/** attempt.transferred when a bot forwarded the call, attempt.ended, then contact.retry_scheduled or
 *  contact.status_changed (and contact.succeeded). */
export function finishEvents(info: EndedAttemptInfo, f: FinishedAttempt): EventRow[] {
  const settled = !("nextAt" in f.contact);
  const base = { accountId: info.accountId, campaignId: info.campaignId, contactId: f.contactId, at: f.now };
  const contact = {
    id: f.contactId,
    status: f.contact.status,
    reason: f.contact.waitReason,
    data: customData(info.contact),
    ...("nextAt" in f.contact ? { nextAttemptAt: new Date(f.contact.nextAt).toISOString() } : {}),
  };
  const events: EventInput[] = [
    { ...base, type: "attempt.ended", final: settled, data: { attempt: endedAttempt(info, f), contact } },
  ];
  const transfer = transferOf(f.details);
  if (transfer) {
    // The bot handed the call to a channel before it ended: told first, as it happened first.
    events.unshift({
      ...base,
      type: "attempt.transferred",
      final: settled,
      data: {
        attempt: { id: f.attemptId, seq: info.seq, phone: info.phone, startedAt: iso(info.startedAt) },
        // atSec counts from the answer, which was talkSec before the end.
        transfer: {
          to: transfer.to,
          at: iso(Math.round(f.endedAt - ((f.talkSec ?? 0) - transfer.atSec) * 1000)),
        },
        contact,
      },
    });
  }
  if (!settled) {
    events.push({ ...base, type: "contact.retry_scheduled", final: false, data: { contact } });
  } else if (FINAL_STATUSES.has(f.contact.status)) {
    events.push({
      ...base,
      type: "contact.status_changed",
      final: true,
      data: { from: "in_progress", to: f.contact.status, contact },
    });
  }
  if (f.success) {
    events.push({
      ...base,
      type: "contact.succeeded",
      final: true,
      data: { attemptId: f.attemptId, contact },
    });
  }
  return events.map(eventRow);
}

/** A queued contact settled at its slot without a call (nothing left to dial). */
export function settledAtClaimEvents(c: Candidate, status: string, reason: string, now: number): EventRow[] {
  const event: EventInput = {
    type: "contact.status_changed",
    accountId: c.account_id,
    campaignId: c.campaign_id,
    contactId: c.id,
    final: true,
    at: now,
    data: { from: "pending", to: status, contact: { id: c.id, status, reason, data: customData(c) } },
  };
  return [eventRow(event)];
}

/** A settled contact made pending again by an agent's callback. Not final: its result is still to come. */
export function reopenedEvents(
  accountId: number,
  c: { contactId: number; campaignId: number; from: string; reason: string; custom: string },
  now: number,
): EventRow[] {
  return [eventRow(reopenedContactEvent({ ...c, accountId, at: now }))];
}

export function campaignStatusEvents(
  accountId: number,
  campaignId: number,
  from: string,
  to: string,
  reason: string | null,
  now: number,
): EventRow[] {
  return [eventRow(campaignStatusEvent(accountId, campaignId, { from, to, reason }, now))];
}

/** What an agent's disposition of a call reports: the call, the agent and what the agent decided. */
export interface DispositionInfo {
  accountId: number;
  campaignId: number;
  contactId: number;
  attemptId: number;
  seq: number;
  phone: string;
  agentId: number;
  disposition: string;
  at: number;
  callbackAt: number | null;
  /** The callback is held for this agent alone (a personal callback). */
  callbackPersonal: boolean;
  /** The person asked not to be called again: the list the number went on, or null. */
  dnc: "account" | "campaign" | null;
}

/** attempt.disposed, for a CRM to record the agent's result of the call. A subscription names it to get it,
 *  so it goes to subscriptions without partial results too: it is a result, not an intermediate attempt. */
export function dispositionEvents(d: DispositionInfo): EventRow[] {
  const event: EventInput = {
    type: "attempt.disposed",
    accountId: d.accountId,
    campaignId: d.campaignId,
    contactId: d.contactId,
    final: true,
    at: d.at,
    data: {
      attempt: { id: d.attemptId, seq: d.seq, phone: d.phone },
      agentId: d.agentId,
      disposition: d.disposition,
      disposedAt: new Date(d.at).toISOString(),
      callbackAt: d.callbackAt === null ? null : new Date(d.callbackAt).toISOString(),
      callbackPersonal: d.callbackPersonal,
      doNotCall: d.dnc !== null,
      // Which do-not-call list: the account's (no campaign calls again) or this campaign's own.
      doNotCallList: d.dnc,
    },
  };
  return [eventRow(event)];
}
