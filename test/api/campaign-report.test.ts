// GET /v1/campaigns/{id}/report through the app: totals, rates and buckets on the campaign's own zone by
// default (or the zone asked for), and the refusals that name the query field.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  errorOf,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

describe("campaign report", () => {
  let f: ApiFixture;
  let campaignId: number;
  before(async () => {
    f = await apiFixture();
    const c = await createCampaignViaApi(f, {
      name: "report",
      settings: { defaultZone: "America/New_York" },
    });
    campaignId = c.id;
    const [contactId] = await insertContacts(
      f.store,
      { accountId: f.accountId, campaignId, listId: c.listId },
      [{}],
    );
    const now = f.clock.now(); // 2026-01-05 12:00 UTC = 07:00 in New York
    const calls: [number, string, number | null, number][] = [
      [now - 8 * 3_600_000, "human", 120, 1], // 23:00 on the 4th in New York
      [now - 3_600_000, "human", 30, 0],
      [now - 1_800_000, "no_answer", null, 0],
      [now - 600_000, "machine", 15, 0],
    ];
    for (const [i, [startedAt, outcome, talkSec, success]] of calls.entries()) {
      await insertAttempt(f.store, {
        accountId: f.accountId,
        campaignId,
        contactId,
        seq: i + 1,
        startedAt,
        outcome,
        talkSec,
        success,
        answeredAt: talkSec === null ? null : startedAt + 5_000,
      });
    }
  });
  after(() => f.close());

  const report = (query = "") => f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/report${query}` });

  test("totals and rates; days on the campaign's clock unless another zone is asked for", async () => {
    const res = await report();
    assert.equal(res.statusCode, 200, res.body);
    const r = res.json();
    assert.deepEqual(
      [r.zone, r.bucket, r.attempts, r.answered, r.live_answers, r.successes, r.talk_sec],
      ["America/New_York", "day", 4, 3, 2, 1, 165],
    );
    assert.equal(r.answer_rate, 0.75);
    assert.equal(r.success_rate, 0.25);
    assert.equal(r.mean_talk_sec, 75, "the people's talk alone, not the machine's");
    assert.deepEqual(r.by_outcome, { human: 2, no_answer: 1, machine: 1 });
    assert.deepEqual(
      r.buckets.map((b: { start: string; attempts: number }) => [b.start, b.attempts]),
      [
        ["2026-01-04T05:00:00.000Z", 1],
        ["2026-01-05T05:00:00.000Z", 3],
      ],
    );
    const utc = (await report("?zone=UTC")).json();
    assert.deepEqual(
      utc.buckets.map((b: { start: string; attempts: number }) => [b.start, b.attempts]),
      [["2026-01-05T00:00:00.000Z", 4]],
    );
    const hours = (await report("?bucket=hour&from=2026-01-05T10:00:00Z")).json();
    assert.deepEqual(
      hours.buckets.map((b: { start: string; attempts: number }) => [b.start, b.attempts]),
      [["2026-01-05T11:00:00.000Z", 3]],
    );
  });

  test("refusals name the field; another account's campaign is not found", async () => {
    for (const [query, field] of [
      ["?zone=Mars/Olympus", "querystring.zone"],
      ["?zone=%2B05:07", "querystring.zone"],
      ["?from=2026-01-05T12:00:00Z&to=2026-01-05T11:00:00Z", "querystring.to"],
      ["?from=2024-01-01T00:00:00Z", "querystring.from"],
      ["?bucket=week", "querystring.bucket"],
    ]) {
      const res = await report(query);
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.equal(errorOf(res).field, field, query);
    }
    const other = await f.newAccount("other");
    const foreign = await f.call({
      method: "GET",
      url: `/v1/campaigns/${campaignId}/report`,
      key: other.key,
    });
    assert.equal(foreign.statusCode, 404);
  });
});
