import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  errorOf,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

interface ContactJson {
  id: number;
  list_id: number;
  external_id: string | null;
  phones: string[];
  custom: Record<string, unknown>;
  daily_window: { from: string; to: string } | null;
  start_at: string | null;
  status: string;
  flagged: boolean;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
}
interface Page<T> {
  data: T[];
  next_after_id: number | null;
}

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

for (const dialect of dialects()) {
  describe(`contacts [${dialect.name}]`, () => {
    let f: ApiFixture;
    let campaignId: number;
    let listA: number;
    let listB: number;
    let ids: number[];

    before(async () => {
      f = await apiFixture(dialect.open);
      const c = await createCampaignViaApi(f, { name: "contacts" });
      campaignId = c.id;
      listA = c.listId;
      listB = (
        (
          await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/lists`, payload: { name: "B" } })
        ).json() as {
          id: number;
        }
      ).id;
      const at = { accountId: f.accountId, campaignId, listId: listA };
      ids = await insertContacts(f.store, at, [
        {
          external_id: "crm-1",
          phones: JSON.stringify(["+12125550101", "+12125550199"]),
          custom: JSON.stringify({ name: "Ann", plan: "gold" }),
          daily_from_sec: 9 * 3600,
          daily_to_sec: 21 * 3600 + 30 * 60,
          start_at: T0,
          next_attempt_at: T0 + 60_000,
          updated_at: T0 - 1000,
        },
        { status: "succeeded", last_outcome: "human", last_attempt_at: T0, updated_at: T0 + 1000 },
        { status: "failed", last_outcome: "busy", flagged: 1, updated_at: T0 + 2000 },
        { status: "in_progress", updated_at: T0 },
        { status: "pending", last_outcome: "no_answer", updated_at: T0 },
      ]);
      await insertContacts(f.store, { ...at, listId: listB }, [
        { phones: JSON.stringify(["+442079460001"]) },
        {},
      ]);
    });
    after(() => f.close());

    const get = async (query: string) =>
      (
        await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/contacts${query}` })
      ).json() as Page<ContactJson>;

    test("a contact renders parsed phones, custom fields, window and ISO times", async () => {
      const res = await f.call({ method: "GET", url: `/v1/contacts/${ids[0]}` });
      assert.equal(res.statusCode, 200);
      const c = res.json() as ContactJson & Record<string, unknown>;
      assert.deepEqual(c.phones, ["+12125550101", "+12125550199"]);
      assert.deepEqual(c.custom, { name: "Ann", plan: "gold" });
      assert.deepEqual(c.daily_window, { from: "09:00:00", to: "21:30:00" });
      assert.equal(c.start_at, new Date(T0).toISOString());
      assert.equal(c.next_attempt_at, new Date(T0 + 60_000).toISOString());
      assert.equal(c.flagged, false);
      assert.equal(c.campaign_id, campaignId);
      const done = (await f.call({ method: "GET", url: `/v1/contacts/${ids[1]}` })).json() as ContactJson;
      assert.equal(done.next_attempt_at, null, "only pending contacts have a next attempt");
      assert.equal(done.last_attempt_at, new Date(T0).toISOString());
      assert.equal((await f.call({ method: "GET", url: "/v1/contacts/987654" })).statusCode, 404);
    });

    test("filters: status list, list_id, phone, external_id, flagged, last_outcome, updated_since", async () => {
      const idsOf = (p: Page<ContactJson>) => p.data.map((c) => c.id);
      assert.deepEqual(idsOf(await get("?status=succeeded,failed")), [ids[1], ids[2]]);
      assert.equal((await get(`?list_id=${listB}`)).data.length, 2);
      assert.deepEqual(idsOf(await get("?phone=%2B12125550101")), [ids[0]]);
      assert.deepEqual(
        idsOf(await get("?phone=%2B12125550199")),
        [ids[0]],
        "a second number finds the contact too",
      );
      assert.deepEqual(idsOf(await get("?external_id=crm-1")), [ids[0]]);
      assert.deepEqual(idsOf(await get("?flagged=true")), [ids[2]]);
      assert.equal((await get("?flagged=false")).data.length, 6);
      assert.deepEqual(idsOf(await get("?last_outcome=busy,no_answer")), [ids[2], ids[4]]);
      const since = encodeURIComponent(new Date(T0 + 1000).toISOString());
      assert.deepEqual(idsOf(await get(`?updated_since=${since}`)), [ids[1], ids[2]]);
      assert.deepEqual(idsOf(await get(`?status=pending&list_id=${listA}`)), [ids[0], ids[4]]);
    });

    test("bad filters are 400 with the query field named", async () => {
      for (const [q, field] of [
        ["?status=waiting", "querystring.status"],
        ["?phone=12125550101", "querystring.phone"],
        ["?updated_since=yesterday", "querystring.updated_since"],
        ["?last_outcome=voicemail", "querystring.last_outcome"],
      ]) {
        const res = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/contacts${q}` });
        assert.equal(res.statusCode, 400, q);
        assert.equal(errorOf(res).field, field, q);
      }
    });

    test("keyset paging by id returns every contact once", async () => {
      const seen: number[] = [];
      let after: number | null = 0;
      let pages = 0;
      while (after !== null) {
        const page = await get(`?limit=3&after_id=${after}`);
        seen.push(...page.data.map((c) => c.id));
        after = page.next_after_id;
        pages++;
      }
      assert.equal(pages, 3);
      assert.equal(seen.length, 7);
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => a - b),
      );
      assert.equal(new Set(seen).size, 7);
    });

    test("cancel: pending → cancelled, twice is fine, in progress and final are 409", async () => {
      const res = await f.call({ method: "POST", url: `/v1/contacts/${ids[4]}/cancel` });
      assert.equal(res.statusCode, 200);
      assert.equal((res.json() as ContactJson).status, "cancelled");
      const row = await f.store.db
        .selectFrom("contacts")
        .selectAll()
        .where("id", "=", ids[4])
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.status, row.ready], ["cancelled", 0]);
      assert.equal((await f.call({ method: "POST", url: `/v1/contacts/${ids[4]}/cancel` })).statusCode, 200);

      const busy = await f.call({ method: "POST", url: `/v1/contacts/${ids[3]}/cancel` });
      assert.equal(busy.statusCode, 409);
      assert.equal(errorOf(busy).code, "contact_in_progress");
      const final = await f.call({ method: "POST", url: `/v1/contacts/${ids[1]}/cancel` });
      assert.equal(final.statusCode, 409);
      assert.equal(errorOf(final).code, "contact_final");
    });
  });
}

for (const dialect of dialects()) {
  describe(`attempts [${dialect.name}]`, () => {
    let f: ApiFixture;
    let campaignId: number;
    let contacts: number[];
    let attemptIds: number[];

    before(async () => {
      f = await apiFixture(dialect.open);
      // The attempts below start up to an hour on: the API lists an attempt once its start has come.
      await f.clock.run({ until: T0 + 2 * 3_600_000 });
      const c = await createCampaignViaApi(f, { name: "attempts" });
      campaignId = c.id;
      contacts = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId: c.listId }, [
        {},
        {},
      ]);
      const base = { accountId: f.accountId, campaignId };
      attemptIds = [
        await insertAttempt(f.store, {
          ...base,
          contactId: contacts[0],
          seq: 1,
          startedAt: T0,
          outcome: "busy",
        }),
        await insertAttempt(f.store, {
          ...base,
          contactId: contacts[0],
          seq: 2,
          startedAt: T0 + 3_600_000,
          outcome: "human",
          talkSec: 42.5,
          success: 1,
          details: JSON.stringify({ scenario: { booked: true } }),
        }),
        await insertAttempt(f.store, {
          ...base,
          contactId: contacts[1],
          seq: 1,
          startedAt: T0 + 60_000,
          outcome: "no_answer",
        }),
      ];
    });
    after(() => f.close());

    const campaignAttempts = async (query: string) =>
      (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/attempts${query}` })).json() as Page<{
        id: number;
        outcome: string;
      }>;

    test("an attempt renders ISO times, success as a boolean and parsed details", async () => {
      const page = (
        await f.call({ method: "GET", url: `/v1/contacts/${contacts[0]}/attempts` })
      ).json() as Page<Record<string, unknown>>;
      assert.equal(page.data.length, 2);
      const second = page.data[1];
      assert.equal(second.seq, 2);
      assert.equal(second.started_at, new Date(T0 + 3_600_000).toISOString());
      assert.equal(second.ended_at, new Date(T0 + 3_630_000).toISOString());
      assert.equal(second.answered_at, null);
      assert.equal(second.talk_sec, 42.5);
      assert.equal(second.success, true);
      assert.equal(page.data[0].success, null);
      assert.deepEqual(second.details, { scenario: { booked: true } });
    });

    test("filters by contact, outcome and started_at window; keyset paging", async () => {
      const ids = (p: Page<{ id: number }>) => p.data.map((a) => a.id);
      assert.deepEqual(ids(await campaignAttempts("")), attemptIds);
      assert.deepEqual(ids(await campaignAttempts(`?contact_id=${contacts[1]}`)), [attemptIds[2]]);
      assert.deepEqual(ids(await campaignAttempts("?outcome=busy,human")), [attemptIds[0], attemptIds[1]]);
      const since = encodeURIComponent(new Date(T0 + 1).toISOString());
      const until = encodeURIComponent(new Date(T0 + 3_600_000).toISOString());
      assert.deepEqual(ids(await campaignAttempts(`?since=${since}&until=${until}`)), [attemptIds[2]]);

      const first = await campaignAttempts("?limit=2");
      assert.deepEqual(ids(first), attemptIds.slice(0, 2));
      assert.equal(first.next_after_id, attemptIds[1]);
      const rest = await campaignAttempts(`?limit=2&after_id=${first.next_after_id}`);
      assert.deepEqual(ids(rest), [attemptIds[2]]);
      assert.equal(rest.next_after_id, null);
    });

    test("another account sees none of them", async () => {
      const b = await f.newAccount("other");
      const res = await f.call({ method: "GET", url: `/v1/contacts/${contacts[0]}/attempts`, key: b.key });
      assert.equal(res.statusCode, 404);
    });
  });
}
