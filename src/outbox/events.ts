// outbox/ owns webhook events: what each one says, who gets it (subscriptions and their filters), and their
// delivery. This file is pure: it builds outbox rows; the store writes them in the transaction of the state
// change they report, and delivery.ts sends them. It must not touch the dispatcher's scheduling.
import { randomUUID } from "node:crypto";

/** Every event outdial emits. Twin24's names map onto these (TWIN24_EVENTS). */
export const EVENT_TYPES = [
  "attempt.ended",
  "attempt.transferred",
  "attempt.disposed",
  "contact.retry_scheduled",
  "contact.status_changed",
  "contact.succeeded",
  "campaign.status_changed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Twin24 autoCall webhook events and the native events behind them. CALL_REDIRECTED is a bot's transfer
 *  of the call to a channel (secondExec = ch), as the driver reports it. */
export const TWIN24_EVENTS: Readonly<Record<string, EventType>> = {
  CALL_ENDED: "attempt.ended",
  CALL_REDIRECTED: "attempt.transferred",
  CANDIDATE_CHANGED: "contact.status_changed",
  RECALL_SCHEDULED: "contact.retry_scheduled",
  EFFICIENCY_REACHED: "contact.succeeded",
  AUTOCALL_STATUS_CHANGED: "campaign.status_changed",
};

/** A subscription as the writers of events see it. */
export interface Subscription {
  id: number;
  accountId: number;
  /** null = every campaign of the account. */
  campaignId: number | null;
  /** Its filter when the list was read. Events are not matched on it (subscribersOf); the outbox insert
   *  checks the stored one. */
  events: ReadonlySet<string>;
  delaySec: number;
  partialResults: boolean;
}

/** One row of the outbox, ready to insert. */
export interface OutboxRow {
  account_id: number;
  webhook_id: number;
  event_id: string;
  event_type: string;
  order_key: string;
  payload: string;
  status: "pending";
  attempts: 0;
  next_attempt_at: number;
  created_at: number;
}

export interface EventInput {
  type: EventType;
  accountId: number;
  campaignId: number;
  /** Orders delivery: events of one contact (or of one campaign, when absent) arrive in write order. */
  contactId: number | null;
  /** Whether the event settles its contact or campaign. Without partial results, only these are sent. */
  final: boolean;
  at: number;
  data: Record<string, unknown>;
}

/** Whether the subscription hears of the campaign: the account's own, for every campaign or this one. */
function watches(s: Subscription, accountId: number, campaignId: number): boolean {
  return s.accountId === accountId && (s.campaignId === null || s.campaignId === campaignId);
}

/** The subscriptions that hear of one campaign's events (whichever event types they take). */
export function subscriptionsOfCampaign(
  subs: readonly Subscription[],
  accountId: number,
  campaignId: number,
): Subscription[] {
  return subs.filter((s) => watches(s, accountId, campaignId));
}

/**
 * The subscriptions that may take this event: of its account and campaign, and taking intermediate events
 * unless it is final. Not its type: `subs` is a cached list (up to 5 s old), and a type added to a filter
 * on another node meanwhile would never be written, where a guard can only drop rows. Whether the
 * subscription's filter, as stored at the insert, names the type is OUTBOX_WEBHOOK_EXISTS's check.
 */
export function subscribersOf(subs: readonly Subscription[], ev: EventInput): Subscription[] {
  return subs.filter((s) => watches(s, ev.accountId, ev.campaignId) && (s.partialResults || ev.final));
}

/** A settled contact made pending again (an agent's callback, a list reset), as the store knows it. */
export interface ReopenedContactInfo {
  accountId: number;
  campaignId: number;
  contactId: number;
  /** The status it had settled to. */
  from: string;
  /** What it waits on now (callback, start_at…), or null. */
  reason: string | null;
  /** Its custom fields, as stored (JSON text). */
  custom: string;
  at: number;
}

/** campaign.status_changed, final: a campaign's status does not wait on anything further. */
export function campaignStatusEvent(
  accountId: number,
  campaignId: number,
  change: { from: string; to: string; reason: string | null },
  at: number,
): EventInput {
  return {
    type: "campaign.status_changed",
    accountId,
    campaignId,
    contactId: null,
    final: true,
    at,
    data: change,
  };
}

/** contact.status_changed from its settled status to pending. Not final: its result is still to come. */
export function reopenedContactEvent(c: ReopenedContactInfo): EventInput {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(c.custom) as Record<string, unknown>;
  } catch {
    data = {};
  }
  return {
    type: "contact.status_changed",
    accountId: c.accountId,
    campaignId: c.campaignId,
    contactId: c.contactId,
    final: false,
    at: c.at,
    data: {
      from: c.from,
      to: "pending",
      contact: { id: c.contactId, status: "pending", reason: c.reason, data },
    },
  };
}

