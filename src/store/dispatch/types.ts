// The dispatch hot path: the few statements the dispatcher runs per call, written once per dialect
// (SQLite: prepared statements inside BEGIN IMMEDIATE; PostgreSQL: FOR UPDATE SKIP LOCKED). Kysely builds
// everything else; here its per-query compile cost (~20 µs) would dominate at 20k attempts/s.
import type { EventRow } from "../../outbox/events.ts";

/** Webhook events to write with a state change, in its transaction (outbox/events.ts builds them). */
export type { EventRow };

/**
 * Webhook events of one account that a dispatch write may cause, built only when needed: the store builds
 * them, inside the write's transaction, only if the account has an active subscription in the webhooks
 * table as read there (never a cache: one made on another node a moment ago counts). Every attempt's end
 * carries them, so an account without subscriptions must not pay for their payloads.
 */
export interface LazyEvents {
  accountId: number;
  build(): EventRow[];
}

/** A ready contact as the claim sees it, before the engine decides what to do with it. */
export interface Candidate {
  id: number;
  account_id: number;
  campaign_id: number;
  phones: string;
  custom: string;
  time_zone: string | null;
  daily_from_sec: number | null;
  daily_to_sec: number | null;
  start_at: number | null;
  attempts: number;
  phone_index: number;
  phone_attempts: string;
  retry_counts: string;
  next_attempt_at: number;
  /** The contact's own call policy (JSON) or null. */
  policy: string | null;
  /** When its latest abandoned call ended, or null: no claim without an agent reserved dials it within 72 h. */
  abandoned_at: number | null;
  /** Its latest attempt's outcome (absent where the reader does not select it): a retry its rule no longer
   *  allows is not made (withdrawnRetry). */
  last_outcome?: string | null;
  /** When it was withdrawn while on a call (absent where the reader does not select it): settled cancelled. */
  withdrawn_at?: number | null;
  /** Set by the claim when some phone of its batch is on the account's do-not-call list: those phones. */
  dnc?: ReadonlySet<string>;
}

export type ClaimDecision =
  | {
      kind: "start";
      at: number;
      phoneIndex: number;
      phone: string;
      callerId: string | null;
      phoneAttempts: string;
    }
  | { kind: "defer"; until: number; reason: string }
  | { kind: "final"; status: string; reason: string };

export interface StartedAttempt {
  attemptId: number;
  contact: Candidate;
  seq: number;
  decision: Extract<ClaimDecision, { kind: "start" }>;
}

/** Recent calls known to the store, for frequency caps and the minimum gap. */
export interface RecentCalls {
  /** Start times of the account's calls to each phone since the claim's recentSince (and of calls still
   *  live, whenever they started). */
  byPhone: Map<string, number[]>;
  byContact: Map<number, number[]>;
  /** When the latest of those calls to each phone ended; +Infinity while one is still live. */
  phoneBusyUntil: Map<string, number>;
}

/** Which of the account's calls to the phones a claim loads: started since `since`, still live, or ended
 *  since `since` (a minimum gap runs from a call's end). $1 account, $2 phones, $3 since. */
export const RECENT_BY_PHONE_WHERE = "(started_at >= $3 OR ended_at IS NULL OR ended_at >= $3)";

/** The calls of deleted campaigns the same rules count (store/number-history.ts): a UNION ALL arm for the
 *  attempts' query, with `phones` the same test of `phone` as that query's. */
export function deletedCampaignsCalls(phones: string): string {
  return `SELECT phone, started_at, ended_at FROM number_history
      WHERE account_id = $1 AND ${phones} AND (started_at >= $3 OR ended_at >= $3)`;
}

