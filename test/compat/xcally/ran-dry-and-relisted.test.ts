// Audit xcally9: a queue that ran out of contacts (completed) read back dialActive: false although its
// switch was on, so a Motion client's read-modify-write (GET, change the name, PUT it all back) switched
// it off and the contacts added later were never dialed; now it reads true, and false once switched off.
// And dialCheckDuplicateType "always" ("also the contacts that have already been called") counted the
// copies a list delete had just cancelled, never called, so the corrected list linked in its place was all
// "duplicates" and the queue dialed none of it; a copy cancelled after a call still counts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload: unknown, status: number) => Promise<any>;

for (const d of dialects()) {
  describe(`xcally: a queue run dry, a list deleted and linked again (${d.name})`, () => {
    async function withFixture(
      fn: (f: Twin24Fixture, ok: Ok) => Promise<void>,
      scenario = "all_human",
    ): Promise<void> {
      const f = await twin24Fixture({ scenario, openStore: d.open });
      const ok: Ok = async (method, url, payload, status) => {
        const r = await f.call({ method: method as "POST", url, payload: payload as object });
        assert.equal(r.statusCode, status, r.body);
        return r.statusCode === 204 ? null : r.json();
      };
      try {
        await fn(f, ok);
      } finally {
        await f.close();
      }
    }
    const phonesCalled = async (f: Twin24Fixture, id: number) =>
      (await f.store.db.selectFrom("attempts").select("phone").where("campaign_id", "=", id).execute())
        .map((a) => a.phone)
        .sort();

    test("a completed queue reads dialActive true; written back as read, it keeps dialing", () =>
      withFixture(async (f, ok) => {
        const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155553000" }], 201);
        const q = await ok("POST", "/api/voice/queues", { name: "Q", type: "outbound" }, 201);
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] }, 200);
        await f.run(10 * MINUTE);
        const read = await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200);
        assert.equal(read.status, "completed");
        assert.equal(read.dialActive, true);
        await ok("PUT", `/api/voice/queues/${q.id}`, { name: "Q renamed", dialActive: read.dialActive }, 200);
        await ok("POST", "/api/cm/contacts", { phone: "+14155553001", ListId: list.id }, 201);
        await f.run(10 * MINUTE);
        assert.deepEqual(await phonesCalled(f, q.id), ["+14155553000", "+14155553001"]);
        // Switched off once it has completed again, it reads false; paused or draft read false as before.
        await f.run(10 * MINUTE);
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: false }, 200);
        const off = await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200);
        assert.deepEqual([off.status, off.dialActive], ["completed", false]);
        const draft = await ok(
          "POST",
          "/api/voice/queues",
          { name: "D", type: "outbound", dialActive: false },
          201,
        );
        assert.equal(draft.dialActive, false);
      }));

    test('"always": copies cancelled before any call are no duplicates of a new list', () =>
      withFixture(async (f, ok) => {
        const q = await ok(
          "POST",
          "/api/voice/queues",
          { name: "Q", type: "outbound", dialActive: false, dialCheckDuplicateType: "always" },
          201,
        );
        const wrong = await ok("POST", "/api/cm/lists", { name: "wrong" }, 201);
        await ok("POST", `/api/cm/lists/${wrong.id}/contacts`, [{ phone: "+12125550123", cf_1: "old" }], 201);
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [wrong.id] }, 200);
        await ok("DELETE", `/api/cm/lists/${wrong.id}`, undefined, 204);

        const right = await ok("POST", "/api/cm/lists", { name: "right" }, 201);
        await ok("POST", `/api/cm/lists/${right.id}/contacts`, [{ phone: "+12125550123", cf_1: "new" }], 201);
        const linked = await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [right.id] }, 200);
        assert.deepEqual([linked.contactsAdded, linked.duplicatesSkipped], [1, 0]);
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: true }, 200);
        await f.run(10 * MINUTE);
        assert.deepEqual(await phonesCalled(f, q.id), ["+12125550123"]);
      }));

    test('"always": a copy cancelled after a call (waiting for its retry) is a duplicate', () =>
      withFixture(async (f, ok) => {
        const q = await ok(
          "POST",
          "/api/voice/queues",
          { name: "Q", type: "outbound", dialCheckDuplicateType: "always", dialBusyRetryFrequency: 60 },
          201,
        );
        const first = await ok("POST", "/api/cm/lists", { name: "first" }, 201);
        await ok("POST", `/api/cm/lists/${first.id}/contacts`, [{ phone: "+12125550123" }], 201);
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [first.id] }, 200);
        await f.run(5 * MINUTE);
        assert.deepEqual(await phonesCalled(f, q.id), ["+12125550123"]);
        await ok("DELETE", `/api/cm/lists/${first.id}`, undefined, 204);
        const copy = await f.store.db
          .selectFrom("contacts")
          .select(["status", "attempts"])
          .where("campaign_id", "=", q.id)
          .executeTakeFirstOrThrow();
        assert.deepEqual([copy.status, copy.attempts], ["cancelled", 1]);
        const again = await ok("POST", "/api/cm/lists", { name: "again" }, 201);
        await ok("POST", `/api/cm/lists/${again.id}/contacts`, [{ phone: "+12125550123" }], 201);
        const relinked = await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [again.id] }, 200);
        assert.deepEqual([relinked.contactsAdded, relinked.duplicatesSkipped], [0, 1]);
      }, "always_busy"));
  });
}
