// Xcally queues and the engine's refusals of their dialActive (a start, resume or recover): the refusal
// reaches the client in Motion's terms (the queue's id as /api/voice/queues/{id} has it, no advice naming
// outdial settings such as endAt or lifetimeSec that a Motion queue has no field for), and a PUT that edits
// settings and asks for dialActive: true is all or nothing: when what it asks for is refused (the end time
// has passed), no setting of the edit is written either.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CampaignSettings } from "../../../src/model/campaign-settings.ts";
import { type ApiFixture, apiFixture, errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const QUEUE = {
  type: "outbound",
  name: "Spring",
  dialGlobalInterval: "00:00-24:00,*,*,*",
  dialBusyMaxRetry: 2,
  dialOriginateTimeout: 30,
};

for (const dialect of dialects())
  describe(`Xcally queues: dialActive refusals [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const x = (method: "POST" | "PUT" | "GET", url: string, payload?: object) =>
      f.call({ method, url, ...(payload === undefined ? {} : { payload }) });
    const row = (id: number) =>
      f.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const setEndAt = async (id: number, endAt: number) => {
      const res = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${id}`,
        payload: { settings: { endAt } },
      });
      assert.equal(res.statusCode, 200, res.body);
    };

    /** A queue with the given status whose end time passed an hour ago. */
    async function endedQueue(status: "paused" | "completed"): Promise<number> {
      const created = await x("POST", "/api/voice/queues", QUEUE);
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as number;
      await setEndAt(id, f.clock.now() - 3_600_000);
      if (status === "paused") {
        assert.equal((await x("PUT", `/api/voice/queues/${id}`, { dialActive: false })).statusCode, 200);
      } else {
        await f.store.db
          .updateTable("campaigns")
          .set({ status: "completed", finished_at: f.clock.now() })
          .where("id", "=", id)
          .execute();
      }
      return id;
    }

    function assertMotionTerms(message: string, id: number): void {
      assert.match(message, new RegExp(`\\bqueue ${id}\\b`), message);
      assert.doesNotMatch(message, /\bcampaigns?\b/, message);
      assert.doesNotMatch(message, /endAt|lifetimeSec|recover/, message);
    }

    test("dialActive: true on a paused queue past its end time: refused naming the queue", async () => {
      const id = await endedQueue("paused");
      const res = await x("PUT", `/api/voice/queues/${id}`, { dialActive: true });
      assert.equal(res.statusCode, 409, res.body);
      const err = errorOf(res);
      assert.equal(err.code, "invalid_state");
      assertMotionTerms(err.message, id);
      assert.match(err.message, /end time/);
    });

    test("dialActive: true on a completed queue past its end time: refused naming the queue", async () => {
      const id = await endedQueue("completed");
      const res = await x("PUT", `/api/voice/queues/${id}`, { dialActive: true });
      assert.equal(res.statusCode, 409, res.body);
      const err = errorOf(res);
      assert.equal(err.code, "invalid_state");
      assertMotionTerms(err.message, id);
    });

    test("a queue created under 1 USD: the refused start speaks of a queue", async () => {
      const other = await f.newAccount("poor");
      await f.store.db
        .updateTable("accounts")
        .set({ balance_micros: 500_000 })
        .where("id", "=", other.accountId)
        .execute();
      await f.engine.billingChanged(other.accountId);
      const res = await f.call({ method: "POST", url: "/api/voice/queues", key: other.key, payload: QUEUE });
      assert.equal(res.statusCode, 409, res.body);
      const err = errorOf(res);
      assert.equal(err.code, "insufficient_balance");
      assert.match(err.message, /\bqueue \d+\b/);
      assert.doesNotMatch(err.message, /\bcampaigns?\b/);
    });

    for (const status of ["paused", "completed"] as const)
      test(`a ${status} queue past its end time: the edit and dialActive: true are refused together`, async () => {
        const id = await endedQueue(status);
        const before = await row(id);
        const edit = { name: "Renamed", dialBusyMaxRetry: 9, dialOriginateTimeout: 45, dialActive: true };
        const res = await x("PUT", `/api/voice/queues/${id}`, edit);
        assert.equal(res.statusCode, 409, res.body);
        // Nothing of the edit was written: the row is as it was, and GET answers the old queue.
        assert.deepEqual(await row(id), before);
        const got = (await x("GET", `/api/voice/queues/${id}`)).json();
        assert.equal(got.name, "Spring");
        assert.equal(got.dialBusyMaxRetry, 2);
        assert.equal(got.dialOriginateTimeout, 30);
        assert.equal(got.status, status);

        // With its end time moved ahead, the same edit goes through whole.
        await setEndAt(id, f.clock.now() + 3_600_000);
        const ok = await x("PUT", `/api/voice/queues/${id}`, edit);
        assert.equal(ok.statusCode, 200, ok.body);
        assert.equal(ok.json().dialActive, true);
        const after = await row(id);
        const settings = JSON.parse(after.settings) as CampaignSettings;
        assert.equal(after.name, "Renamed");
        assert.equal(settings.ringTimeoutSec, 45);
        // Motion's default busy frequency: 150 minutes.
        assert.deepEqual(settings.retry.busy, { intervalSec: 150 * 60, maxRetries: 9 });
      });
  });