/** Adds one loaded call to the phone's start times and busy-until. */
export function noteRecentCall(
  recent: Pick<RecentCalls, "byPhone" | "phoneBusyUntil">,
  phone: string,
  startedAt: number,
  endedAt: number | null,
): void {
  const list = recent.byPhone.get(phone);
  if (list) list.push(startedAt);
  else recent.byPhone.set(phone, [startedAt]);
  const end = endedAt ?? Number.POSITIVE_INFINITY;
  if (end > (recent.phoneBusyUntil.get(phone) ?? Number.NEGATIVE_INFINITY))
    recent.phoneBusyUntil.set(phone, end);
}

export interface ClaimResult {
  started: StartedAttempt[];
  /** How many queued contacts the claim looked at; fewer than the limit means the queue ran dry. */
  examined: number;
  /** With `promoteDue`: the earliest time a contact still waits for after the promotion, or null. */
  nextWaitingAt?: number | null;
  /** Outbox rows the transaction wrote (of `finished` and settledEvents): delivery should look if any. */
  eventsWritten: number;
}

export interface ClaimRequest {
  campaignId: number;
  limit: number;
  owner: string;
  now: number;
  leaseUntil: number;
  /** When set, the store loads calls started since this time for the candidates' phones and contacts. */
  recentSince: number | null;
  decide(c: Candidate, recent: RecentCalls | null): ClaimDecision;
  /** Ended attempts to record first, in the same transaction: one commit per pass instead of two. */
  finished?: FinishedAttempt[];
  /** Promote waiting contacts due by `now` (as promoteDue does) before taking the queue, in the same
   *  transaction, and report nextWaitingAt. */
  promoteDue?: boolean;
  /** Events of a contact the claim settles without a call (written only when set; called only when the
   *  contact's account has an active subscription, see LazyEvents). */
  settledEvents?(c: Candidate, d: Extract<ClaimDecision, { kind: "final" }>): EventRow[];
  /** Claim this contact only, instead of the head of the dial queue: a personal callback, if it is still
   *  held for this agent and due by `now`. */
  held?: { contactId: number; agentId: number };
  /** An agent's preview: each attempt keeps the contact's state from before the claim (attempts.reserved)
   *  until markDialed, so a process that dies before the dial gives the contact back, not an attempt. */
  reserve?: boolean;
  /** A dial whose slot comes after this time (claimed ahead of its calls-per-second slot) is reserved as a
   *  preview is, and marked dialed when its slot comes: a process that dies while it waits gives the contact
   *  back, not an attempt. One slotted now goes out with the claim: no write is added for it. */
  reserveSlotsAfter?: number;
}

/** Whether a claim keeps this started attempt reserved until it is marked dialed (see ClaimRequest). */
export function claimReserves(
  req: Pick<ClaimRequest, "reserve" | "reserveSlotsAfter">,
  d: Extract<ClaimDecision, { kind: "start" }>,
): boolean {
  return req.reserve === true || (req.reserveSlotsAfter !== undefined && d.at > req.reserveSlotsAfter);
}

export interface FinishedAttempt {
  attemptId: number;
  contactId: number;
  /** The lease owner the contact must still have; null for a reconciliation of an expired lease. */
  owner: string | null;
  now: number;
  answeredAt: number | null;
  endedAt: number;
  outcome: string;
  cause: string | null;
  talkSec: number | null;
  success: boolean;
  details: string | null;
  /** When the call was dialed, if later than the start the claim recorded (an agent's dial, placed when
   *  the agent chose to or when a calls-per-second slot came); absent when it went out as recorded. */
  dialedAt?: number;
  contact:
    | {
        status: "pending";
        nextAt: number;
        phoneIndex: number;
        phoneAttempts: string;
        retryCounts: string;
        orderClass: number;
        waitReason: string;
      }
    | { status: string; phoneAttempts: string; retryCounts: string; waitReason: string };
  /** Written with the outcome, and only if the outcome is (its lease still held). */
  events?: LazyEvents;
  /** Written instead if another node's sweep recorded the attempt lost and this outcome corrects that
   *  record (engine/events.ts correctionEvents); built only then. */
  correctionEvents?: LazyEvents;
  /** What the call cost a metered account, taken from its balance with the outcome, once per attempt. */
  charge?: { accountId: number; micros: number };
}

