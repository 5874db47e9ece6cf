// Audit xcally12: Motion's dial{Busy,NoAnswer,Congestion}RetryFrequency are minutes ("Busy Retry Time: time
// in minutes the dialer will wait before recalling a contact (default=150)": called at 10:00, recalled at
// 12:30), but the face stored them as seconds, so the seed's queue (150 each) called a busy person back
// every 2.5 minutes instead of every 2.5 hours. Now intervalSec = 60 × the frequency: the seed's busy
// callee is called once in the first hour and again 150 minutes after the first call ended; a queue read
// answers minutes again (a /v1 wait of 90 s reads 1.5 and is kept when written back), and a frequency over
// a year (525,600 minutes, /v1's longest retry wait) is a 400 naming the field.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload?: unknown, status?: number) => Promise<any>;

/** The seed's retry fields (xcally-motion-campaigns.txt), which give no unit. */
const SEED_RETRIES = {
  dialGlobalMaxRetry: 4,
  dialCongestionMaxRetry: 3,
  dialCongestionRetryFrequency: 150,
  dialBusyMaxRetry: 3,
  dialBusyRetryFrequency: 150,
  dialNoAnswerMaxRetry: 3,
  dialNoAnswerRetryFrequency: 150,
};

for (const d of dialects()) {
  describe(`xcally: retry frequencies in minutes (${d.name})`, () => {
    async function withFixture(scenario: string, fn: (f: Twin24Fixture, ok: Ok) => Promise<void>) {
      const f = await twin24Fixture({ scenario, openStore: d.open });
      const ok: Ok = async (method, url, payload, status = 200) => {
        const r = await f.call({
          method: method as "POST",
          url,
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        assert.equal(r.statusCode, status, r.body);
        return r.json();
      };
      try {
        await fn(f, ok);
      } finally {
        await f.close();
      }
    }

    test("the seed's 150: retry rules of 150 minutes, a busy callee called back 150 minutes later", () =>
      withFixture("always_busy", async (f, ok) => {
        const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+12125550123" }], 201);
        const q = await ok(
          "POST",
          "/api/voice/queues",
          { name: "Q", type: "outbound", ...SEED_RETRIES },
          201,
        );
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] });
        const { settings } = await ok("GET", `/v1/campaigns/${q.id}`);
        assert.deepEqual(settings.retry, {
          busy: { intervalSec: 9000, maxRetries: 3 },
          no_answer: { intervalSec: 9000, maxRetries: 3 },
          failed: { intervalSec: 9000, maxRetries: 3 },
        });
        const read = await ok("GET", `/api/voice/queues/${q.id}`);
        assert.equal(read.dialBusyRetryFrequency, 150, "read back in minutes");

        await f.run(60 * MINUTE);
        assert.equal(f.originated.length, 1, `called ${f.originated.length} times in the first hour`);
        await f.run(100 * MINUTE);
        const attempts = await f.store.db
          .selectFrom("attempts")
          .select(["started_at", "ended_at"])
          .where("campaign_id", "=", q.id)
          .orderBy("started_at")
          .execute();
        assert.equal(attempts.length, 2, "called again once 150 minutes had passed");
        const waited = attempts[1].started_at - Number(attempts[0].ended_at);
        assert.ok(waited >= 150 * MINUTE && waited < 150 * MINUTE + 1000, `waited ${waited} ms`);
      }));

    test("a read answers minutes: a /v1 wait of 90 s reads 1.5, and written back stays 90 s", () =>
      withFixture("all_human", async (_f, ok) => {
        const q = await ok(
          "POST",
          "/api/voice/queues",
          { name: "Q", type: "outbound", dialActive: false },
          201,
        );
        await ok("PATCH", `/v1/campaigns/${q.id}`, {
          settings: { retry: { busy: { intervalSec: 90, maxRetries: 2 } } },
        });
        const read = await ok("GET", `/api/voice/queues/${q.id}`);
        assert.equal(read.dialBusyRetryFrequency, 1.5);
        assert.equal(read.dialNoAnswerRetryFrequency, 150, "Motion's default, in minutes");
        const { id: _id, status: _s, createdAt: _c, updatedAt: _u, ...queue } = read;
        await ok("PUT", `/api/voice/queues/${q.id}`, queue);
        const { settings } = await ok("GET", `/v1/campaigns/${q.id}`);
        assert.deepEqual(settings.retry.busy, { intervalSec: 90, maxRetries: 2 });
        assert.deepEqual(settings.retry.no_answer, { intervalSec: 9000, maxRetries: 3 });
      }));

    test("a frequency over a year of minutes is a 400 naming it; a year is taken", () =>
      withFixture("all_human", async (f, ok) => {
        const over = await f.call({
          method: "POST",
          url: "/api/voice/queues",
          payload: { name: "Q", type: "outbound", dialActive: false, dialNoAnswerRetryFrequency: 525_601 },
        });
        assert.equal(over.statusCode, 400, over.body);
        assert.equal(errorOf(over).field, "dialNoAnswerRetryFrequency");
        const year = await ok(
          "POST",
          "/api/voice/queues",
          { name: "Q", type: "outbound", dialActive: false, dialNoAnswerRetryFrequency: 525_600 },
          201,
        );
        const { settings } = await ok("GET", `/v1/campaigns/${year.id}`);
        assert.equal(settings.retry.no_answer.intervalSec, 31_536_000);
      }));
  });
}
