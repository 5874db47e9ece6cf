// PATCH /v1/contacts/{id}: an edit is validated as an import row is, clears with null, merges custom
// fields, refuses a contact on a call and a clashing external_id, and leaves the contact untouched when
// refused. A new phone starts its attempt count afresh, a kept one keeps it; a changed start time moves the next attempt.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf, insertContacts } from "./helpers.ts";

const HOUR = 3_600_000;

for (const dialect of dialects()) {
  describe(`contact edits [${dialect.name}]`, () => {
    let f: ApiFixture;
    let ann: number;
    let bob: number;
    let onCall: number;
    let retrying: number;
    let chicago: number;
    let abandoned: number;
    let list: { accountId: number; campaignId: number; listId: number };

    before(async () => {
      f = await apiFixture(dialect.open);
      const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "edits" });
      list = { accountId: f.accountId, campaignId, listId };
      const now = f.clock.now();
      [ann, bob, onCall, retrying, chicago, abandoned] = await insertContacts(
        f.store,
        { accountId: f.accountId, campaignId, listId },
        [
          {
            external_id: "crm-1",
            phones: JSON.stringify(["+12125550101", "+12125550199"]),
            phone_attempts: "[0,0]",
            custom: JSON.stringify({ name: "Ann", plan: "gold" }),
            time_zone: "America/New_York",
            daily_from_sec: 9 * 3600,
            daily_to_sec: 21 * 3600 + 30 * 60,
          },
          { external_id: "crm-2", phones: JSON.stringify(["+12125550102"]), next_attempt_at: now },
          { phones: JSON.stringify(["+12125550103"]), status: "in_progress" },
          {
            phones: JSON.stringify(["+12125550104"]),
            attempts: 1,
            phone_attempts: "[1]",
            wait_reason: "retry",
            next_attempt_at: now + HOUR,
          },
          // A New York number whose person lives in Chicago: the zone was set, not inferred.
          { phones: JSON.stringify(["+12125550105"]), time_zone: "America/Chicago" },
          // Abandoned an hour ago (its list since reset): 71 h still to wait.
          {
            phones: JSON.stringify(["+12125550106"]),
            wait_reason: "abandoned_72h",
            next_attempt_at: now + 71 * HOUR,
          },
        ],
      );
    });
    after(() => f.close());

    const patch = (id: number, payload: object, query = "") =>
      f.call({ method: "PATCH", url: `/v1/contacts/${id}${query}`, payload });
    const read = async (id: number) => (await f.call({ method: "GET", url: `/v1/contacts/${id}` })).json();
    const row = (id: number) =>
      f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

    test("refused edits name the field and change nothing", async () => {
      const before = await read(ann);
      const cases: [object, number, string, string?][] = [
        [{ phone: "not a phone" }, 400, "body.phone", "invalid_phone"],
        [{ phones: ["+1"] }, 400, "body.phones", "invalid_phone"],
        [{ time_zone: "Mars/Olympus" }, 400, "body.time_zone", "invalid_time_zone"],
        [{ daily_window: { from: "25:00", to: "10:00" } }, 400, "body.daily_window.from"],
        [
          { daily_window: { from: "09:00", to: "17:00", zone: "Europe/Moscow" } },
          400,
          "body.daily_window.zone",
        ],
        [{ start_at: "next tuesday" }, 400, "body.start_at"],
        [{ start_at: 1e20 }, 400, "body.start_at"],
        [{ start_at: "+275760-09-13T00:00:00Z" }, 400, "body.start_at"],
        [{ priority: 2 ** 40 }, 400, "body.priority"],
        [{}, 400, "body"],
        [{ nickname: "A" }, 400, "body"],
        [{ external_id: "crm-2" }, 409, "", "duplicate_external_id"],
      ];
      for (const [body, status, field, code] of cases) {
        const res = await patch(ann, body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        if (field) assert.match(errorOf(res).field ?? "", new RegExp(`^${field.replace(/\./g, "\\.")}`));
        if (code) assert.equal(errorOf(res).code, code);
      }
      const local = await patch(ann, { phone: "8 (212) 555-01-77" }, "?default_country=GBR");
      assert.equal(local.statusCode, 400, local.body);
      assert.equal(errorOf(local).field, "querystring.default_country");
      assert.deepEqual(await read(ann), before, "nothing was written");

      const busy = await patch(onCall, { custom: { note: "x" } });
      assert.equal(busy.statusCode, 409, busy.body);
      assert.equal(errorOf(busy).code, "contact_in_progress");
      assert.equal((await patch(999_999, { priority: 1 })).statusCode, 404);
      const other = await f.newAccount("other");
      const foreign = await f.call({
        method: "PATCH",
        url: `/v1/contacts/${ann}`,
        payload: { priority: 1 },
        key: other.key,
      });
      assert.equal(foreign.statusCode, 404, "another account's contact is not found");
    });

    test("custom fields merge; null clears a field; the rest is kept", async () => {
      const res = await patch(ann, { custom: { plan: null, tier: 2 }, external_id: null, priority: 7 });
      assert.equal(res.statusCode, 200, res.body);
      const c = res.json();
      assert.deepEqual(c.custom, { name: "Ann", tier: "2" });
      assert.equal(c.external_id, null);
      assert.equal(c.priority, 7);
      assert.deepEqual(c.phones, ["+12125550101", "+12125550199"], "phones kept");
      assert.equal(c.time_zone, "America/New_York", "zone kept");
      assert.deepEqual(c.daily_window, { from: "09:00:00", to: "21:30:00" });
      assert.deepEqual(await read(ann), c);
    });

    test("custom fields the edit does not name stay as stored (another face's long values, numbers, objects)", async () => {
      const custom = { order: { id: 7 }, count: 3, vip: true, note: "x".repeat(2000) };
      const [id] = await insertContacts(f.store, list, [
        { phones: JSON.stringify(["+12125550107"]), custom: JSON.stringify(custom) },
      ]);
      const res = await patch(id, { priority: 5 });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await row(id)).custom, JSON.stringify(custom), "stored text unchanged");
      const edited = await patch(id, { custom: { count: null, tier: 2, vip: false } });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.deepEqual(edited.json().custom, {
        order: { id: 7 },
        vip: "false",
        note: custom.note,
        tier: "2",
      });
      const long = await patch(id, { custom: { note: "y".repeat(1025) } });
      assert.equal(long.statusCode, 400, "a value the edit gives is validated");
    });

    test("limits: an external_id over 1,000 UTF-8 bytes, more than 100 custom fields", async () => {
      const [id] = await insertContacts(f.store, list, [{ phones: JSON.stringify(["+12125550108"]) }]);
      const wide = await patch(id, { external_id: "中".repeat(334) });
      assert.equal(wide.statusCode, 400, wide.body);
      assert.equal(errorOf(wide).field, "body.external_id");
      assert.equal((await patch(id, { external_id: "中".repeat(333) })).statusCode, 200);
      const fields = (from: number, n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${from + i}`, "v"]));
      const many = await patch(id, { custom: fields(0, 101) });
      assert.equal(many.statusCode, 400, many.body);
      assert.equal(errorOf(many).field, "body.custom");
      assert.equal(errorOf(many).code, "too_many_custom_fields");
      assert.equal((await patch(id, { custom: fields(0, 99) })).statusCode, 200);
      assert.equal((await patch(id, { custom: fields(99, 1) })).statusCode, 200);
      const over = await patch(id, { custom: fields(100, 1) });
      assert.equal(over.statusCode, 400, over.body);
      assert.match(errorOf(over).message, /at most 100 custom fields/);
      assert.equal(errorOf(over).code, "too_many_custom_fields");
      assert.equal(Object.keys((await read(id)).custom).length, 100);
    });

    test("new phones are normalized, start their counts afresh, and the zone follows them", async () => {
      await f.store.db
        .updateTable("contacts")
        .set({ phone_attempts: "[2,1]", phone_index: 1 })
        .where("id", "=", ann)
        .execute();
      const unknown = await patch(ann, { phones: ["020 7946 0958"] }, "?default_country=ZZ");
      assert.equal(unknown.statusCode, 400);
      assert.equal(errorOf(unknown).field, "querystring.default_country");
      // The country in any case, as the import and the do-not-call routes take it.
      const res = await patch(ann, { phones: ["020 7946 0958"] }, "?default_country=gb");
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().phones, ["+442079460958"]);
      assert.equal(res.json().time_zone, "Europe/London", "inferred again from the new number");
      const stored = await row(ann);
      assert.equal(stored.phone, "+442079460958");
      assert.equal(stored.phone_attempts, "[0]");
      assert.equal(stored.phone_index, 0);
      assert.equal(stored.ready, 0, "judged again at the next claim");
    });

    test("phones kept through an edit keep their attempts, retry counters and block; the next is the first with tries left", async () => {
      const { account_id, campaign_id, list_id } = await row(ann);
      const [id] = await insertContacts(
        f.store,
        { accountId: account_id, campaignId: campaign_id, listId: list_id },
        [
          {
            phones: JSON.stringify(["+12125550111", "+12125550112"]),
            attempts: 2,
            phone_index: 1,
            phone_attempts: "[1,1]",
            // A callback was granted and made on the second phone.
            retry_counts: JSON.stringify({
              "0:busy": 1,
              "1:no_answer": 1,
              "1:blocked": 1,
              callbacks: 1,
              callbacksMade: 1,
              "1:callbacks": 1,
            }),
            wait_reason: "retry",
            next_attempt_at: f.clock.now() + HOUR,
          },
        ],
      );
      const moved = await patch(id, { phones: ["+12125550113", "+12125550111", "+12125550112"] });
      assert.equal(moved.statusCode, 200, moved.body);
      let stored = await row(id);
      assert.deepEqual(JSON.parse(stored.phone_attempts), [0, 1, 1]);
      assert.deepEqual(JSON.parse(stored.retry_counts), {
        "1:busy": 1,
        "2:no_answer": 1,
        "2:blocked": 1,
        callbacks: 1,
        callbacksMade: 1,
        "2:callbacks": 1,
      });
      // Sequential dialing only moves forward: the next phone is the first with tries left, the new one.
      assert.equal(stored.phone_index, 0);
      // With one try per phone, a kept phone already tried has none left: the fresh one is next, wherever.
      const limit = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${campaign_id}`,
        payload: { settings: { maxAttemptsPerPhone: 1 } },
      });
      assert.equal(limit.statusCode, 200, limit.body);
      const dropped = await patch(id, { phones: ["+12125550111", "+12125550113"] });
      assert.equal(dropped.statusCode, 200, dropped.body);
      stored = await row(id);
      assert.deepEqual(JSON.parse(stored.phone_attempts), [1, 0]);
      assert.deepEqual(JSON.parse(stored.retry_counts), { "0:busy": 1, callbacks: 1, callbacksMade: 1 });
      assert.equal(stored.phone_index, 1);
      assert.equal(stored.attempts, 2, "the contact's own count is not the phones'");
      // Only used phones left: past the last one, so the next claim finds the contact exhausted.
      const used = await patch(id, { phones: ["+12125550111"] });
      assert.equal(used.statusCode, 200, used.body);
      stored = await row(id);
      assert.deepEqual([stored.phone_index, JSON.parse(stored.phone_attempts)], [1, [1]]);
      await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${campaign_id}`,
        payload: { settings: { maxAttemptsPerPhone: null } },
      });
    });

    test("a start time moves the next attempt; a retry keeps its own time unless the start is later", async () => {
      const now = f.clock.now();
      const later = new Date(now + 2 * HOUR).toISOString();
      const set = await patch(bob, { start_at: later });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal(set.json().next_attempt_at, later);
      assert.equal(set.json().wait_reason, "start_at");
      const cleared = await patch(bob, { start_at: null });
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.equal(cleared.json().start_at, null);
      assert.equal(cleared.json().next_attempt_at, new Date(now).toISOString(), "due again at once");

      const soon = await patch(retrying, { start_at: new Date(now + HOUR / 2).toISOString() });
      assert.equal(soon.statusCode, 200, soon.body);
      assert.equal(soon.json().next_attempt_at, new Date(now + HOUR).toISOString(), "the retry's own time");
      assert.equal(soon.json().wait_reason, "retry");
      const late = await patch(retrying, { start_at: later });
      assert.equal(late.json().next_attempt_at, later);
      const data = await patch(retrying, { custom: { note: "VIP" } });
      assert.equal(data.json().next_attempt_at, later, "a data edit leaves the schedule alone");
      assert.equal(data.json().attempts, 1);
    });

    test("a zone someone set survives new phones; the 72-hour wait after an abandoned call is not cut short", async () => {
      const moved = await patch(chicago, { phones: ["+12125550107"] });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(moved.json().time_zone, "America/Chicago", "set by someone: kept");
      const before = await row(abandoned);
      const res = await patch(abandoned, { daily_window: { from: "00:00", to: "24:00" } });
      assert.equal(res.statusCode, 200, res.body);
      const after = await row(abandoned);
      assert.equal(Number(after.next_attempt_at), Number(before.next_attempt_at));
      assert.equal(after.wait_reason, "abandoned_72h");
    });
  });
}