export interface ExpiredLease {
  contact: Candidate;
  owner: string | null;
  attemptId: number | null;
  seq: number;
  phoneIndex: number;
  startedAt: number | null;
  /** When the open attempt was answered, if its process wrote that before it died (recordAbandon). */
  answeredAt: number | null;
  /** The open attempt's process abandoned the person on it (recordAbandon) before it died. */
  abandoned: boolean;
  /** Set when the attempt was an agent's preview its process never dialed. */
  reserved: ReservedState | null;
}

/** A person who answered and whom no agent came for, hung up on: written as it happens (recordAbandon). */
export interface AbandonRecord {
  attemptId: number;
  contactId: number;
  answeredAt: number;
  /** When the call was abandoned. */
  at: number;
}

/** A contact's dialing state before a claim, restored as if the claim never happened. */
export interface ReservedState {
  attempts: number;
  phoneIndex: number;
  phoneAttempts: string;
}

export interface ReleasedDial extends ReservedState {
  attemptId: number;
  contactId: number;
  /** The lease owner the contact must still have; for an expired lease (its process died), the time the
   *  lease must have run out by instead. */
  owner: string | { expiredBefore: number };
  /** Given back to wait (an agent skipped it) rather than to the dial queue: in the same transaction, so
   *  no other claim can take it in between. */
  defer?: { until: number; reason: string };
  /** When it is given back: the contact's updated_at moves on to it (readers of updated_since hear that it
   *  is pending again). */
  releasedAt?: number;
}

/** After a release: the contact reads as changed, and its last attempt is the one before the released. */
export function releasedTouchSql(p: readonly string[], greatest: "max" | "greatest"): string {
  return `UPDATE contacts SET updated_at = ${greatest}(updated_at + 1, ${p[0]}),
    last_attempt_at = (SELECT max(a.started_at) FROM attempts a WHERE a.contact_id = contacts.id)
    WHERE id = ${p[1]}`;
}

export interface WaitingSummary {
  reason: string;
  count: number;
  nextAt: number | null;
}

/** Contacts promoted into the dial queue per statement. */
export const PROMOTE_LIMIT = 20_000;

/** wait_reason of a contact held for one agent (a personal callback): promotion leaves it out. */
export const PERSONAL_CALLBACK_REASON = "callback_personal";
/** wait_reason of a contact whose number is taken: claimed at that instant by another node (postgres.ts), or
 *  on a call of the campaign with no minimum gap set (engine/claim-decision.ts). */
export const NUMBER_BUSY_REASON = "number_busy";
/** SQL for a deferred contact's wait_reason (`reason`, a parameter or column), except that a held contact
 *  stays marked as held: explain and the counts read that reason from the waiting index. */
export function heldOr(reason: string): string {
  return `CASE WHEN callback_agent_id IS NULL THEN ${reason} ELSE '${PERSONAL_CALLBACK_REASON}' END`;
}
/**
 * SQL: the finished attempt `t` is the latest attempt of the contact being updated (`contact`: the table's
 * name or alias in the caller's statement). The lease owner alone does not tell: a node whose leases ran
 * out (a stall, a database failover) has them reconciled by another node, may claim the same contact again
 * under the same owner, and then hears the first call end. That outcome settled the contact in the middle
 * of its second call, whose own outcome then found the contact settled and left its attempt open for good
 * (a live call to the number for every later cap and gap check). Reconciliations (owner null) need no such
 * check: the lease sweep joined their attempt on the contact's latest seq.
 */
export function finishesCurrentAttempt(contact: string): string {
  return `t.contact_id = ${contact}.id AND t.seq = ${contact}.attempts`;
}

