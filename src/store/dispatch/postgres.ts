// The dispatch hot path on PostgreSQL, shared by several outdial nodes: the claim locks its rows with
// FOR UPDATE SKIP LOCKED so two nodes never take the same contact, and writes a whole batch with
// unnest() arrays in a handful of round trips.
import type pg from "pg";
import { EVENT_COLUMN_TYPES, EVENT_COLUMNS, outboxInsertSql } from "../../outbox/events.ts";
import { LIVE_COUNTS, type LiveCounts, SETTLED_COUNTS, statusCounts, WAITING_SUMMARY } from "./counts.ts";
import { batchPhones, DNC_AMONG_PG, DNC_ANY, markListed } from "./dnc.ts";
import type {
  Candidate,
  ClaimDecision,
  ClaimResult,
  DispatchStore,
  EventRow,
  ExpiredLeaseRow,
  FinishedAttempt,
  RecentCalls,
  StartedAttempt,
  WaitingSummary,
} from "./types.ts";
import {
  abandonedAttemptSql,
  abandonedContactSql,
  claimHeartbeatSql,
  claimReserves,
  deletedCampaignsCalls,
  EXPIRED_LEASE_COLUMNS,
  earlierProcessOf,
  expiredLease,
  finishesCurrentAttempt,
  HEARTBEAT_MEMORY_MS,
  heartbeatHolderSql,
  heartbeatTaken,
  heldOr,
  leaseLapsed,
  markDialedSql,
  NUMBER_BUSY_REASON,
  noteRecentCall,
  PROMOTE_LIMIT,
  RECENT_BY_PHONE_WHERE,
  releasedTouchSql,
  releaseHeartbeatSql,
  releaseSql,
  renewHeartbeatSql,
  reservedJson,
  STILL_RESERVED_SQL,
  sweptAsLost,
} from "./types.ts";

const CANDIDATE_COLUMNS = `id, account_id, campaign_id, phones, custom, time_zone, daily_from_sec, daily_to_sec,
  start_at, attempts, phone_index, phone_attempts, retry_counts, next_attempt_at, policy, abandoned_at, last_outcome,
  withdrawn_at`;

async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** How long a contact whose number another claim holds waits before it is looked at again. */
const NUMBER_BUSY_MS = 1000;

/**
 * Caps and gaps count calls across the account's campaigns, which other nodes claim at the same time: a
 * transaction-scoped lock per number makes a second claim of a number see the first's call once that
 * commits. Every claim takes them, with caps or not (a capped campaign must also see an uncapped one's
 * claim of the number), and none waits for one: a number another claim holds (committing now, or stalled
 * on a paused node) makes its contact wait a second, while the rest of the batch goes on. Waiting would
 * let one stalled transaction elsewhere stop this node's dialing. Returns the numbers held elsewhere.
 */
async function lockPhones(
  c: pg.PoolClient,
  rows: Candidate[],
  phones: readonly string[],
): Promise<Set<string>> {
  const { rows: locks } = await c.query<{ p: string; got: boolean }>(
    `SELECT p, pg_try_advisory_xact_lock(hashtextextended($1::text || ':' || p, 0)) AS got
       FROM unnest($2::text[]) AS p`,
    [String(rows[0].account_id), phones],
  );
  return new Set(locks.filter((l) => !l.got).map((l) => l.p));
}

async function loadRecent(
  c: pg.PoolClient,
  rows: Candidate[],
  phones: readonly string[],
  since: number,
): Promise<RecentCalls> {
  const recent: RecentCalls = { byPhone: new Map(), byContact: new Map(), phoneBusyUntil: new Map() };
  const byContact = recent.byContact;
  const p = await c.query<{ phone: string; started_at: number; ended_at: number | null }>(
    `SELECT phone, started_at, ended_at FROM attempts
      WHERE account_id = $1 AND phone = ANY($2::text[]) AND ${RECENT_BY_PHONE_WHERE}
    UNION ALL ${deletedCampaignsCalls("phone = ANY($2::text[])")}`,
    [rows[0].account_id, phones, since],
  );
  for (const r of p.rows) noteRecentCall(recent, r.phone, r.started_at, r.ended_at);
  const k = await c.query<{ contact_id: number; started_at: number }>(
    "SELECT contact_id, started_at FROM attempts WHERE contact_id = ANY($1::bigint[]) AND started_at >= $2",
    [rows.map((r) => r.id), since],
  );
  for (const r of k.rows) byContact.set(r.contact_id, [...(byContact.get(r.contact_id) ?? []), r.started_at]);
  return recent;
}

