// Audit xcally7: a queue switched off stays off when its lists grow; a body id naming another list or queue
// is a 400 on PUT as on the link routes; deleting a list cancels its copies still waiting in the queues it
// fed (Motion dials nobody of a deleted list); numbers with the country code may be written with spaces,
// dashes or 00.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;

for (const d of dialects()) {
  describe(`xcally: switched off, deleted lists, written numbers (${d.name})`, () => {
    async function withFixture(fn: (f: Twin24Fixture, ok: Ok) => Promise<void>): Promise<void> {
      const f = await twin24Fixture({ scenario: "all_human", openStore: d.open });
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
    type Ok = (method: string, url: string, payload: unknown, status: number) => Promise<any>;
    const phonesCalled = async (f: Twin24Fixture, id: number) =>
      (await f.store.db.selectFrom("attempts").select("phone").where("campaign_id", "=", id).execute()).map(
        (a) => a.phone,
      );

    test("dialActive false on a completed queue keeps it off: a contact added to its list is not dialed", () =>
      withFixture(async (f, ok) => {
        const q = await ok("POST", "/api/voice/queues", { name: "Q", type: "outbound" }, 201);
        const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
        await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+14155553000" }], 201);
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] }, 200);
        await f.run(10 * MINUTE);
        assert.equal((await ok("GET", `/api/voice/queues/${q.id}`, undefined, 200)).status, "completed");
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: false }, 200);
        await ok("POST", "/api/cm/contacts", { phone: "+14155553001", ListId: list.id }, 201);
        await f.run(10 * MINUTE);
        assert.deepEqual(await phonesCalled(f, q.id), ["+14155553000"]);
        // Switched on, it dials the contact added meanwhile.
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: true }, 200);
        await f.run(10 * MINUTE);
        assert.deepEqual((await phonesCalled(f, q.id)).sort(), ["+14155553000", "+14155553001"]);
      }));

    test("PUT with a body id naming another list or queue than the path's is a 400; nothing changes", () =>
      withFixture(async (f, ok) => {
        const a = await ok("POST", "/api/cm/lists", { name: "a" }, 201);
        const b = await ok("POST", "/api/cm/lists", { name: "b" }, 201);
        await ok("PUT", `/api/cm/lists/${a.id}`, { id: b.id, name: "renamed" }, 400);
        assert.equal((await ok("GET", `/api/cm/lists/${a.id}`, undefined, 200)).name, "a");
        const qa = await ok(
          "POST",
          "/api/voice/queues",
          { name: "qa", type: "outbound", dialActive: false },
          201,
        );
        const qb = await ok(
          "POST",
          "/api/voice/queues",
          { name: "qb", type: "outbound", dialActive: false },
          201,
        );
        await ok("PUT", `/api/voice/queues/${qa.id}`, { id: qb.id, dialActive: true }, 400);
        assert.equal((await ok("GET", `/api/voice/queues/${qa.id}`, undefined, 200)).status, "draft");
        await ok("PUT", `/api/voice/queues/${qa.id}`, { id: qa.id, name: "qa2" }, 200);
      }));

    test("deleting a list cancels its copies still waiting in the queues it feeds", () =>
      withFixture(async (f, ok) => {
        const list = await ok("POST", "/api/cm/lists", { name: "wrong list" }, 201);
        await ok(
          "POST",
          `/api/cm/lists/${list.id}/contacts`,
          [{ phone: "+12125550123" }, { phone: "+12125550124" }],
          201,
        );
        const kept = await ok("POST", "/api/cm/lists", { name: "kept" }, 201);
        await ok("POST", `/api/cm/lists/${kept.id}/contacts`, [{ phone: "+12125550125" }], 201);
        const q = await ok(
          "POST",
          "/api/voice/queues",
          { name: "q", type: "outbound", dialActive: false },
          201,
        );
        await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id, kept.id] }, 200);
        await ok("DELETE", `/api/cm/lists/${list.id}`, undefined, 204);
        const rows = await f.store.db
          .selectFrom("contacts")
          .select(["phone", "status"])
          .where("campaign_id", "=", q.id)
          .orderBy("phone")
          .execute();
        assert.deepEqual(
          rows.map((r) => [r.phone, r.status]),
          [
            ["+12125550123", "cancelled"],
            ["+12125550124", "cancelled"],
            ["+12125550125", "pending"],
          ],
        );
        await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: true }, 200);
        await f.run(10 * MINUTE);
        assert.deepEqual(await phonesCalled(f, q.id), ["+12125550125"]);
      }));

    test("a number with its country code may be written with spaces, dashes, brackets or 00", () =>
      withFixture(async (_f, ok) => {
        const list = await ok("POST", "/api/cm/lists", { name: "p" }, 201);
        for (const phone of ["12125550123", "1 212-555-0124", "(1) 212.555.0125", "0012125550126"]) {
          const c = await ok("POST", "/api/cm/contacts", { phone, ListId: list.id }, 201);
          assert.match(c.phone, /^\+1212555012[3-6]$/, phone);
        }
        await ok("POST", "/api/cm/contacts", { phone: "555-0123", ListId: list.id }, 400);
      }));
  });
}