/** SQL: an attempt (`t`, or the statement's table) another node's sweep recorded lost when its node's
 *  lease ran out (engine/outcomes.ts lostAttempt), or abandoned when the node had put the abandonment on
 *  record first (recordAbandon). The node, if it was only stalled, may still write what its call was: the
 *  attempt then gets that, and an answered call its charge, once (the row is no longer the sweep's after
 *  it: its cause is the call's). The contact stays as the sweep left it. */
export function sweptAsLost(attempt: string): string {
  return `${attempt}.outcome IN ('lost', 'abandoned') AND ${attempt}.cause = 'lease_expired'`;
}

/**
 * SQL recording an abandonment on its open attempt as it happens (`p`: placeholders for answered_at and
 * the attempt id). Counted at once by the abandonment rate (store/abandonment.ts reads answered abandoned
 * attempts) and read by the lease sweep should the process die before the call's end is written: the
 * attempt's end writes the same outcome and answer, so the normal path records it once, as before. The
 * open row's outcome is set early, but the readers of results (campaign-report.ts) count ended attempts.
 */
export function abandonedAttemptSql(p: readonly string[]): string {
  return `UPDATE attempts SET outcome = 'abandoned', answered_at = ${p[0]} WHERE id = ${p[1]} AND ended_at IS NULL`;
}

/**
 * SQL keeping the contact of an abandoned call out of the dial queue for 72 h from the abandonment on (`p`:
 * placeholders for the time, twice, and the contact id): the claim reads contacts.abandoned_at. Never moves
 * it back; the call's end later sets it to the end, as it always has.
 */
export function abandonedContactSql(p: readonly string[]): string {
  return `UPDATE contacts SET abandoned_at = ${p[0]} WHERE id = ${p[2]} AND (abandoned_at IS NULL OR abandoned_at < ${p[1]})`;
}

/** A claim given back undialed goes back where it came from: the dial queue, or held for its agent (the
 *  hold lasts until the attempt ends). SET clause for the give-back statements. */
const RELEASED_READY = `ready = CASE WHEN callback_agent_id IS NULL THEN 1 ELSE 0 END,
  wait_reason = ${heldOr("wait_reason")}`;