// Two statements, not one UPDATE … IN (subquery): the planner hashes a scan of the whole table for the
// latter whenever its statistics overestimate the waiting contacts. Picking ids from the waiting index,
// then updating by primary key, is cheap whatever the statistics say; the status re-check keeps a contact
// claimed in between out of the queue.
const DUE_IDS_SQL = `SELECT id FROM contacts WHERE campaign_id = $1 AND status = 'pending' and ready = 0
  AND next_attempt_at <= $2 AND callback_agent_id IS NULL ORDER BY next_attempt_at LIMIT $3`;
const PROMOTE_SQL = `UPDATE contacts SET ready = 1, wait_reason = NULL, updated_at = greatest(updated_at + 1, $2)
  WHERE id = ANY($1::bigint[]) AND status = 'pending' AND ready = 0`;

async function promote(
  q: pg.Pool | pg.PoolClient,
  campaignId: number,
  now: number,
  limit: number,
): Promise<number> {
  const ids = (await q.query<{ id: number }>(DUE_IDS_SQL, [campaignId, now, limit])).rows.map((r) => r.id);
  if (ids.length === 0) return 0;
  return (await q.query(PROMOTE_SQL, [ids, now])).rowCount ?? 0;
}

/** Contacts promoted per statement on PostgreSQL. */
const PG_PROMOTE_LIMIT = Math.min(PROMOTE_LIMIT, 2000);

const NEXT_WAITING_SQL = `SELECT min(next_attempt_at) AS m FROM contacts
  WHERE campaign_id = $1 AND status = 'pending' AND ready = 0 AND callback_agent_id IS NULL`;

/**
 * Records ended attempts and the contacts' next state in one statement, whatever the batch size; an item
 * whose lease was lost meanwhile (another owner, or not expired for a reconciliation) is skipped. The same
 * statement tells which of the items' accounts have an active subscription (LazyEvents): only their events
 * are built and inserted, so a batch of accounts without any takes no further round trip for them.
 * Returns how many were applied and the outbox rows written.
 */
