// The store contract suite for the dispatch hot path: the same assertions on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import type { Candidate, ClaimDecision, DispatchStore } from "../../src/store/dispatch/types.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const start = (c: Candidate, at: number): ClaimDecision => ({
  kind: "start",
  at,
  phoneIndex: c.phone_index,
  phone: (JSON.parse(c.phones) as string[])[c.phone_index],
  callerId: "+15550000000",
  phoneAttempts: JSON.stringify([1]),
});

for (const dialect of dialects()) {
  describe(`dispatch store contract (${dialect.name})`, () => {
    // Every test gets a database of its own: leases and sweeps are global, so tests must not share rows.
    let store: Store;
    let ds: DispatchStore;
    let accountId: number;
    beforeEach(async () => {
      store = await dialect.open();
      ds = openDispatchStore(store);
      accountId = await createAccount(store);
    });
    afterEach(async () => {
      await store.close();
    });

    /** Claims up to `limit` queued contacts and starts every one at `now`. */
    function claimStarting(
      campaignId: number,
      o: { limit: number; owner: string; now: number; leaseUntil: number },
    ) {
      return ds.claim({ campaignId, ...o, recentSince: null, decide: (x) => start(x, o.now) });
    }

    async function campaign(n: number, opts: { priorities?: number[]; times?: number[] } = {}) {
      const ids = await createCampaign(store, accountId);
      const contactIds = await addContacts(
        store,
        { accountId, ...ids },
        Array.from({ length: n }, (_, i) => ({
          phones: [`+1202555${String(1000 + i)}`],
          priority: opts.priorities?.[i] ?? 0,
        })),
      );
      if (opts.times) {
        for (let i = 0; i < n; i++) {
          await store.db
            .updateTable("contacts")
            .set({ next_attempt_at: opts.times[i] })
            .where("id", "=", contactIds[i])
            .execute();
        }
      }
      return { ...ids, contactIds };
    }

    test("migrations are idempotent on a second open", async () => {
      const { migrateToLatest } = await import("../../src/store/migrate.ts");
      // In the store's own schema: the bookkeeping tables of other tests' schemas must not be read.
      await migrateToLatest(store.db, store.schema);
      const n = await store.db
        .selectFrom("contacts")
        .select(store.db.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      assert.ok(Number(n.n) >= 0);
    });

    test("promoteDue queues only contacts whose time has come; nextWaitingAt sees the rest", async () => {
      const c = await campaign(3, { times: [100, 200, 300] });
      assert.equal(await ds.nextWaitingAt(c.campaignId), 100);
      assert.equal(await ds.promoteDue(c.campaignId, 200), 2);
      assert.equal(await ds.nextWaitingAt(c.campaignId), 300);
      const summary = await ds.waitingSummary(c.campaignId, 200);
      assert.deepEqual(summary.find((s) => s.reason === "due")?.count, 2);
      // Not promoted yet but already due: counted as due, not as waiting.
      const later = await ds.waitingSummary(c.campaignId, 300);
      assert.deepEqual(
        later.map((w) => [w.reason, w.count, w.nextAt]),
        [["due", 3, 100]],
      );
    });

    test("promoteDue moves at most its limit, earliest first", async () => {
      const c = await campaign(4, { times: [40, 10, 30, 20] });
      assert.equal(await ds.promoteDue(c.campaignId, 100, 3), 3);
      assert.equal(await ds.nextWaitingAt(c.campaignId), 40);
      assert.equal(await ds.promoteDue(c.campaignId, 100, 3), 1);
      assert.equal(await ds.nextWaitingAt(c.campaignId), null);
    });

    test("a claim can promote due contacts first and report the next waiting time", async () => {
      const c = await campaign(3, { times: [100, 200, 900] });
      const res = await ds.claim({
        campaignId: c.campaignId,
        limit: 5,
        owner: "node-a",
        now: 500,
        leaseUntil: 60_000,
        recentSince: null,
        promoteDue: true,
        decide: (cand) => start(cand, 500),
      });
      assert.deepEqual(
        res.started.map((x) => x.contact.id),
        [c.contactIds[0], c.contactIds[1]],
      );
      assert.equal(res.examined, 2);
      assert.equal(res.nextWaitingAt, 900);
    });

    test("counts by status add up from the settled, queue, waiting and lease indexes", async () => {
      const c = await campaign(6, { times: [10, 20, 30, 40, 50, 5000] });
      await ds.promoteDue(c.campaignId, 100);
      let k = 0;
      const res = await ds.claim({
        campaignId: c.campaignId,
        limit: 5,
        owner: "node-a",
        now: 100,
        leaseUntil: 60_000,
        recentSince: null,
        // two start, one defers to a later time, two are settled for good
        decide: (cand): ClaimDecision => {
          k++;
          if (k <= 2) return start(cand, 100);
          if (k === 3) return { kind: "defer", until: 9000, reason: "window" };
          return { kind: "final", status: "suppressed", reason: "test" };
        },
      });
      assert.equal(res.started.length, 2);
      await ds.finish([
        {
          attemptId: res.started[0].attemptId,
          contactId: res.started[0].contact.id,
          owner: "node-a",
          now: 200,
          answeredAt: 150,
          endedAt: 200,
          outcome: "human",
          cause: "normal",
          talkSec: 50,
          success: true,
          details: null,
          contact: { status: "succeeded", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "success" },
        },
      ]);
      assert.deepEqual(await ds.countByStatus(c.campaignId), {
        succeeded: 1,
        suppressed: 2,
        in_progress: 1,
        pending: 2,
      });
      const summary = await ds.waitingSummary(c.campaignId, 200);
      assert.deepEqual(
        summary.map((w) => [w.reason, w.count, w.nextAt]),
        [
          ["scheduled", 1, 5000],
          ["window", 1, 9000],
        ],
      );
    });

    test("claim takes queued contacts in priority order and writes one attempt per start", async () => {
      const c = await campaign(4, { priorities: [5, 1, 3, 0], times: [10, 20, 30, 40] });
      await ds.promoteDue(c.campaignId, 1000);
      const res = await claimStarting(c.campaignId, {
        limit: 3,
        owner: "node-a",
        now: 1000,
        leaseUntil: 61_000,
      });
      assert.equal(res.examined, 3);
      assert.deepEqual(
        res.started.map((s) => s.contact.id),
        [c.contactIds[3], c.contactIds[1], c.contactIds[2]],
      );
      const attempts = await store.db
        .selectFrom("attempts")
        .selectAll()
        .where("campaign_id", "=", c.campaignId)
        .execute();
      assert.equal(attempts.length, 3);
      assert.ok(attempts.every((a) => a.seq === 1 && a.owner === "node-a" && a.ended_at === null));
      const rows = await store.db
        .selectFrom("contacts")
        .selectAll()
        .where("campaign_id", "=", c.campaignId)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        rows.map((r) => r.status),
        ["pending", "in_progress", "in_progress", "in_progress"],
      );
      assert.equal(rows[1].lease_owner, "node-a");
      assert.equal(rows[1].lease_expires_at, 61_000);
    });

    test("a second claim never takes a contact the first one holds", async () => {
      const c = await campaign(20);
      await ds.promoteDue(c.campaignId, 0);
      const claim = (owner: string) =>
        ds.claim({
          campaignId: c.campaignId,
          limit: 15,
          owner,
          now: 0,
          leaseUntil: 1000,
          recentSince: null,
          decide: (x) => start(x, 0),
        });
      const [a, b] = await Promise.all([claim("a"), claim("b")]);
      const ids = [...a.started, ...b.started].map((s) => s.contact.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids.length, 20);
    });

    test("defer and final decisions take contacts out of the queue", async () => {
      const c = await campaign(2);
      await ds.promoteDue(c.campaignId, 0);
      let i = 0;
      const res = await ds.claim({
        campaignId: c.campaignId,
        limit: 10,
        owner: "a",
        now: 0,
        leaseUntil: 1000,
        recentSince: null,
        decide: () =>
          i++ === 0
            ? { kind: "defer", until: 5000, reason: "callee_window" }
            : { kind: "final", status: "exhausted", reason: "no_phone_left" },
      });
      assert.equal(res.started.length, 0);
      assert.equal(res.examined, 2);
      const rows = await store.db
        .selectFrom("contacts")
        .selectAll()
        .where("campaign_id", "=", c.campaignId)
        .orderBy("id")
        .execute();
      assert.equal(rows[0].status, "pending");
      assert.equal(rows[0].ready, 0);
      assert.equal(rows[0].next_attempt_at, 5000);
      assert.equal(rows[0].wait_reason, "callee_window");
      assert.equal(rows[1].status, "exhausted");
      const summary = await ds.waitingSummary(c.campaignId, 1000);
      assert.deepEqual(summary, [{ reason: "callee_window", count: 1, nextAt: 5000 }]);
    });

    test("finish applies only for the lease owner; an expired lease is reconciled once", async () => {
      const c = await campaign(2);
      await ds.promoteDue(c.campaignId, 0);
      const res = await claimStarting(c.campaignId, { limit: 2, owner: "a", now: 0, leaseUntil: 1000 });
      const [s1, s2] = res.started;
      const base = {
        now: 500,
        answeredAt: 100,
        endedAt: 500,
        outcome: "human",
        cause: "normal",
        talkSec: 40,
        success: true,
        details: null,
      };
      const final = { status: "succeeded", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "success" };
      assert.equal(
        (
          await ds.finish([
            { ...base, attemptId: s1.attemptId, contactId: s1.contact.id, owner: "intruder", contact: final },
          ])
        ).applied,
        0,
      );
      assert.equal(
        (
          await ds.finish([
            { ...base, attemptId: s1.attemptId, contactId: s1.contact.id, owner: "a", contact: final },
          ])
        ).applied,
        1,
      );
      const a1 = await store.db
        .selectFrom("attempts")
        .selectAll()
        .where("id", "=", s1.attemptId)
        .executeTakeFirstOrThrow();
      assert.equal(a1.outcome, "human");
      assert.equal(a1.talk_sec, 40);
      assert.equal(a1.success, 1);

      assert.deepEqual(await ds.expiredLeases(999, 10), []);
      const expired = await ds.expiredLeases(2000, 10);
      assert.equal(expired.length, 1);
      assert.equal(expired[0].contact.id, s2.contact.id);
      assert.equal(expired[0].attemptId, s2.attemptId);
      assert.equal(expired[0].owner, "a");
      const lost = {
        ...base,
        now: 2000,
        endedAt: 2000,
        outcome: "lost",
        attemptId: s2.attemptId,
        contactId: s2.contact.id,
        owner: null,
        contact: {
          status: "pending" as const,
          nextAt: 2000,
          phoneIndex: 0,
          phoneAttempts: "[1]",
          retryCounts: "{}",
          orderClass: 1,
          waitReason: "retry",
        },
      };
      assert.equal((await ds.finish([lost])).applied, 1);
      assert.equal((await ds.finish([lost])).applied, 0, "a second reconciliation changes nothing");
      // The late result of the dead owner is ignored: the lease moved on.
      assert.equal(
        (
          await ds.finish([
            { ...base, attemptId: s2.attemptId, contactId: s2.contact.id, owner: "a", contact: final },
          ])
        ).applied,
        0,
      );
      const row = await store.db
        .selectFrom("contacts")
        .selectAll()
        .where("id", "=", s2.contact.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "pending");
      assert.equal(row.ready, 1);
      const a2 = await store.db
        .selectFrom("attempts")
        .selectAll()
        .where("id", "=", s2.attemptId)
        .executeTakeFirstOrThrow();
      assert.equal(a2.outcome, "lost");
    });

    test("release gives a never-dialed claim back as if it had not happened", async () => {
      const c = await campaign(1);
      await ds.promoteDue(c.campaignId, 0);
      const res = await ds.claim({
        campaignId: c.campaignId,
        limit: 1,
        owner: "a",
        now: 0,
        leaseUntil: 1000,
        recentSince: null,
        decide: (x) => start(x, 500),
      });
      const s = res.started[0];
      await ds.release([
        {
          attemptId: s.attemptId,
          contactId: s.contact.id,
          owner: "a",
          attempts: 0,
          phoneIndex: 0,
          phoneAttempts: "[0]",
        },
      ]);
      const row = await store.db
        .selectFrom("contacts")
        .selectAll()
        .where("id", "=", s.contact.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "pending");
      assert.equal(row.attempts, 0);
      assert.equal(row.ready, 1);
      assert.equal(row.lease_owner, null);
      const n = await store.db
        .selectFrom("attempts")
        .select("id")
        .where("contact_id", "=", s.contact.id)
        .execute();
      assert.equal(n.length, 0);
    });

    test("an attempt dialed after its claim is dated by the dial; one dialed as claimed keeps its start", async () => {
      const c = await campaign(2);
      await ds.promoteDue(c.campaignId, 0);
      const res = await claimStarting(c.campaignId, { limit: 2, owner: "a", now: 1000, leaseUntil: 600_000 });
      const [late, onTime] = res.started;
      const ended = (s: typeof late, dialedAt?: number) => ({
        attemptId: s.attemptId,
        contactId: s.contact.id,
        owner: "a",
        now: 90_000,
        answeredAt: 80_000,
        endedAt: 90_000,
        outcome: "human",
        cause: "normal",
        talkSec: 10,
        success: true,
        details: null,
        contact: { status: "succeeded", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "success" },
        ...(dialedAt === undefined ? {} : { dialedAt }),
      });
      assert.equal((await ds.finish([ended(late, 61_000), ended(onTime)])).applied, 2);
      const attempt = (id: number) =>
        store.db.selectFrom("attempts").select("started_at").where("id", "=", id).executeTakeFirstOrThrow();
      const contact = (id: number) =>
        store.db
          .selectFrom("contacts")
          .select("last_attempt_at")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
      assert.equal(Number((await attempt(late.attemptId)).started_at), 61_000);
      assert.equal(Number((await contact(late.contact.id)).last_attempt_at), 61_000);
      assert.equal(Number((await attempt(onTime.attemptId)).started_at), 1000);
      assert.equal(Number((await contact(onTime.contact.id)).last_attempt_at), 1000);
    });

    test("a live owner's heartbeat keeps its leases past their claim-time expiry; once it lapses they expire", async () => {
      const c = await campaign(3);
      await ds.promoteDue(c.campaignId, 0);
      const a = await claimStarting(c.campaignId, { limit: 2, owner: "a", now: 0, leaseUntil: 1000 });
      await claimStarting(c.campaignId, { limit: 1, owner: "b", now: 0, leaseUntil: 1000 });
      await ds.heartbeat("a", 5000, 0, "p1");
      const expiredAt = async (now: number) =>
        (await ds.expiredLeases(now, 10))
          .map((e) => e.owner)
          .sort((x, y) => String(x).localeCompare(String(y)));
      assert.deepEqual(await expiredAt(999), [], "nothing before the claim-time expiry");
      assert.deepEqual(
        await expiredAt(3000),
        ["b"],
        "a's heartbeat holds its two; b, with none, has its own",
      );
      assert.deepEqual(await expiredAt(5000), ["b"], "alive up to and including alive_until");
      assert.deepEqual(await expiredAt(5001), ["a", "a", "b"]);
      // A heartbeat renewed before the sweep's write wins over the sweep's earlier read: neither the lost
      // outcome nor the release of a preview takes a contact whose owner is alive again.
      await ds.heartbeat("a", 9000, 5001, "p1");
      const [first, second] = a.started;
      // The second, a preview never dialed (a sweep gives back only those; a dialed one is lost).
      await store.db
        .updateTable("attempts")
        .set({ reserved: JSON.stringify({ attempts: 0, phoneIndex: 0, phoneAttempts: "[0]" }) })
        .where("id", "=", second.attemptId)
        .execute();
      const lost = {
        attemptId: first.attemptId,
        contactId: first.contact.id,
        owner: null,
        now: 6000,
        answeredAt: null,
        endedAt: 6000,
        outcome: "lost",
        cause: null,
        talkSec: 0,
        success: false,
        details: null,
        contact: {
          status: "pending" as const,
          nextAt: 6000,
          phoneIndex: 0,
          phoneAttempts: "[1]",
          retryCounts: "{}",
          orderClass: 1,
          waitReason: "retry",
        },
      };
      assert.equal((await ds.finish([lost])).applied, 0);
      const released = {
        attemptId: second.attemptId,
        contactId: second.contact.id,
        owner: { expiredBefore: 6000 },
        attempts: 0,
        phoneIndex: 0,
        phoneAttempts: "[0]",
      };
      await ds.release([released]);
      const statusOf = async (id: number) =>
        (
          await store.db
            .selectFrom("contacts")
            .select("status")
            .where("id", "=", id)
            .executeTakeFirstOrThrow()
        ).status;
      assert.equal(await statusOf(first.contact.id), "in_progress");
      assert.equal(await statusOf(second.contact.id), "in_progress");
      // Past the renewed heartbeat both go.
      assert.equal((await ds.finish([{ ...lost, now: 9001, endedAt: 9001 }])).applied, 1);
      await ds.release([{ ...released, owner: { expiredBefore: 9001 } }]);
      assert.equal(await statusOf(first.contact.id), "pending");
      assert.equal(await statusOf(second.contact.id), "pending");
      // Heartbeats lapsed for a day are forgotten; one lapsed for less, and live ones, stay.
      const day = 86_400_000;
      await ds.heartbeat("c", 100_000_000 - day + 1, 0, "p1");
      await ds.heartbeat("d", 200_000_000, 0, "p1");
      await ds.heartbeat("b", 200_000_000, 100_000_000, "p1");
      const nodes = async () =>
        (await store.db.selectFrom("node_heartbeats").select("node_id").orderBy("node_id").execute()).map(
          (n) => n.node_id,
        );
      assert.deepEqual(await nodes(), ["b", "c", "d"]);
    });

    test("an attempt number is unique per contact", async () => {
      const c = await campaign(1);
      const row = {
        account_id: accountId,
        campaign_id: c.campaignId,
        contact_id: c.contactIds[0],
        seq: 1,
        phone: "+12025551000",
        phone_index: 0,
        caller_id: null,
        started_at: 0,
        owner: "a",
      };
      await store.db.insertInto("attempts").values(row).execute();
      await assert.rejects(store.db.insertInto("attempts").values(row).execute());
    });

    test("recent calls reach decide for caps", async () => {
      const c = await campaign(1);
      await store.db
        .insertInto("attempts")
        .values({
          account_id: accountId,
          campaign_id: c.campaignId,
          contact_id: c.contactIds[0],
          seq: 1,
          phone: "+12025551000",
          phone_index: 0,
          caller_id: null,
          started_at: 700,
          owner: "x",
        })
        .execute();
      await ds.promoteDue(c.campaignId, 1000);
      let seen: number[] | undefined;
      await ds.claim({
        campaignId: c.campaignId,
        limit: 1,
        owner: "a",
        now: 1000,
        leaseUntil: 2000,
        recentSince: 500,
        decide: (_x, recent) => {
          seen = recent?.byPhone.get("+12025551000");
          return { kind: "defer", until: 5000, reason: "min_gap" };
        },
      });
      assert.deepEqual(seen, [700]);
    });
  });
}