export interface DispatchStore {
  /** Moves up to `limit` waiting contacts whose time has come (earliest first) into the dial queue, so no
   *  single statement holds the database for long; personal callbacks stay held. Returns how many. */
  promoteDue(campaignId: number, now: number, limit?: number): Promise<number>;
  /** Earliest next_attempt_at among waiting contacts of the campaign (personal callbacks aside), or null. */
  nextWaitingAt(campaignId: number): Promise<number | null>;
  /** Claims up to `limit` queued contacts in dial order and applies `decide` to each, in one transaction. */
  claim(req: ClaimRequest): Promise<ClaimResult>;
  /** Records ended attempts and the contacts' next state; rows whose lease moved on are left alone. Returns
   *  how many were applied, and how many outbox rows the transaction wrote (delivery should look if any). */
  finish(items: FinishedAttempt[]): Promise<{ applied: number; eventsWritten: number }>;
  /** Gives back claimed dials that were never originated (pause/stop before their slot). */
  release(items: ReleasedDial[]): Promise<void>;
  /** Which of `phones` the account's or the campaign's do-not-call list holds now. */
  listedPhones(accountId: number, campaignId: number, phones: string[], now: number): Promise<string[]>;
  /** Whether the contact was taken out of its campaign (withdrawn_at: its list deleted) since its claim. */
  isWithdrawn(contactId: number): Promise<boolean>;
  /** A reserved attempt (an agent's preview, a dial that waited for its slot) is about to be dialed: from
   *  now on it counts, even if this process dies. False if the reservation is gone (a sweep gave the contact
   *  back after this node's lease ran out) or the contact's lease has run out by `now` (a sweep may take it
   *  at any moment: markDialedSql). */
  markDialed(attemptId: number, now: number): Promise<boolean>;
  /** This node's leases left by an earlier process of the same node id (a restart keeps the id): they
   *  expire now and pass to earlierProcessOf(owner), for the sweep to settle, instead of being renewed
   *  as if this process held them. */
  expireLeasesOf(owner: string): Promise<number>;
  /** This node is alive until `aliveUntil`: its leased contacts stay its own until then, whatever their
   *  claim-time expiry. Also forgets heartbeats that lapsed long ago (processes gone for a day). The row
   *  must still be process `token`'s (as claimHeartbeat wrote it, or none): one another process has claimed
   *  since (this one stalled past its lapse) throws NodeIdInUseError, as two processes renewing one row
   *  would each take the other's calls for its own. */
  heartbeat(owner: string, aliveUntil: number, now: number, token: string): Promise<void>;
  /** Writes the heartbeat of node id `owner` for process `token`, alive until `aliveUntil`, if no other
   *  process keeps it live at `now` (see claimHeartbeatSql); else changes nothing and returns that row as
   *  read just after (it may have lapsed or changed since). */
  claimHeartbeat(
    owner: string,
    token: string,
    aliveUntil: number,
    now: number,
  ): Promise<HeartbeatHolder | null>;
  /** Process `token` lets go of node id `owner`'s heartbeat (a clean shutdown): the row keeps its
   *  alive_until, so other nodes judge the id as before, but a process starting under it takes it at once. */
  releaseHeartbeat(owner: string, token: string): Promise<void>;
  /** Puts an abandonment on record before the hang-up that ends the call (see AbandonRecord): the attempt
   *  answered and abandoned, the contact's abandoned_at. Rare (a few per hundred live answers). */
  recordAbandon(a: AbandonRecord): Promise<void>;
  /** In-progress contacts whose lease ran out before `now` (see leaseLapsed), with their open attempt. */
  expiredLeases(now: number, limit: number): Promise<ExpiredLease[]>;
  /** Counts of contacts by status for a campaign. */
  countByStatus(campaignId: number): Promise<Record<string, number>>;
  /** Pending contacts grouped by what they wait on (ready ones are reported as reason "due"). */
  waitingSummary(campaignId: number, now: number): Promise<WaitingSummary[]>;
  /** Makes every pending contact of the campaign due now, except personal callbacks (held for their
   *  agent); returns how many. */
  makeAllDue(campaignId: number, now: number): Promise<number>;
}

/** A contact's dialing state as the claim read it (before the claim changed it). */
export function reservedStateOf(
  c: Pick<Candidate, "attempts" | "phone_index" | "phone_attempts">,
): ReservedState {
  return { attempts: c.attempts, phoneIndex: c.phone_index, phoneAttempts: c.phone_attempts };
}

/** contacts.abandoned_at as an ended attempt sets it: its end if it was abandoned, else null (no change). */
export function abandonedAt(f: Pick<FinishedAttempt, "outcome" | "endedAt">): number | null {
  return f.outcome === "abandoned" ? f.endedAt : null;
}

/** attempts.reserved of a contact claimed for an agent's preview or ahead of its slot: its state before the claim. */
export function reservedJson(c: Pick<Candidate, "attempts" | "phone_index" | "phone_attempts">): string {
  return JSON.stringify(reservedStateOf(c));
}

/** SQL (one `?` placeholder: the attempt id) finding an attempt still reserved (see claimReserves), never dialed. */
export const STILL_RESERVED_SQL =
  "SELECT 1 FROM attempts WHERE id = ? AND reserved IS NOT NULL AND ended_at IS NULL";

/**
 * SQL giving a claimed contact back as if never claimed, if it still has its owner's lease on the claim
 * being given back or (`expired`) if that lease ran out. `p`: the dialect's placeholders for attempts,
 * phone_index, phone_attempts, id, the owner or the time the lease must have run out by, and (owner form
 * only) the released attempt's id. The owner alone does not tell (see finishesCurrentAttempt): a give-back
 * that lands after another node's sweep gave the contact back and this node claimed it again under a new
 * attempt would set it pending mid-claim, to be dialed twice. The expired form is left as it was: its
 * callers first check that the attempt they read is still reserved and open (STILL_RESERVED_SQL), and a
 * contact claimed again holds a live lease. The attempt is found by primary key.
 */