async function applyFinished(
  client: pg.PoolClient,
  items: FinishedAttempt[],
): Promise<{ applied: number; eventsWritten: number }> {
  const col = <T>(f: (x: FinishedAttempt) => T): T[] => items.map(f);
  const next = (x: FinishedAttempt) => ("nextAt" in x.contact ? x.contact : null);
  const eventAccounts = [
    ...new Set(items.flatMap((x) => [x.events?.accountId, x.correctionEvents?.accountId])),
  ].filter((a) => a !== undefined);
  const withKeys = eventAccounts.length > 0 || items.some((x) => x.charge?.micros);
  const { rows } = await client.query<{
    applied: number;
    keys?: string[] | null;
    hooked?: string[] | null;
  }>(
    `WITH v AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[],
         $7::bigint[], $8::int[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[], $14::bigint[],
         $15::bigint[], $16::text[], $17::float8[], $18::int[], $19::text[], $20::bigint[])
       AS v(contact_id, attempt_id, now, owner, status, ready, next_at, phone_index, phone_attempts, retry_counts,
         order_class, wait_reason, outcome, answered_at, ended_at, cause, talk_sec, success, details, dialed_at)
     ), c AS (
       UPDATE contacts k SET status = v.status, ready = v.ready,
         next_attempt_at = coalesce(v.next_at, k.next_attempt_at), phone_index = coalesce(v.phone_index, k.phone_index),
         phone_attempts = v.phone_attempts, retry_counts = v.retry_counts,
         order_class = coalesce(v.order_class, k.order_class), wait_reason = v.wait_reason, last_outcome = v.outcome,
         abandoned_at = CASE WHEN v.outcome = 'abandoned' THEN v.ended_at ELSE k.abandoned_at END,
         lease_owner = NULL, lease_expires_at = NULL, callback_agent_id = NULL, updated_at = v.now,
         last_attempt_at = coalesce(v.dialed_at, k.last_attempt_at)
       -- One guard expression, so the planner joins by primary key: a plain status = 'in_progress' lets it
       -- pick the lease index and compare every in-flight contact with every item.
       FROM v WHERE k.id = v.contact_id
         AND CASE WHEN k.status <> 'in_progress' THEN false
           WHEN v.owner IS NULL THEN ${leaseLapsed("k", "v.now")}
           ELSE k.lease_owner = v.owner
             AND EXISTS (SELECT 1 FROM attempts t WHERE t.id = v.attempt_id AND ${finishesCurrentAttempt("k")}) END
       RETURNING v.*
     ), a AS (
       UPDATE attempts t SET answered_at = c.answered_at, ended_at = c.ended_at, outcome = c.outcome, cause = c.cause,
         talk_sec = c.talk_sec, success = c.success, details = c.details,
         started_at = coalesce(c.dialed_at, t.started_at)
       FROM c WHERE t.id = c.attempt_id AND t.ended_at IS NULL
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM c)::int AS applied, (SELECT count(*) FROM a)::int AS ended${
       withKeys ? ", (SELECT array_agg(c.contact_id::text || ':' || c.attempt_id::text) FROM c) AS keys" : ""
     }${
       eventAccounts.length > 0
         ? `, ARRAY(SELECT DISTINCT w.account_id::text FROM webhooks w
             WHERE w.account_id = ANY($21::bigint[]) AND w.active = 1) AS hooked`
         : ""
     }`,
    [
      col((x) => x.contactId),
      col((x) => x.attemptId),
      col((x) => x.now),
      col((x) => x.owner),
      col((x) => ("nextAt" in x.contact ? "pending" : x.contact.status)),
      col((x) => {
        const n = next(x);
        return n !== null && n.nextAt <= x.now ? 1 : 0;
      }),
      col((x) => next(x)?.nextAt ?? null),
      col((x) => next(x)?.phoneIndex ?? null),
      col((x) => x.contact.phoneAttempts),
      col((x) => x.contact.retryCounts),
      col((x) => next(x)?.orderClass ?? null),
      col((x) => x.contact.waitReason),
      col((x) => x.outcome),
      col((x) => x.answeredAt),
      col((x) => x.endedAt),
      col((x) => x.cause),
      col((x) => x.talkSec),
      col((x) => (x.success ? 1 : 0)),
      col((x) => x.details),
      col((x) => x.dialedAt ?? null),
      ...(eventAccounts.length > 0 ? [eventAccounts] : []),
    ],
  );
  const hooked = new Set((rows[0]?.hooked ?? []).map(Number));
  let eventsWritten = 0;
  if (withKeys) {
    const applied = new Set(rows[0]?.keys ?? []);
    const isApplied = (x: FinishedAttempt) => applied.has(`${x.contactId}:${x.attemptId}`);
    const events = items.flatMap((x) =>
      x.events && hooked.has(x.events.accountId) && isApplied(x) ? x.events.build() : [],
    );
    eventsWritten += await insertEvents(client, events);
    await chargeCalls(
      client,
      items.filter((x) => x.charge?.micros && isApplied(x)),
    );
  }
  const applied = rows[0]?.applied ?? 0;
  const owned = items.filter((x) => x.owner !== null);
  if (applied < items.length && owned.length > 0) {
    eventsWritten += await endSweptAttempts(client, owned, hooked);
  }
  return { applied, eventsWritten };
}

/** This node's calls that outlived its lease (a stall) and that another node's sweep recorded lost: see
 *  sweptAsLost. An item applied above no longer matches (its attempt was just ended as it was). Their
 *  correction events go out for the accounts in `hooked` (those with an active subscription); returns the
 *  outbox rows written. */
