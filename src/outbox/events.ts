// outbox/ owns webhook events: what each one says, who gets it (subscriptions and their filters), and their
// delivery. This file is pure: it builds event rows and the SQL that turns them into outbox rows, one per
// subscription taking the event; the store writes them in the transaction of the state change they report,
// and delivery.ts sends them. It must not touch the dispatcher's scheduling.
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

/**
 * One event as written: a row per event, not per subscription. The outbox insert (outboxInsertSql) makes
 * of it a delivery for each subscription that takes it, as the webhooks table holds them at that insert.
 */
export interface EventRow {
  account_id: number;
  campaign_id: number;
  event_id: string;
  event_type: string;
  order_key: string;
  payload: string;
  /** 1 when the event settles its contact or campaign (EventInput.final): all a subscription without
   *  partial results takes. */
  final: 0 | 1;
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

/** The row of one event, with its id and the payload every subscription taking it is sent. */
export function eventRow(ev: EventInput): EventRow {
  const eventId = randomUUID();
  const payload = JSON.stringify({
    id: eventId,
    type: ev.type,
    createdAt: new Date(ev.at).toISOString(),
    accountId: ev.accountId,
    campaignId: ev.campaignId,
    data: ev.data,
  });
  return {
    account_id: ev.accountId,
    campaign_id: ev.campaignId,
    event_id: eventId,
    event_type: ev.type,
    order_key: ev.contactId !== null ? `contact:${ev.contactId}` : `campaign:${ev.campaignId}`,
    payload,
    final: ev.final ? 1 : 0,
    created_at: ev.at,
  };
}

/** Column order of an event row in the outbox inserts' hand-written statements (then `ord`, its place). */
export const EVENT_COLUMNS = [
  "account_id",
  "campaign_id",
  "event_id",
  "event_type",
  "order_key",
  "payload",
  "final",
  "created_at",
] as const satisfies readonly (keyof EventRow)[];

/** SQL types of EVENT_COLUMNS, in the same order (for statements whose values have no column to go by). */
export const EVENT_COLUMN_TYPES = ["bigint", "bigint", "text", "text", "text", "text", "int", "bigint"];

/** Columns of webhook_deliveries an outbox insert writes. */
const OUTBOX_COLUMNS = [
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
].join(", ");

/** An outbox insert up to its FROM: one delivery per event `v` and subscription `w` taking it, due after the
 *  subscription's delay. */
export const OUTBOX_INSERT = `INSERT INTO webhook_deliveries (${OUTBOX_COLUMNS})
  SELECT v.account_id, w.id, v.event_id, v.event_type, v.order_key, v.payload, 'pending', 0,
    v.created_at + w.delay_sec * 1000, v.created_at FROM`;

/**
 * An outbox insert after its events (`v`: EVENT_COLUMNS and `ord`, their order): the subscriptions `w`
 * taking each, read from the webhooks table in the insert's own statement, with ids in event order, then
 * subscription (delivery order follows ids). No writer of events keeps a list of subscriptions: a cached
 * one (re-read every 5 s and on this node's own edits) let a subscription made, or made active again, on
 * another node take no events from this node for up to 5 s, lost for good, as a guard on the insert could
 * only drop rows, never add them. Taken as stored at the insert:
 * - Of the event's account, for every campaign or the event's own; a deleted one is not there (its rows
 *   would fail the whole write on their foreign key, again at every retry).
 * - Active: one made inactive would take the next seconds' events, which its README promises it does not,
 *   and send them stale once active again.
 * - Taking intermediate events (partial_results) unless the event is final: one narrowed to final results
 *   on another node takes no intermediate event from that edit's commit.
 * - Naming the event's type: a type added on another node is taken from that edit's commit (webhooks13),
 *   and one whose `events` a PATCH narrowed takes the dropped types no more (review39). `events` is stored
 *   as JSON.stringify of names from EVENT_TYPES (store/webhooks.ts), so each name sits in it between double
 *   quotes, unescaped: a LIKE on the quoted name finds it without parsing JSON per insert. The name's "_"
 *   are escaped ("!" occurs in no name), as LIKE reads "_" as any one character.
 * An account without subscriptions gets no rows, found through the webhooks_account index.
 */
export const OUTBOX_RECEIVERS =
  "JOIN webhooks w ON w.account_id = v.account_id AND (w.campaign_id IS NULL OR w.campaign_id = v.campaign_id)" +
  " AND w.active = 1 AND (w.partial_results = 1 OR v.final = 1)" +
  " AND w.events LIKE ('%\"' || replace(v.event_type, '_', '!_') || '\"%') ESCAPE '!' ORDER BY v.ord, w.id";

/** The outbox insert of the events the FROM item `events` gives (OUTBOX_INSERT, OUTBOX_RECEIVERS). */
export function outboxInsertSql(events: string): string {
  return `${OUTBOX_INSERT} ${events} ${OUTBOX_RECEIVERS}`;
}
