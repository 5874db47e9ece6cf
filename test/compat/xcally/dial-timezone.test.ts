// Audit xcally12: a Motion queue's dialTimezone (next to dialGlobalInterval; Motion reads the hours there)
// was kept and never read, so "07:00-22:00,*,*,*" with dialTimezone Europe/Rome dialed 07:00–22:00 UTC,
// until 23:00 in Rome in winter. Now, when the spec names no zone of its own, dialTimezone is the zone of
// the weekly schedule (or of the time spec the engine keeps to, for one limiting month days or months); a
// spec's own zone still wins, an unknown zone is a 400 naming dialTimezone, a PUT of dialTimezone alone
// re-zones the hours, and a queue read answers dialTimezone as it was sent.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload?: unknown, status?: number) => Promise<any>;

const QUEUE = { name: "Q", type: "outbound", dialActive: false };

for (const d of dialects()) {
  describe(`xcally: dialTimezone (${d.name})`, () => {
    async function withFixture(fn: (f: Twin24Fixture, ok: Ok) => Promise<void>) {
      const f = await twin24Fixture({ scenario: "all_human", openStore: d.open });
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
    const settingsOf = async (ok: Ok, id: number) => (await ok("GET", `/v1/campaigns/${id}`)).settings;

    test("the seed's hours in Europe/Rome: the schedule's zone, and the queue reads it back", () =>
      withFixture(async (_f, ok) => {
        const q = await ok(
          "POST",
          "/api/voice/queues",
          { ...QUEUE, dialGlobalInterval: "07:00-22:00,*,*,*", dialTimezone: "Europe/Rome" },
          201,
        );
        assert.equal(q.dialTimezone, "Europe/Rome");
        assert.deepEqual((await settingsOf(ok, q.id)).schedule, {
          zone: "Europe/Rome",
          ranges: [{ days: [1, 2, 3, 4, 5, 6, 7], from: "07:00", to: "22:01" }],
        });
        assert.equal((await ok("GET", `/api/voice/queues/${q.id}`)).dialTimezone, "Europe/Rome");
      }));

    test("the spec's own zone wins; a spec limiting month days gets dialTimezone as its zone field", () =>
      withFixture(async (_f, ok) => {
        const own = await ok(
          "POST",
          "/api/voice/queues",
          { ...QUEUE, dialGlobalInterval: "07:00-22:00,*,*,*,Asia/Tokyo", dialTimezone: "Europe/Rome" },
          201,
        );
        assert.equal((await settingsOf(ok, own.id)).schedule.zone, "Asia/Tokyo");
        const monthly = await ok(
          "POST",
          "/api/voice/queues",
          { ...QUEUE, dialGlobalInterval: "07:00-22:00,*,1-15,*", dialTimezone: "Europe/Rome" },
          201,
        );
        const s = await settingsOf(ok, monthly.id);
        assert.equal(s.timeSpec, "07:00-22:00,*,1-15,*,Europe/Rome");
        const read = await ok("GET", `/api/voice/queues/${monthly.id}`);
        assert.equal(read.dialGlobalInterval, "07:00-22:00,*,1-15,*", "shown as sent");
        const none = await ok("POST", "/api/voice/queues", { ...QUEUE, dialTimezone: null }, 201);
        assert.equal((await settingsOf(ok, none.id)).schedule, null, "no zone, no hours: as before");
      }));

    test("an unknown zone is a 400 naming dialTimezone, on POST and on PUT", () =>
      withFixture(async (f, ok) => {
        const bad = await f.call({
          method: "POST",
          url: "/api/voice/queues",
          payload: { ...QUEUE, dialGlobalInterval: "07:00-22:00,*,*,*", dialTimezone: "Europe/Atlantis" },
        });
        assert.equal(bad.statusCode, 400, bad.body);
        assert.equal(errorOf(bad).field, "dialTimezone");
        assert.match(errorOf(bad).message, /Europe\/Atlantis/);
        const q = await ok("POST", "/api/voice/queues", QUEUE, 201);
        const put = await f.call({
          method: "PUT",
          url: `/api/voice/queues/${q.id}`,
          payload: { dialTimezone: "GMT+25" },
        });
        assert.equal(put.statusCode, 400, put.body);
        assert.equal(errorOf(put).field, "dialTimezone");
      }));

    /** A queue with `body`, a list of one Rome number linked, switched on; the calls made in 20 minutes. */
    async function callsIn20Minutes(f: Twin24Fixture, ok: Ok, body: object, edit: object = {}) {
      const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+390612345678" }], 201);
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, ...body }, 201);
      await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] });
      await ok("PUT", `/api/voice/queues/${q.id}`, { ...edit, dialActive: true });
      await f.run(20 * MINUTE);
      return f.originated.length;
    }

    // The fixture's clock: Monday 12:00 UTC, 13:00 in Rome.
    test("hours in Rome: 07:00-12:30 dials nobody at 13:00 in Rome (12:00 UTC)", () =>
      withFixture(async (f, ok) => {
        const body = { dialGlobalInterval: "07:00-12:30,*,*,*", dialTimezone: "Europe/Rome" };
        assert.equal(await callsIn20Minutes(f, ok, body), 0);
      }));

    test("a PUT of dialTimezone alone re-zones the hours: 13:00-14:00 opens at 13:00 in Rome", () =>
      withFixture(async (f, ok) => {
        const body = { dialGlobalInterval: "13:00-14:00,*,*,*" };
        assert.equal(await callsIn20Minutes(f, ok, body, { dialTimezone: "Europe/Rome" }), 1);
      }));
  });
}