async function endSweptAttempts(
  client: pg.PoolClient,
  items: FinishedAttempt[],
  hooked: ReadonlySet<number>,
): Promise<number> {
  const col = <T>(f: (x: FinishedAttempt) => T): T[] => items.map(f);
  const { rows } = await client.query<{ id: string }>(
    `UPDATE attempts t SET answered_at = v.answered_at, ended_at = v.ended_at, outcome = v.outcome,
       cause = v.cause, talk_sec = v.talk_sec, success = v.success, details = v.details
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::float8[], $7::int[],
       $8::text[]) AS v(attempt_id, answered_at, ended_at, outcome, cause, talk_sec, success, details)
     WHERE t.id = v.attempt_id AND ${sweptAsLost("t")}
     RETURNING t.id`,
    [
      col((x) => x.attemptId),
      col((x) => x.answeredAt),
      col((x) => x.endedAt),
      col((x) => x.outcome),
      col((x) => x.cause),
      col((x) => x.talkSec),
      col((x) => (x.success ? 1 : 0)),
      col((x) => x.details),
    ],
  );
  const ended = new Set(rows.map((r) => Number(r.id)));
  await chargeCalls(
    client,
    items.filter((x) => x.charge?.micros && ended.has(x.attemptId)),
  );
  return insertEvents(
    client,
    items.flatMap((x) =>
      x.correctionEvents && ended.has(x.attemptId) && hooked.has(x.correctionEvents.accountId)
        ? x.correctionEvents.build()
        : [],
    ),
  );
}

/** Takes applied attempts' charges from their accounts' balances, with one ledger row each. */
async function chargeCalls(client: pg.PoolClient, items: FinishedAttempt[]): Promise<void> {
  if (items.length === 0) return;
  const accounts = [...new Set(items.map((x) => x.charge!.accountId))].sort((a, b) => a - b);
  const totals = accounts.map((a) =>
    items.filter((x) => x.charge!.accountId === a).reduce((sum, x) => sum + x.charge!.micros, 0),
  );
  await client.query(
    `UPDATE accounts a SET balance_micros = a.balance_micros - v.total
      FROM unnest($1::bigint[], $2::bigint[]) AS v(id, total) WHERE a.id = v.id AND a.balance_micros IS NOT NULL`,
    [accounts, totals],
  );
  await client.query(
    `INSERT INTO balance_transactions (account_id, kind, amount_micros, attempt_id, note, created_at)
      SELECT v.account_id, 'charge', -v.micros, v.attempt_id, NULL, v.at
      FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(account_id, micros, attempt_id, at)`,
    [
      items.map((x) => x.charge!.accountId),
      items.map((x) => x.charge!.micros),
      items.map((x) => x.attemptId),
      items.map((x) => x.now),
    ],
  );
}

const INSERT_EVENTS_SQL = outboxInsertSql(
  `unnest(${EVENT_COLUMN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) WITH ORDINALITY
    AS v(${EVENT_COLUMNS.join(", ")}, ord)`,
);

/** The outbox rows of `events` in one statement, in the order given (ids follow it, and delivery order
 *  follows ids), for the subscriptions taking each as stored (outboxInsertSql). Returns the rows written. */
async function insertEvents(client: pg.PoolClient, events: EventRow[]): Promise<number> {
  if (events.length === 0) return 0;
  const r = await client.query(
    INSERT_EVENTS_SQL,
    EVENT_COLUMNS.map((k) => events.map((e) => e[k])),
  );
  return r.rowCount ?? 0;
}