/** The outbox rows of one event: one per subscription that takes it, all with the same event id. */
export function outboxRows(subs: readonly Subscription[], ev: EventInput): OutboxRow[] {
  const targets = subscribersOf(subs, ev);
  if (targets.length === 0) return [];
  const eventId = randomUUID();
  const payload = JSON.stringify({
    id: eventId,
    type: ev.type,
    createdAt: new Date(ev.at).toISOString(),
    accountId: ev.accountId,
    campaignId: ev.campaignId,
    data: ev.data,
  });
  const orderKey = ev.contactId !== null ? `contact:${ev.contactId}` : `campaign:${ev.campaignId}`;
  return targets.map((s) => ({
    account_id: ev.accountId,
    webhook_id: s.id,
    event_id: eventId,
    event_type: ev.type,
    order_key: orderKey,
    payload,
    status: "pending",
    attempts: 0,
    next_attempt_at: ev.at + s.delaySec * 1000,
    created_at: ev.at,
  }));
}

/** Column order of an outbox insert, shared by the dialects' hand-written statements. */
export const OUTBOX_COLUMNS = [
  "account_id",
  "webhook_id",
  "event_id",
  "event_type",
  "order_key",
  "payload",
  "status",
  "attempts",
  "next_attempt_at",
  "created_at",
] as const satisfies readonly (keyof OutboxRow)[];

/** SQL types of OUTBOX_COLUMNS, in the same order (for statements whose values have no column to go by). */
export const OUTBOX_COLUMN_TYPES = [
  "bigint",
  "bigint",
  "text",
  "text",
  "text",
  "text",
  "text",
  "int",
  "bigint",
  "bigint",
];

/**
 * An outbox insert keeps only events whose subscription still takes them: events are built from a cached
 * list of subscriptions (re-read on this node's own webhook edits and at each maintenance pass, every 5 s),
 * so the guard reads the subscription's own row (by its primary key) in the insert's statement.
 * - It still exists: one deleted since (through the API, or on another node) would otherwise fail the whole
 *   write on its foreign key, again at every retry.
 * - It is active: one made inactive would take the next seconds' events, which its README promises it does
 *   not, and send them stale once active again.
 * - It names the event's type: the only type filter there is (subscribersOf builds rows for every type,
 *   so a type added on another node is taken from that edit's commit; webhooks13), and one whose `events`
 *   a PATCH on another node narrowed takes the dropped types no more (4 attempt.ended in 4 s of a
 *   10 calls/s campaign got through when the cached filter decided; review39). `events`
 *   is stored as JSON.stringify of names from EVENT_TYPES (store/webhooks.ts), so each name sits in it
 *   between double quotes, unescaped: a LIKE on the quoted name finds it without parsing JSON per insert.
 *   The name's "_" are escaped ("!" occurs in no name), as LIKE reads "_" as any one character.
 * Not checked here: its campaign, which no edit changes (WebhookEdit has none), so the cached one is the
 * row's; and partial_results, which gates on whether the event settles its contact (EventInput.final), a
 * thing the row does not carry: one narrowed to final results still takes intermediate events until the
 * next re-read.
 */
export const OUTBOX_WEBHOOK_EXISTS =
  "EXISTS (SELECT 1 FROM webhooks w WHERE w.id = v.webhook_id AND w.active = 1" +
  " AND w.events LIKE ('%\"' || replace(v.event_type, '_', '!_') || '\"%') ESCAPE '!')";