export function releaseSql(expired: boolean, p: readonly string[]): string {
  const lease = expired
    ? leaseLapsed("contacts", p[4])
    : `lease_owner = ${p[4]} AND EXISTS (SELECT 1 FROM attempts t WHERE t.id = ${p[5]}
      AND ${finishesCurrentAttempt("contacts")} AND t.ended_at IS NULL)`;
  return `UPDATE contacts SET status = 'pending', ${RELEASED_READY}, attempts = ${p[0]}, phone_index = ${p[1]},
    phone_attempts = ${p[2]}, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ${p[3]} AND status = 'in_progress' AND ${lease}`;
}

/**
 * SQL that is true when contact `c`'s lease has run out by `now` (a placeholder or a column). A node that
 * keeps a heartbeat (node_heartbeats) holds its contacts for as long as the heartbeat lives, whatever their
 * own expiry: one row renewed instead of every contact it is calling. A contact whose owner has no heartbeat
 * row (a process restarted under the same id, an older version of outdial during a rolling upgrade, which
 * renews each contact instead) runs out at its own `lease_expires_at`.
 */
export function leaseLapsed(c: string, now: string): string {
  return `coalesce((SELECT h.alive_until FROM node_heartbeats h WHERE h.node_id = ${c}.lease_owner),
    ${c}.lease_expires_at) < ${now}`;
}

/**
 * SQL that marks reserved attempt `id` dialed, only while its contact's lease has not run out by `now`
 * (leaseLapsed): once it has, another node's sweep may record the attempt lost and give the contact on at
 * any moment, so a mark then would let this node dial a contact that is no longer its own. A sweep that
 * came first has taken the reservation away, and the mark finds nothing either way.
 */
export function markDialedSql(id: string, now: string): string {
  return `UPDATE attempts SET reserved = NULL WHERE id = ${id} AND reserved IS NOT NULL
    AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = attempts.contact_id AND c.status = 'in_progress'
      AND NOT (${leaseLapsed("c", now)}))`;
}

/**
 * How long a claim holds its contact by its own expiry. Nodes with a heartbeat never rely on it; it keeps a
 * node of an older version (whose sweep reads only the contact's expiry) from taking calls still up.
 */
export const CLAIM_LEASE_MS = 86_400_000;

/** A row of expiredLeases as the database gives it (EXPIRED_LEASE_COLUMNS). */
export type ExpiredLeaseRow = Candidate & {
  lease_owner: string | null;
  attempt_id: number | null;
  attempt_phone_index: number | null;
  attempt_started_at: number | null;
  attempt_answered_at: number | null;
  attempt_outcome: string | null;
  attempt_reserved: string | null;
};

/** The columns expiredLeases selects, from contacts `c` and their open attempt `a`. */
export const EXPIRED_LEASE_COLUMNS = `c.id, c.account_id, c.campaign_id, c.phones, c.custom, c.time_zone,
  c.daily_from_sec, c.daily_to_sec, c.start_at, c.attempts, c.phone_index, c.phone_attempts, c.retry_counts,
  c.next_attempt_at, c.policy, c.abandoned_at, c.lease_owner, a.id AS attempt_id,
  a.phone_index AS attempt_phone_index, a.started_at AS attempt_started_at, a.answered_at AS attempt_answered_at,
  a.outcome AS attempt_outcome, a.reserved AS attempt_reserved`;