describe("dispatch store across nodes (postgres)", () => {
  const pg = dialects().find((d) => d.name === "postgres");
  test("two nodes claiming one number at once for two campaigns respect its cap of one call", {
    skip: pg ? false : "set OUTDIAL_TEST_PG_URL",
  }, async () => {
    const store = await pg!.open();
    try {
      const accountId = await createAccount(store);
      const phone = "+12025559999";
      const ids: { campaignId: number; listId: number }[] = [];
      for (let i = 0; i < 2; i++) {
        const c = await createCampaign(store, accountId);
        await addContacts(store, { accountId, ...c }, [{ phones: [phone] }]);
        await openDispatchStore(store).promoteDue(c.campaignId, 1000);
        ids.push(c);
      }
      // Two connections open before the race, so both claims really run at once, each on its own
      // connection as two nodes would; the decide callback applies a cap of one call.
      await Promise.all([0, 1].map(() => store.pool!.query("SELECT pg_sleep(0.05)")));
      const claim = (campaignId: number, owner: string) =>
        openDispatchStore(store).claim({
          campaignId,
          limit: 5,
          owner,
          now: 1000,
          leaseUntil: 60_000,
          recentSince: 0,
          decide: (cand, recent): ClaimDecision =>
            (recent?.byPhone.get(phone)?.length ?? 0) >= 1
              ? { kind: "defer", until: 90_000, reason: "phone_cap" }
              : start(cand, 1000),
        });
      const [a, b] = await Promise.all([
        claim(ids[0].campaignId, "node-a"),
        claim(ids[1].campaignId, "node-b"),
      ]);
      assert.equal(a.started.length + b.started.length, 1, "exactly one call to the number");
    } finally {
      await store.close();
    }
  });
});
