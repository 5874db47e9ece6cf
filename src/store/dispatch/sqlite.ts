// The dispatch hot path on SQLite: cached prepared statements, each batch in one BEGIN IMMEDIATE
// transaction (better-sqlite3 runs them synchronously, so no other writer interleaves in this process;
// other processes wait on the write lock).
import type SQLite from "better-sqlite3";
import { EVENT_COLUMNS, outboxInsertSql } from "../../outbox/events.ts";
import { noTransactionOpen } from "../atomic.ts";
import { LIVE_COUNTS, type LiveCounts, SETTLED_COUNTS, statusCounts, WAITING_SUMMARY } from "./counts.ts";
import { batchPhones, DNC_AMONG_SQLITE, DNC_ANY, markListed } from "./dnc.ts";
import type {
  AbandonRecord,
  Candidate,
  ClaimRequest,
  ClaimResult,
  DispatchStore,
  EventRow,
  ExpiredLeaseRow,
  FinishedAttempt,
  HeartbeatHolder,
  LazyEvents,
  RecentCalls,
  ReleasedDial,
  StartedAttempt,
  WaitingSummary,
} from "./types.ts";
import {
  abandonedAt,
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

/** The outcome's attempt (the last parameter) is the contact's latest: see finishesCurrentAttempt. */
const CURRENT_ATTEMPT = `EXISTS (SELECT 1 FROM attempts t WHERE t.id = ? AND ${finishesCurrentAttempt("contacts")})`;

export function sqliteDispatchStore(db: SQLite.Database): DispatchStore {
  const s = {
    promote: db.prepare(
      `UPDATE contacts SET ready = 1, wait_reason = NULL, updated_at = max(updated_at + 1, $now) WHERE id IN (
        SELECT id FROM contacts WHERE campaign_id = $campaign AND status = 'pending' and ready = 0
          AND next_attempt_at <= $now AND callback_agent_id IS NULL ORDER BY next_attempt_at LIMIT $limit)`,
    ),
    nextWaiting: db.prepare(
      `SELECT min(next_attempt_at) AS m FROM contacts WHERE campaign_id = ? AND status = 'pending' AND ready = 0
        AND callback_agent_id IS NULL`,
    ),
    queue: db.prepare(
      `SELECT ${CANDIDATE_COLUMNS} FROM contacts WHERE campaign_id = ? AND ready = 1
        ORDER BY priority, order_class, next_attempt_at, id LIMIT ?`,
    ),
    held: db.prepare(
      `SELECT ${CANDIDATE_COLUMNS} FROM contacts WHERE id = ? AND campaign_id = ? AND status = 'pending'
        AND callback_agent_id = ? AND next_attempt_at <= ?`,
    ),
    start: db.prepare(
      `UPDATE contacts SET status = 'in_progress', ready = 0, attempts = ?, phone_index = ?, phone_attempts = ?,
        lease_owner = ?, lease_expires_at = ?, last_attempt_at = ?, wait_reason = NULL, updated_at = ? WHERE id = ?`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO attempts (account_id, campaign_id, contact_id, seq, phone, phone_index, caller_id, started_at, owner)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    defer: db.prepare(
      `UPDATE contacts SET ready = 0, next_attempt_at = ?, wait_reason = ${heldOr("?")}, updated_at = ?
        WHERE id = ?`,
    ),
    finalize: db.prepare(
      `UPDATE contacts SET status = ?, ready = 0, wait_reason = ?, callback_agent_id = NULL, updated_at = ?
        WHERE id = ?`,
    ),
    recentByPhone: db.prepare(
      `SELECT phone, started_at, ended_at FROM attempts
        WHERE account_id = $1 AND phone IN (SELECT value FROM json_each($2)) AND ${RECENT_BY_PHONE_WHERE}
      UNION ALL ${deletedCampaignsCalls("phone IN (SELECT value FROM json_each($2))")}`,
    ),
    recentByContact: db.prepare(
      `SELECT contact_id, started_at FROM attempts
        WHERE contact_id IN (SELECT value FROM json_each(?)) AND started_at >= ?`,
    ),
    endAttempt: db.prepare(
      `UPDATE attempts SET answered_at = ?, ended_at = ?, outcome = ?, cause = ?, talk_sec = ?, success = ?, details = ?
        WHERE id = ? AND ended_at IS NULL`,
    ),
    endSweptAttempt: db.prepare(
      `UPDATE attempts SET answered_at = ?, ended_at = ?, outcome = ?, cause = ?, talk_sec = ?, success = ?, details = ?
        WHERE id = ? AND ${sweptAsLost("attempts")}`,
    ),
    contactNext: db.prepare(
      `UPDATE contacts SET status = 'pending', ready = ?, next_attempt_at = ?, phone_index = ?, phone_attempts = ?,
        retry_counts = ?, order_class = ?, wait_reason = ?, last_outcome = ?, abandoned_at = coalesce(?, abandoned_at), lease_owner = NULL,
        lease_expires_at = NULL, callback_agent_id = NULL, updated_at = ?
        WHERE id = ? AND status = 'in_progress' AND lease_owner = ? AND ${CURRENT_ATTEMPT}`,
    ),
    contactFinal: db.prepare(
      `UPDATE contacts SET status = ?, ready = 0, phone_attempts = ?, retry_counts = ?, wait_reason = ?,
        last_outcome = ?, abandoned_at = coalesce(?, abandoned_at), lease_owner = NULL, lease_expires_at = NULL, callback_agent_id = NULL, updated_at = ?
        WHERE id = ? AND status = 'in_progress' AND lease_owner = ? AND ${CURRENT_ATTEMPT}`,
    ),
    contactNextExpired: db.prepare(
      `UPDATE contacts SET status = 'pending', ready = ?, next_attempt_at = ?, phone_index = ?, phone_attempts = ?,
        retry_counts = ?, order_class = ?, wait_reason = ?, last_outcome = ?, abandoned_at = coalesce(?, abandoned_at), lease_owner = NULL,
        lease_expires_at = NULL, callback_agent_id = NULL, updated_at = ?
        WHERE id = ? AND status = 'in_progress' AND ${leaseLapsed("contacts", "?")}`,
    ),
    contactFinalExpired: db.prepare(
      `UPDATE contacts SET status = ?, ready = 0, phone_attempts = ?, retry_counts = ?, wait_reason = ?,
        last_outcome = ?, abandoned_at = coalesce(?, abandoned_at), lease_owner = NULL, lease_expires_at = NULL, callback_agent_id = NULL, updated_at = ?
        WHERE id = ? AND status = 'in_progress' AND ${leaseLapsed("contacts", "?")}`,
    ),
    release: db.prepare(releaseSql(false, ["?", "?", "?", "?", "?", "?"])),
    releaseExpired: db.prepare(releaseSql(true, ["?", "?", "?", "?", "?"])),
    reserve: db.prepare("UPDATE attempts SET reserved = ? WHERE id = ?"),
    releasedTouch: db.prepare(releasedTouchSql(["?", "?"], "max")),
    deferReleased: db.prepare(
      `UPDATE contacts SET ready = 0, next_attempt_at = ?, wait_reason = ${heldOr("?")} WHERE id = ? AND status = 'pending'`,
    ),
    markDialed: db.prepare(markDialedSql("?", "?")),
    expireOwn: db.prepare(
      `UPDATE contacts SET lease_owner = ?, lease_expires_at = 0 WHERE status = 'in_progress' AND lease_owner = ?`,
    ),
    deleteAttempt: db.prepare("DELETE FROM attempts WHERE id = ? AND ended_at IS NULL"),
    stillReserved: db.prepare(STILL_RESERVED_SQL),
    redateAttempt: db.prepare("UPDATE attempts SET started_at = ? WHERE id = ?"),
    redateContact: db.prepare("UPDATE contacts SET last_attempt_at = ? WHERE id = ?"),
    renewOwnHeartbeat: db.prepare(renewHeartbeatSql(["?", "?", "?"])),
    claimHeartbeat: db.prepare(claimHeartbeatSql(["?", "?", "?", "?"])),
    heartbeatHolder: db.prepare(heartbeatHolderSql(["?"])),
    releaseHeartbeat: db.prepare(releaseHeartbeatSql(["?", "?"])),
    forgetHeartbeats: db.prepare("DELETE FROM node_heartbeats WHERE alive_until < ?"),
    abandonedAttempt: db.prepare(abandonedAttemptSql(["?", "?"])),
    abandonedContact: db.prepare(abandonedContactSql(["?", "?", "?"])),
    expired: db.prepare(
      `SELECT ${EXPIRED_LEASE_COLUMNS}
        FROM contacts c LEFT JOIN attempts a ON a.contact_id = c.id AND a.seq = c.attempts
        WHERE c.status = 'in_progress' AND ${leaseLapsed("c", "?")} ORDER BY c.lease_expires_at LIMIT ?`,
    ),
    insertEvent: db.prepare(
      outboxInsertSql(`(SELECT ${EVENT_COLUMNS.map((k) => `? AS ${k}`).join(", ")}, 0 AS ord) AS v`),
    ),
    accountHasWebhook: db.prepare("SELECT 1 FROM webhooks WHERE account_id = ? AND active = 1 LIMIT 1"),
    chargeBalance: db.prepare(
      "UPDATE accounts SET balance_micros = balance_micros - ? WHERE id = ? AND balance_micros IS NOT NULL",
    ),
    insertCharge: db.prepare(
      `INSERT INTO balance_transactions (account_id, kind, amount_micros, attempt_id, note, created_at)
        VALUES (?, 'charge', ?, ?, NULL, ?)`,
    ),
    settledCounts: db.prepare(SETTLED_COUNTS),
    liveCounts: db.prepare(LIVE_COUNTS),
    waiting: db.prepare(WAITING_SUMMARY),
    dncAny: db.prepare(DNC_ANY),
    dncAmong: db.prepare(DNC_AMONG_SQLITE),
    withdrawn: db.prepare("SELECT 1 FROM contacts WHERE id = ? AND withdrawn_at IS NOT NULL"),
    allDue: db.prepare(
      `UPDATE contacts SET ready = 1, next_attempt_at = ?, wait_reason = NULL, updated_at = ?
        WHERE campaign_id = ? AND status = 'pending' AND callback_agent_id IS NULL`,
    ),
  };

  function loadRecent(accountId: number, rows: Candidate[], since: number): RecentCalls {
    const recent: RecentCalls = { byPhone: new Map(), byContact: new Map(), phoneBusyUntil: new Map() };
    const byContact = recent.byContact;
    const phones = new Set<string>();
    for (const r of rows) for (const p of JSON.parse(r.phones) as string[]) phones.add(p);
    for (const row of s.recentByPhone.all({ 1: accountId, 2: JSON.stringify([...phones]), 3: since }) as {
      phone: string;
      started_at: number;
      ended_at: number | null;
    }[]) {
      noteRecentCall(recent, row.phone, row.started_at, row.ended_at);
    }
    for (const row of s.recentByContact.all(JSON.stringify(rows.map((r) => r.id)), since) as {
      contact_id: number;
      started_at: number;
    }[]) {
      const list = byContact.get(row.contact_id) ?? [];
      list.push(row.started_at);
      byContact.set(row.contact_id, list);
    }
    return recent;
  }

  /**
   * The outbox writes of one transaction. Events are built only for an account with an active subscription
   * as this transaction reads the webhooks table (once per account): every attempt's end carries its events
   * lazily (LazyEvents), and an account without subscriptions pays one indexed lookup per batch for them.
   * Each event is one insert, which picks the subscriptions taking it (outboxInsertSql).
   */
  function outboxWrites() {
    const hooked = new Map<number, boolean>();
    const hasWebhook = (accountId: number): boolean => {
      let has = hooked.get(accountId);
      if (has === undefined) {
        has = s.accountHasWebhook.get(accountId) !== undefined;
        hooked.set(accountId, has);
      }
      return has;
    };
    const w = {
      /** Outbox rows written so far. */
      written: 0,
      write(accountId: number, build: () => EventRow[]): void {
        if (!hasWebhook(accountId)) return;
        for (const e of build()) w.written += s.insertEvent.run(...EVENT_COLUMNS.map((k) => e[k])).changes;
      },
      lazy(events: LazyEvents | undefined): void {
        if (events) w.write(events.accountId, () => events.build());
      },
    };
    return w;
  }
  type OutboxWrites = ReturnType<typeof outboxWrites>;

  /** better-sqlite3 would nest a batch into a transaction someone else left open on this connection as a
   *  savepoint, and their rollback would undo claims already dialed. Refuse; the dispatcher retries. */
  function ownTransaction(): void {
    if (db.inTransaction) throw new Error("dispatch store: a transaction is already open on this connection");
  }

  const claimTx = db.transaction((req: ClaimRequest): ClaimResult => {
    const outbox = outboxWrites();
    if (req.finished?.length) applyFinished(req.finished, outbox);
    let nextWaitingAt: number | null | undefined;
    if (req.promoteDue) {
      s.promote.run({ campaign: req.campaignId, now: req.now, limit: PROMOTE_LIMIT });
      nextWaitingAt = (s.nextWaiting.get(req.campaignId) as { m: number | null }).m;
    }
    const rows = (
      req.held === undefined
        ? s.queue.all(req.campaignId, req.limit)
        : s.held.all(req.held.contactId, req.campaignId, req.held.agentId, req.now)
    ) as Candidate[];
    if (rows.length === 0) return { started: [], examined: 0, nextWaitingAt, eventsWritten: outbox.written };
    if (s.dncAny.get({ 1: rows[0].account_id, 2: req.now, 3: req.campaignId })) {
      const phones = JSON.stringify(batchPhones(rows));
      const among = { 1: rows[0].account_id, 2: phones, 3: req.now, 4: req.campaignId };
      markListed(
        rows,
        (s.dncAmong.all(among) as { phone: string }[]).map((r) => r.phone),
      );
    }
    const recent = req.recentSince !== null ? loadRecent(rows[0].account_id, rows, req.recentSince) : null;
    const started: StartedAttempt[] = [];
    for (const c of rows) {
      const d = req.decide(c, recent);
      if (d.kind === "start") {
        const seq = c.attempts + 1;
        s.start.run(seq, d.phoneIndex, d.phoneAttempts, req.owner, req.leaseUntil, d.at, req.now, c.id);
        const info = s.insertAttempt.run(
          c.account_id,
          c.campaign_id,
          c.id,
          seq,
          d.phone,
          d.phoneIndex,
          d.callerId,
          d.at,
          req.owner,
        );
        const attemptId = Number(info.lastInsertRowid);
        if (claimReserves(req, d)) s.reserve.run(reservedJson(c), attemptId);
        started.push({ attemptId, contact: c, seq, decision: d });
      } else if (d.kind === "defer") {
        s.defer.run(d.until, d.reason, req.now, c.id);
      } else {
        s.finalize.run(d.status, d.reason, req.now, c.id);
        const settled = req.settledEvents;
        if (settled) outbox.write(c.account_id, () => settled(c, d));
      }
    }
    return { started, examined: rows.length, nextWaitingAt, eventsWritten: outbox.written };
  });

  function applyFinished(items: FinishedAttempt[], outbox: OutboxWrites): number {
    let applied = 0;
    for (const f of items) {
      const c = f.contact;
      let changes: number;
      if ("nextAt" in c) {
        const ready = c.nextAt <= f.now ? 1 : 0;
        const args = [
          ready,
          c.nextAt,
          c.phoneIndex,
          c.phoneAttempts,
          c.retryCounts,
          c.orderClass,
          c.waitReason,
          f.outcome,
          abandonedAt(f),
          f.now,
          f.contactId,
        ];
        changes =
          f.owner === null
            ? s.contactNextExpired.run(...args, f.now).changes
            : s.contactNext.run(...args, f.owner, f.attemptId).changes;
      } else {
        const args = [
          c.status,
          c.phoneAttempts,
          c.retryCounts,
          c.waitReason,
          f.outcome,
          abandonedAt(f),
          f.now,
          f.contactId,
        ];
        changes =
          f.owner === null
            ? s.contactFinalExpired.run(...args, f.now).changes
            : s.contactFinal.run(...args, f.owner, f.attemptId).changes;
      }
      if (changes === 0) {
        // This node's call outlived its lease (a stall) and another node's sweep recorded it lost: see
        // sweptAsLost.
        if (f.owner !== null && s.endSweptAttempt.run(...attemptEnd(f)).changes > 0) {
          charge(f);
          outbox.lazy(f.correctionEvents);
        }
        continue;
      }
      applied++;
      outbox.lazy(f.events);
      charge(f);
      s.endAttempt.run(...attemptEnd(f));
      // Rare (agents' dials only), so kept out of the statements every attempt runs.
      if (f.dialedAt !== undefined) {
        s.redateAttempt.run(f.dialedAt, f.attemptId);
        s.redateContact.run(f.dialedAt, f.contactId);
      }
    }
    return applied;
  }
  function attemptEnd(f: FinishedAttempt) {
    return [
      f.answeredAt,
      f.endedAt,
      f.outcome,
      f.cause,
      f.talkSec,
      f.success ? 1 : 0,
      f.details,
      f.attemptId,
    ] as const;
  }
  function charge(f: FinishedAttempt): void {
    if (!f.charge || f.charge.micros <= 0) return;
    s.chargeBalance.run(f.charge.micros, f.charge.accountId);
    s.insertCharge.run(f.charge.accountId, -f.charge.micros, f.attemptId, f.now);
  }
  const finishTx = db.transaction((items: FinishedAttempt[]) => {
    const outbox = outboxWrites();
    const applied = applyFinished(items, outbox);
    return { applied, eventsWritten: outbox.written };
  });

  const releaseTx = db.transaction((items: ReleasedDial[]) => {
    for (const r of items) {
      // A sweep's give-back of a preview its stalled owner dialed meanwhile (markDialed): that call is
      // not undone; the next sweep records it lost, and the owner's own result, if it comes, stands.
      if (typeof r.owner !== "string" && !s.stillReserved.get(r.attemptId)) continue;
      const restored = [r.attempts, r.phoneIndex, r.phoneAttempts, r.contactId] as const;
      const changed = (
        typeof r.owner === "string"
          ? s.release.run(...restored, r.owner, r.attemptId)
          : s.releaseExpired.run(...restored, r.owner.expiredBefore)
      ).changes;
      if (!changed) continue;
      s.deleteAttempt.run(r.attemptId);
      if (r.defer) s.deferReleased.run(r.defer.until, r.defer.reason, r.contactId);
      s.releasedTouch.run(r.releasedAt ?? 0, r.contactId);
    }
  });

  // The claim and, when it changed nothing, the read of the row that kept it: one transaction, so the row
  // read is the one that refused the claim.
  const claimHeartbeatTx = db.transaction(
    (owner: string, token: string, aliveUntil: number, now: number): HeartbeatHolder | null => {
      if (s.claimHeartbeat.run(owner, aliveUntil, token, now).changes === 1) return null;
      const row = s.heartbeatHolder.get(owner) as { process_token: string | null; alive_until: number };
      return { token: row.process_token, aliveUntil: Number(row.alive_until) };
    },
  );
  const abandonTx = db.transaction((a: AbandonRecord) => {
    s.abandonedAttempt.run(a.answeredAt, a.attemptId);
    s.abandonedContact.run(a.at, a.at, a.contactId);
  });

  const allDueTx = db.transaction(
    (campaignId: number, now: number) => s.allDue.run(now, now, campaignId).changes,
  );

  return {
    async promoteDue(campaignId, now, limit = PROMOTE_LIMIT) {
      return s.promote.run({ campaign: campaignId, now, limit }).changes;
    },
    async nextWaitingAt(campaignId) {
      const row = s.nextWaiting.get(campaignId) as { m: number | null };
      return row.m;
    },
    async claim(req) {
      ownTransaction();
      return claimTx.immediate(req);
    },
    async finish(items) {
      if (items.length === 0) return { applied: 0, eventsWritten: 0 };
      ownTransaction();
      return finishTx.immediate(items);
    },
    async release(items) {
      if (items.length === 0) return;
      ownTransaction();
      releaseTx.immediate(items);
    },
    async listedPhones(accountId, campaignId, phones, now) {
      const among = { 1: accountId, 2: JSON.stringify(phones), 3: now, 4: campaignId };
      return (s.dncAmong.all(among) as { phone: string }[]).map((r) => r.phone);
    },
    async isWithdrawn(contactId) {
      return s.withdrawn.get(contactId) !== undefined;
    },
    async markDialed(attemptId, now) {
      // An agent's request, not a dispatcher pass that can simply retry: wait out another's transaction.
      await noTransactionOpen(db, 10_000);
      return s.markDialed.run(attemptId, now).changes === 1;
    },
    async expireLeasesOf(owner) {
      await noTransactionOpen(db, 10_000);
      return s.expireOwn.run(earlierProcessOf(owner), owner).changes;
    },
    async heartbeat(owner, aliveUntil, now, token) {
      if (s.renewOwnHeartbeat.run(owner, aliveUntil, token).changes === 0) throw heartbeatTaken(owner);
      s.forgetHeartbeats.run(now - HEARTBEAT_MEMORY_MS);
    },
    async claimHeartbeat(owner, token, aliveUntil, now) {
      if (db.inTransaction) await noTransactionOpen(db, 10_000);
      return claimHeartbeatTx.immediate(owner, token, aliveUntil, now);
    },
    async releaseHeartbeat(owner, token) {
      s.releaseHeartbeat.run(owner, token);
    },
    async recordAbandon(a) {
      // Written at once when no other transaction is open (the usual case): the hang-up waits for it.
      if (db.inTransaction) await noTransactionOpen(db, 10_000);
      abandonTx.immediate(a);
    },
    async expiredLeases(now, limit) {
      return (s.expired.all(now, limit) as ExpiredLeaseRow[]).map(expiredLease);
    },
    async countByStatus(campaignId) {
      return statusCounts(
        s.settledCounts.all({ 1: campaignId }) as { status: string; n: number }[],
        s.liveCounts.get({ 1: campaignId }) as LiveCounts,
      );
    },
    async waitingSummary(campaignId, now) {
      return (
        s.waiting.all({ 1: campaignId, 2: now }) as { reason: string; n: number; next_at: number | null }[]
      ).map((r): WaitingSummary => ({ reason: r.reason, count: Number(r.n), nextAt: r.next_at }));
    },
    async makeAllDue(campaignId, now) {
      return allDueTx.immediate(campaignId, now);
    },
  };
}
