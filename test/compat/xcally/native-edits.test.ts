// A queue edited through /v1 and through the Xcally face: each keeps what the other set (xcally6 audit).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const QUEUE = { type: "outbound", name: "Q", dialGlobalInterval: "09:00-18:00,mon-fri,*,*" };
const WINDOW_10_12 = { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "10:00", to: "12:00" }] };

for (const d of dialects()) {
  describe(`a queue edited through /v1 and Xcally (${d.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => d.open());
    });
    after(() => f.close());
    const x = (method: string, url: string, payload?: unknown) =>
      f.call({
        method: method as "GET",
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const ok = async (method: string, url: string, payload: unknown, status: number) => {
      const res = await x(method, url, payload);
      assert.equal(res.statusCode, status, res.body);
      return res.json();
    };
    const settingsOf = async (id: number) =>
      (await ok("GET", `/v1/campaigns/${id}`, undefined, 200)).settings;

    test("a PUT that only pauses a queue keeps the calling hours, ring timeout and retries set through /v1", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "hours" }, 201);
      await ok(
        "PATCH",
        `/v1/campaigns/${q.id}`,
        {
          settings: {
            schedule: WINDOW_10_12,
            ringTimeoutSec: 45,
            maxAttemptsPerContact: 2,
            retry: { busy: { intervalSec: 600, maxRetries: 1 } },
          },
        },
        200,
      );
      // The supervisor pauses the queue from the Motion side: nothing else is sent.
      await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: false }, 200);
      const s = await settingsOf(q.id);
      assert.deepEqual(
        s.schedule,
        WINDOW_10_12,
        `calling hours after the pause: ${JSON.stringify(s.schedule)}`,
      );
      assert.equal(s.ringTimeoutSec, 45);
      assert.equal(s.maxAttemptsPerContact, 2);
      assert.deepEqual(s.retry.busy, { intervalSec: 600, maxRetries: 1 });
    });

    test("a PUT of one retry field changes that field alone", async () => {
      const q = await ok(
        "POST",
        "/api/voice/queues",
        { ...QUEUE, name: "one-field", dialActive: false },
        201,
      );
      await ok(
        "PATCH",
        `/v1/campaigns/${q.id}`,
        { settings: { retry: { busy: { intervalSec: 600, maxRetries: 1 } } } },
        200,
      );
      await ok("PUT", `/api/voice/queues/${q.id}`, { dialBusyMaxRetry: 5, dialOriginateTimeout: 20 }, 200);
      const s = await settingsOf(q.id);
      assert.deepEqual(s.retry.busy, { intervalSec: 600, maxRetries: 5 });
      assert.equal(s.ringTimeoutSec, 20);
      const view = await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200);
      assert.equal(view.dialBusyRetryFrequency, 10, "600 s, in Motion's minutes");
      assert.equal(view.dialBusyMaxRetry, 5);
    });

    test("a PUT of one AMD number keeps the detection /v1 switched on, with that number in it (review32)", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "amd", dialActive: false }, 201);
      await ok(
        "PATCH",
        `/v1/campaigns/${q.id}`,
        { settings: { amd: { enabled: true, mode: "blocking" } } },
        200,
      );
      assert.equal((await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200)).dialAMDActive, true);
      await ok("PUT", `/api/voice/queues/${q.id}`, { dialAMDGreeting: 1500 }, 200);
      assert.equal((await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200)).dialAMDActive, true);
      const s = await settingsOf(q.id);
      assert.deepEqual([s.amd?.enabled, s.amd?.mode, s.amd?.params], [true, "blocking", { greeting: 1500 }]);
    });

    test("after a /v1 edit, GET /api/voice/queues/{id} answers the ring timeout and retry count the campaign uses", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "stale", dialActive: false }, 201);
      await ok(
        "PATCH",
        `/v1/campaigns/${q.id}`,
        { settings: { ringTimeoutSec: 45, maxAttemptsPerContact: 2 } },
        200,
      );
      const s = await settingsOf(q.id);
      const view = await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200);
      assert.equal(
        view.dialOriginateTimeout,
        s.ringTimeoutSec,
        "dialOriginateTimeout vs the campaign's ringTimeoutSec",
      );
      assert.equal(
        view.dialGlobalMaxRetry + 1,
        s.maxAttemptsPerContact,
        "dialGlobalMaxRetry vs maxAttemptsPerContact",
      );
    });

    test("flipping dialOrderByScheduledAt leaves the priorities of contacts added through /v1", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "prio", dialActive: false }, 201);
      const nl = await ok("POST", `/v1/campaigns/${q.id}/lists`, { name: "native" }, 201);
      await ok(
        "POST",
        `/v1/campaigns/${q.id}/lists/${nl.id}/contacts`,
        {
          contacts: [
            // Ids of a CRM's own scheme that look like the face's copies' "xcally:" but for case: SQLite's
            // LIKE ignores ASCII case, and took them for copies (parity11).
            { phone: "+14155550701", priority: 1, external_id: "XCALLY:crm-1" }, // urgent: "lower dials first"
            { phone: "+14155550702", priority: 10, external_id: "XCALLY:crm-2" },
          ],
        },
        200,
      );
      await ok("PUT", `/api/voice/queues/${q.id}`, { dialOrderByScheduledAt: "ASC" }, 200);
      const rows = await f.store.db
        .selectFrom("contacts")
        .select(["phone", "priority"])
        .where("campaign_id", "=", q.id)
        .orderBy("phone")
        .execute();
      const [urgent, later] = rows;
      assert.ok(
        urgent.priority < later.priority,
        `the urgent contact must still dial first: priorities now ${urgent.priority} and ${later.priority}`,
      );
    });

    test("a body id naming another queue than the path's is a 400", async () => {
      const a = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "A", dialActive: false }, 201);
      const b = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "B", dialActive: false }, 201);
      const list = await ok("POST", "/api/cm/lists", { name: "wrong" }, 201);
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550801" }], 201);
      // The contacts route refuses a ListId other than the path's; this one links without a word.
      const res = await x("POST", `/api/voice/queues/${a.id}/lists`, { id: b.id, ids: [list.id] });
      assert.equal(res.statusCode, 400, res.body);
    });
    test("dialCheckDuplicateType always: a phone that is a contact's second number is a duplicate", async () => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, name: "dup", dialActive: false }, 201);
      const nl = await ok("POST", `/v1/campaigns/${q.id}/lists`, { name: "native" }, 201);
      await ok(
        "POST",
        `/v1/campaigns/${q.id}/lists/${nl.id}/contacts`,
        { contacts: [{ phones: ["+14155550901", "+14155550902"] }] },
        200,
      );
      const list = await ok("POST", "/api/cm/lists", { name: "crm" }, 201);
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155550902" }], 201);
      const linked = await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] }, 200);
      assert.equal(linked.duplicatesSkipped, 1, JSON.stringify(linked));
    });
  });
}