export function postgresDispatchStore(pool: pg.Pool): DispatchStore {
  return {
    async promoteDue(campaignId, now, limit = PG_PROMOTE_LIMIT) {
      return promote(pool, campaignId, now, limit);
    },

    async nextWaitingAt(campaignId) {
      const r = await pool.query<{ m: number | null }>(NEXT_WAITING_SQL, [campaignId]);
      return r.rows[0]?.m ?? null;
    },

    async claim(req): Promise<ClaimResult> {
      return inTransaction(pool, async (client) => {
        let eventsWritten = req.finished?.length
          ? (await applyFinished(client, req.finished)).eventsWritten
          : 0;
        // The campaign row, key-share locked: a delete (store/campaigns.ts) waits for this claim to commit
        // and then sees the contacts it put on calls, instead of cascading them away mid-call. A status
        // change (a stop, a pause) does not wait for it.
        await client.query("SELECT 1 FROM campaigns WHERE id = $1 FOR KEY SHARE", [req.campaignId]);
        let nextWaitingAt: number | null | undefined;
        if (req.promoteDue) {
          await promote(client, req.campaignId, req.now, PG_PROMOTE_LIMIT);
          nextWaitingAt =
            (await client.query<{ m: number | null }>(NEXT_WAITING_SQL, [req.campaignId])).rows[0]?.m ?? null;
        }
        const { rows } =
          req.held === undefined
            ? await client.query<Candidate>(
                `SELECT ${CANDIDATE_COLUMNS} FROM contacts WHERE campaign_id = $1 AND ready = 1
                  ORDER BY priority, order_class, next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
                [req.campaignId, req.limit],
              )
            : await client.query<Candidate>(
                `SELECT ${CANDIDATE_COLUMNS} FROM contacts WHERE id = $1 AND campaign_id = $2
                  AND status = 'pending' AND callback_agent_id = $3 AND next_attempt_at <= $4 FOR UPDATE SKIP LOCKED`,
                [req.held.contactId, req.campaignId, req.held.agentId, req.now],
              );
        if (rows.length === 0) return { started: [], examined: 0, nextWaitingAt, eventsWritten };
        const phones = batchPhones(rows);
        const busy = await lockPhones(client, rows, phones);
        if ((await client.query(DNC_ANY, [rows[0].account_id, req.now, req.campaignId])).rowCount) {
          const among = [rows[0].account_id, phones, req.now, req.campaignId];
          markListed(
            rows,
            (await client.query<{ phone: string }>(DNC_AMONG_PG, among)).rows.map((r) => r.phone),
          );
        }
        const recent =
          req.recentSince !== null ? await loadRecent(client, rows, phones, req.recentSince) : null;
        const starts: { c: Candidate; d: Extract<ClaimDecision, { kind: "start" }> }[] = [];
        const defers: { c: Candidate; d: Extract<ClaimDecision, { kind: "defer" }> }[] = [];
        const finals: { c: Candidate; d: Extract<ClaimDecision, { kind: "final" }> }[] = [];
        for (const c of rows) {
          if (busy.size > 0 && (JSON.parse(c.phones) as string[]).some((p) => busy.has(p))) {
            defers.push({
              c,
              d: { kind: "defer", until: req.now + NUMBER_BUSY_MS, reason: NUMBER_BUSY_REASON },
            });
            continue;
          }
          const d = req.decide(c, recent);
          if (d.kind === "start") starts.push({ c, d });
          else if (d.kind === "defer") defers.push({ c, d });
          else finals.push({ c, d });
        }
        if (defers.length) {
          await client.query(
            `UPDATE contacts c SET ready = 0, next_attempt_at = v.until, wait_reason = ${heldOr("v.reason")}, updated_at = $4
              FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS v(id, until, reason) WHERE c.id = v.id`,
            [defers.map((x) => x.c.id), defers.map((x) => x.d.until), defers.map((x) => x.d.reason), req.now],
          );
        }
        if (finals.length) {
          const finalize = `UPDATE contacts c SET status = v.status, ready = 0, wait_reason = v.reason,
              callback_agent_id = NULL, updated_at = $4
              FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, status, reason) WHERE c.id = v.id`;
          const args = [
            finals.map((x) => x.c.id),
            finals.map((x) => x.d.status),
            finals.map((x) => x.d.reason),
            req.now,
          ];
          const settle = req.settledEvents;
          if (!settle) await client.query(finalize, args);
          else {
            // The same statement tells whether the account (the campaign's: every row's) has an active
            // subscription: their events are built only then (LazyEvents).
            const { rows: found } = await client.query<{ hooked: boolean }>(
              `WITH f AS (${finalize})
                SELECT EXISTS (SELECT 1 FROM webhooks WHERE account_id = $5 AND active = 1) AS hooked`,
              [...args, rows[0].account_id],
            );
            if (found[0]?.hooked) {
              eventsWritten += await insertEvents(
                client,
                finals.flatMap((x) => settle(x.c, x.d)),
              );
            }
          }
        }
        const started: StartedAttempt[] = [];
        if (starts.length) {
          await client.query(
            `UPDATE contacts c SET status = 'in_progress', ready = 0, attempts = v.seq, phone_index = v.pi,
               phone_attempts = v.pa, lease_owner = $6, lease_expires_at = $7, last_attempt_at = v.at,
               wait_reason = NULL, updated_at = $8
              FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[], $5::bigint[]) AS v(id, seq, pi, pa, at)
              WHERE c.id = v.id`,
            [
              starts.map((x) => x.c.id),
              starts.map((x) => x.c.attempts + 1),
              starts.map((x) => x.d.phoneIndex),
              starts.map((x) => x.d.phoneAttempts),
              starts.map((x) => x.d.at),
              req.owner,
              req.leaseUntil,
              req.now,
            ],
          );
          const ins = await client.query<{ id: number; contact_id: number }>(
            `INSERT INTO attempts (account_id, campaign_id, contact_id, seq, phone, phone_index, caller_id, started_at, owner)
              SELECT v.account_id, v.campaign_id, v.contact_id, v.seq, v.phone, v.pi, v.caller_id, v.at, $9
              FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::int[], $7::text[], $8::bigint[])
                AS v(account_id, campaign_id, contact_id, seq, phone, pi, caller_id, at)
              RETURNING id, contact_id`,
            [
              starts.map((x) => x.c.account_id),
              starts.map((x) => x.c.campaign_id),
              starts.map((x) => x.c.id),
              starts.map((x) => x.c.attempts + 1),
              starts.map((x) => x.d.phone),
              starts.map((x) => x.d.phoneIndex),
              starts.map((x) => x.d.callerId),
              starts.map((x) => x.d.at),
              req.owner,
            ],
          );
          const idByContact = new Map(ins.rows.map((r) => [r.contact_id, r.id]));
          const reserved = starts.filter(({ d }) => claimReserves(req, d));
          if (reserved.length > 0) {
            await client.query(
              `UPDATE attempts a SET reserved = v.state FROM unnest($1::bigint[], $2::text[]) AS v(id, state)
                WHERE a.id = v.id`,
              [reserved.map(({ c }) => idByContact.get(c.id)), reserved.map(({ c }) => reservedJson(c))],
            );
          }
          for (const { c, d } of starts) {
            started.push({ attemptId: idByContact.get(c.id)!, contact: c, seq: c.attempts + 1, decision: d });
          }
        }
        return { started, examined: rows.length, nextWaitingAt, eventsWritten };
      });
    },

    async finish(items) {
      if (items.length === 0) return { applied: 0, eventsWritten: 0 };
      return inTransaction(pool, (client) => applyFinished(client, items));
    },

    async release(items) {
      if (items.length === 0) return;
      await inTransaction(pool, async (client) => {
        for (const r of items) {
          const expired = typeof r.owner !== "string";
          // A sweep's give-back of a preview its stalled owner dialed meanwhile (markDialed): that call is
          // not undone. The row stays locked to the commit, so a markDialed after this waits and finds it gone.
          if (expired) {
            const held = await client.query(`${STILL_RESERVED_SQL.replace("?", "$1")} FOR UPDATE`, [
              r.attemptId,
            ]);
            if (!held.rowCount) continue;
          }
          const restored = [r.attempts, r.phoneIndex, r.phoneAttempts, r.contactId];
          const u = await client.query(
            releaseSql(expired, ["$1", "$2", "$3", "$4", "$5", "$6"]),
            typeof r.owner === "string"
              ? [...restored, r.owner, r.attemptId]
              : [...restored, r.owner.expiredBefore],
          );
          if (!u.rowCount) continue;
          await client.query("DELETE FROM attempts WHERE id = $1 AND ended_at IS NULL", [r.attemptId]);
          if (r.defer) {
            await client.query(
              `UPDATE contacts SET ready = 0, next_attempt_at = $1, wait_reason = ${heldOr("$2")} WHERE id = $3 AND status = 'pending'`,
              [r.defer.until, r.defer.reason, r.contactId],
            );
          }
          await client.query(releasedTouchSql(["$1", "$2"], "greatest"), [r.releasedAt ?? 0, r.contactId]);
        }
      });
    },

    async listedPhones(accountId, campaignId, phones, now) {
      const { rows } = await pool.query<{ phone: string }>(DNC_AMONG_PG, [
        accountId,
        phones,
        now,
        campaignId,
      ]);
      return rows.map((r) => r.phone);
    },

    async isWithdrawn(contactId) {
      const { rowCount } = await pool.query(
        "SELECT 1 FROM contacts WHERE id = $1 AND withdrawn_at IS NOT NULL",
        [contactId],
      );
      return (rowCount ?? 0) > 0;
    },

    async markDialed(attemptId, now) {
      const r = await pool.query(markDialedSql("$1", "$2"), [attemptId, now]);
      return r.rowCount === 1;
    },

    async expireLeasesOf(owner) {
      const r = await pool.query(
        `UPDATE contacts SET lease_owner = $1, lease_expires_at = 0
          WHERE status = 'in_progress' AND lease_owner = $2`,
        [earlierProcessOf(owner), owner],
      );
      return r.rowCount ?? 0;
    },

    async heartbeat(owner, aliveUntil, now, token) {
      const r = await pool.query(renewHeartbeatSql(["$1", "$2", "$3"]), [owner, aliveUntil, token]);
      if (r.rowCount === 0) throw heartbeatTaken(owner);
      await pool.query("DELETE FROM node_heartbeats WHERE alive_until < $1", [now - HEARTBEAT_MEMORY_MS]);
    },

    async claimHeartbeat(owner, token, aliveUntil, now) {
      for (;;) {
        const claimed = await pool.query(claimHeartbeatSql(["$1", "$2", "$3", "$4"]), [
          owner,
          aliveUntil,
          token,
          now,
        ]);
        if (claimed.rowCount === 1) return null;
        const r = await pool.query<{ process_token: string | null; alive_until: string | number }>(
          heartbeatHolderSql(["$1"]),
          [owner],
        );
        // Gone in between (forgotten after a day's lapse): claimed at the next try.
        if (r.rows[0]) return { token: r.rows[0].process_token, aliveUntil: Number(r.rows[0].alive_until) };
      }
    },

    async releaseHeartbeat(owner, token) {
      await pool.query(releaseHeartbeatSql(["$1", "$2"]), [owner, token]);
    },

    async recordAbandon(a) {
      // One statement: both rows or neither.
      await pool.query(
        `WITH a AS (${abandonedAttemptSql(["$1", "$2"])} RETURNING 1) ${abandonedContactSql(["$3", "$3", "$4"])}`,
        [a.answeredAt, a.attemptId, a.at, a.contactId],
      );
    },

    async expiredLeases(now, limit) {
      const { rows } = await pool.query<ExpiredLeaseRow>(
        `SELECT ${EXPIRED_LEASE_COLUMNS}
          FROM contacts c LEFT JOIN attempts a ON a.contact_id = c.id AND a.seq = c.attempts
          WHERE c.status = 'in_progress' AND ${leaseLapsed("c", "$1")} ORDER BY c.lease_expires_at LIMIT $2`,
        [now, limit],
      );
      return rows.map(expiredLease);
    },

    async countByStatus(campaignId) {
      const [settled, live] = await Promise.all([
        pool.query<{ status: string; n: number }>(SETTLED_COUNTS, [campaignId]),
        pool.query<LiveCounts>(LIVE_COUNTS, [campaignId]),
      ]);
      return statusCounts(settled.rows, live.rows[0]);
    },

    async waitingSummary(campaignId, now) {
      const { rows } = await pool.query<{
        reason: string;
        n: number | string;
        next_at: number | string | null;
      }>(WAITING_SUMMARY, [campaignId, now]);
      return rows.map(
        (r): WaitingSummary => ({
          reason: r.reason,
          count: Number(r.n),
          nextAt: r.next_at === null ? null : Number(r.next_at),
        }),
      );
    },

    async makeAllDue(campaignId, now) {
      const r = await pool.query(
        `UPDATE contacts SET ready = 1, next_attempt_at = $1, wait_reason = NULL, updated_at = $1
          WHERE campaign_id = $2 AND status = 'pending' AND callback_agent_id IS NULL`,
        [now, campaignId],
      );
      return r.rowCount ?? 0;
    },
  };
}