/** An expiredLeases row (the contact's candidate columns, lease owner and open attempt) as an ExpiredLease. */
export function expiredLease(r: ExpiredLeaseRow): ExpiredLease {
  const {
    lease_owner,
    attempt_id,
    attempt_phone_index,
    attempt_started_at,
    attempt_answered_at,
    attempt_outcome,
    attempt_reserved,
    ...contact
  } = r;
  return {
    contact,
    owner: lease_owner,
    attemptId: attempt_id === null ? null : Number(attempt_id),
    seq: contact.attempts,
    phoneIndex: attempt_phone_index ?? contact.phone_index,
    startedAt: attempt_started_at === null ? null : Number(attempt_started_at),
    answeredAt: attempt_answered_at === null ? null : Number(attempt_answered_at),
    abandoned: attempt_outcome === "abandoned",
    reserved: attempt_reserved === null ? null : (JSON.parse(attempt_reserved) as ReservedState),
  };
}

/** How long a lapsed heartbeat is kept: long enough for any sweep to settle what its node left. Once it
 *  is forgotten its contacts fall back on their own expiry, which has passed by then (a claim is older). */
export const HEARTBEAT_MEMORY_MS = CLAIM_LEASE_MS;

/** The process keeping a node id's heartbeat (token null: none, a row from before 029 or let go). */
export interface HeartbeatHolder {
  token: string | null;
  aliveUntil: number;
}

/** Two live processes under one node id: each would take the other's leases, and calls, for a dead one's. */
export class NodeIdInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeIdInUseError";
  }
}

/**
 * Claims node `p[0]`'s heartbeat for process `p[2]`, alive until `p[1]`: a row of no process (written
 * before 029, or let go at a shutdown), this process's own, or one lapsed before `p[3]` (as leaseLapsed
 * judges the contacts it holds: not yet at alive_until itself); one kept live by another process is left.
 * One statement: of two processes starting at once, the second finds the first's row live.
 */
export function claimHeartbeatSql(p: readonly [string, string, string, string]): string {
  return `INSERT INTO node_heartbeats (node_id, alive_until, process_token) VALUES (${p[0]}, ${p[1]}, ${p[2]})
    ON CONFLICT (node_id) DO UPDATE SET alive_until = excluded.alive_until, process_token = excluded.process_token
    WHERE node_heartbeats.process_token IS NULL OR node_heartbeats.process_token = excluded.process_token
      OR node_heartbeats.alive_until < ${p[3]}`;
}

/** Renews node `p[0]`'s heartbeat until `p[1]` for process `p[2]`, only while the row is that process's
 *  (or gone: forgotten after a day's lapse); no row changed means another process claimed it. */
export function renewHeartbeatSql(p: readonly [string, string, string]): string {
  return `INSERT INTO node_heartbeats (node_id, alive_until, process_token) VALUES (${p[0]}, ${p[1]}, ${p[2]})
    ON CONFLICT (node_id) DO UPDATE SET alive_until = excluded.alive_until
    WHERE node_heartbeats.process_token = excluded.process_token`;
}

/** Node `p[0]`'s heartbeat row as a refused claim reports it (HeartbeatHolder). */
export function heartbeatHolderSql(p: readonly [string]): string {
  return `SELECT process_token, alive_until FROM node_heartbeats WHERE node_id = ${p[0]}`;
}

/** Process `p[1]` lets go of node `p[0]`'s heartbeat; a row another process holds is left as it is. */
export function releaseHeartbeatSql(p: readonly [string, string]): string {
  return `UPDATE node_heartbeats SET process_token = NULL WHERE node_id = ${p[0]} AND process_token = ${p[1]}`;
}

/** A process's renewal of node `owner`'s heartbeat found it claimed by another process since. */
export function heartbeatTaken(owner: string): NodeIdInUseError {
  return new NodeIdInUseError(
    `another process took over node id ${owner} after this one's heartbeat lapsed: this process no longer ` +
      "holds its calls and stops dialing (set OUTDIAL_NODE_ID to a unique id per process)",
  );
}

/** The lease owner of what a process left behind, once a new process of the same node id has started. */
export function earlierProcessOf(owner: string): string {
  return `${owner} (before restart)`;
}
