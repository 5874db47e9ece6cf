// Review42: since a time spec's zone abbreviation ("EST") is refused on the way in (findSettingsProblem, on
// settings.timeSpec), the Xcally face read that refusal as its only other settings.timeSpec problem, "the
// spec never opens": a new queue with dialGlobalInterval "07:00-22:00,*,1-15,*,EST" was told its hours never
// open, and a queue stored before with dialTimezone EST and a month-limited interval refused every edit
// (a rename, dialActive) with the same words. Now a zone the queue brings in is refused naming the queue
// field that holds it and the zone to write, and a zone the stored campaign already runs in is let be: the
// queue stays editable and its spec keeps running.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const QUEUE = { name: "Q", type: "outbound", dialActive: false };

for (const d of dialects()) {
  describe(`xcally: zone abbreviations in a queue's hours (${d.name})`, () => {
    async function withFixture(fn: (f: Twin24Fixture) => Promise<void>) {
      const f = await twin24Fixture({ scenario: "all_human", openStore: d.open });
      try {
        await fn(f);
      } finally {
        await f.close();
      }
    }

    /** A queue as one saved before abbreviations were refused stands: dialTimezone EST, its hours in EST. */
    async function storedInEst(f: Twin24Fixture, dialGlobalInterval: string): Promise<number> {
      const made = await f.call({
        method: "POST",
        url: "/api/voice/queues",
        payload: { ...QUEUE, dialGlobalInterval, dialTimezone: "America/New_York" },
      });
      assert.equal(made.statusCode, 201, made.body);
      const id = made.json().id as number;
      const row = await f.store.db
        .selectFrom("campaigns")
        .select("settings")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      const settings = JSON.parse(row.settings);
      if (settings.timeSpec) settings.timeSpec = settings.timeSpec.replace("America/New_York", "EST");
      if (settings.schedule) settings.schedule.zone = "EST";
      settings.vendor.xcally.dialTimezone = "EST";
      await f.store.db
        .updateTable("campaigns")
        .set({ settings: JSON.stringify(settings) })
        .where("id", "=", id)
        .execute();
      return id;
    }

    for (const interval of ["07:00-22:00,*,1-15,*,EST", "07:00-22:00,mon-fri,*,*,EST"]) {
      test(`a new queue with dialGlobalInterval ${interval} is refused naming EST and what to write`, () =>
        withFixture(async (f) => {
          const r = await f.call({
            method: "POST",
            url: "/api/voice/queues",
            payload: { ...QUEUE, dialGlobalInterval: interval },
          });
          assert.equal(r.statusCode, 400, r.body);
          assert.deepEqual(errorOf(r), {
            code: "invalid_request",
            message: "dialGlobalInterval: EST is an abbreviation: write America/New_York",
            field: "dialGlobalInterval",
          });
        }));
    }

    for (const interval of ["07:00-22:00,*,1-15,*", "07:00-22:00,mon-fri,*,*"]) {
      test(`a queue stored with dialTimezone EST (${interval}) can be renamed and switched on`, () =>
        withFixture(async (f) => {
          const id = await storedInEst(f, interval);
          const renamed = await f.call({
            method: "PUT",
            url: `/api/voice/queues/${id}`,
            payload: { name: "Q2" },
          });
          assert.equal(renamed.statusCode, 200, renamed.body);
          assert.equal(renamed.json().name, "Q2");
          const on = await f.call({
            method: "PUT",
            url: `/api/voice/queues/${id}`,
            payload: { dialActive: true },
          });
          assert.equal(on.statusCode, 200, on.body);
          assert.equal(on.json().dialActive, true);
          const campaign = (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json();
          assert.equal(campaign.status, "running");
          assert.ok(
            campaign.settings.timeSpec?.endsWith(",EST") || campaign.settings.schedule?.zone === "EST",
            "its hours are still the stored ones, in EST",
          );
        }));
    }

    test("a stored queue's dialTimezone EST is refused when an edit first brings it into the hours", () =>
      withFixture(async (f) => {
        // The default interval is no schedule and no spec: the campaign runs in no EST yet.
        const id = await storedInEst(f, "00:00-24:00,*,*,*");
        const hours = await f.call({
          method: "PUT",
          url: `/api/voice/queues/${id}`,
          payload: { dialGlobalInterval: "07:00-22:00,*,1-15,*" },
        });
        assert.equal(hours.statusCode, 400, hours.body);
        assert.deepEqual(errorOf(hours), {
          code: "invalid_request",
          message: "dialTimezone: EST is an abbreviation: write America/New_York",
          field: "dialTimezone",
        });
        const both = await f.call({
          method: "PUT",
          url: `/api/voice/queues/${id}`,
          payload: { dialGlobalInterval: "07:00-22:00,*,1-15,*", dialTimezone: "America/New_York" },
        });
        assert.equal(both.statusCode, 200, both.body);
      }));

    test("a spec that never opens is still refused in the queue's own terms", () =>
      withFixture(async (f) => {
        const r = await f.call({
          method: "POST",
          url: "/api/voice/queues",
          payload: { ...QUEUE, dialGlobalInterval: "07:00-22:00,*,31,feb" },
        });
        assert.equal(r.statusCode, 400, r.body);
        assert.equal(errorOf(r).field, "dialGlobalInterval");
        assert.match(errorOf(r).message, /never opens/);
      }));
  });
}
