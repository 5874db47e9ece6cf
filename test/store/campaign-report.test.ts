// The campaign report on both dialects: ended attempts of the campaign started in the period, by outcome,
// with answers, live answers, successes and talk time, in total and per hour or day of a zone's clock
// (a +05:30 zone splits a UTC day); other campaigns', unended and out-of-period attempts are left out.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { campaignReport } from "../../src/store/campaign-report.ts";
import type { Store } from "../../src/store/db.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const DAY = Date.UTC(2026, 0, 5);
const at = (h: number, m = 0) => DAY + h * 3_600_000 + m * 60_000;

for (const dialect of dialects()) {
  describe(`campaignReport (${dialect.name})`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await dialect.open();
    });
    afterEach(() => store.close());

    test("totals, outcomes and buckets on a zone's clock, for the campaign's ended attempts in the period", async () => {
      const accountId = await createAccount(store, "acme");
      const ids = await createCampaign(store, accountId, {});
      const other = await createCampaign(store, accountId, {});
      const [c] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
      const [o] = await addContacts(store, { accountId, ...other }, [{ phones: ["+12125550101"] }]);
      let seq = 0;
      const call = (
        startedAt: number,
        outcome: string,
        more: Parameters<typeof insertAttempt>[1] | object = {},
      ) =>
        insertAttempt(store, {
          accountId,
          campaignId: ids.campaignId,
          contactId: c,
          seq: ++seq,
          startedAt,
          outcome,
          ...more,
        });
      await call(at(9, 5), "human", { answeredAt: at(9, 6), talkSec: 60, success: 1 });
      await call(at(9, 50), "human", { answeredAt: at(9, 51), talkSec: 5, success: 0 });
      await call(at(10, 10), "machine", { answeredAt: at(10, 11), talkSec: 20 });
      await call(at(10, 20), "busy");
      await call(at(18, 20), "abandoned", { answeredAt: at(18, 21), talkSec: 0 });
      await call(at(18, 40), "no_answer");
      // Left out: still on the line, before the period, and another campaign's.
      await call(at(11, 0), "human", { answeredAt: at(11, 1), endedAt: null });
      await call(at(-1), "human", { answeredAt: at(-1), talkSec: 100, success: 1 });
      await insertAttempt(store, {
        accountId,
        campaignId: other.campaignId,
        contactId: o,
        seq: 1,
        startedAt: at(9),
        outcome: "human",
      });

      const utc = await campaignReport(store, ids.campaignId, {
        from: DAY,
        to: DAY + 86_400_000,
        bucket: "hour",
        zone: "UTC",
      });
      assert.deepEqual(
        {
          attempts: utc.attempts,
          answered: utc.answered,
          live: utc.liveAnswers,
          ok: utc.successes,
          talk: utc.talkSec,
        },
        { attempts: 6, answered: 4, live: 3, ok: 1, talk: 85 },
      );
      assert.deepEqual(utc.byOutcome, { human: 2, machine: 1, busy: 1, abandoned: 1, no_answer: 1 });
      assert.deepEqual(
        utc.buckets.map((b) => [
          new Date(b.start).toISOString(),
          b.attempts,
          b.answered,
          b.successes,
          b.talkSec,
        ]),
        [
          ["2026-01-05T09:00:00.000Z", 2, 2, 1, 65],
          ["2026-01-05T10:00:00.000Z", 2, 1, 0, 20],
          ["2026-01-05T18:00:00.000Z", 2, 1, 0, 0],
        ],
      );
      // In Kolkata (+05:30) 18:20 UTC is 23:50 on the 5th and 18:40 UTC 00:10 on the 6th.
      const kolkata = await campaignReport(store, ids.campaignId, {
        from: DAY,
        to: DAY + 86_400_000,
        bucket: "day",
        zone: "Asia/Kolkata",
      });
      assert.deepEqual(
        kolkata.buckets.map((b) => [new Date(b.start).toISOString(), b.attempts]),
        [
          ["2026-01-04T18:30:00.000Z", 5],
          ["2026-01-05T18:30:00.000Z", 1],
        ],
      );
      const none = await campaignReport(store, ids.campaignId, {
        from: at(12),
        to: at(13),
        bucket: "day",
        zone: "UTC",
      });
      assert.deepEqual([none.attempts, none.buckets, none.byOutcome], [0, [], {}]);
    });
  });
}
