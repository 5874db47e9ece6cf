// A node that stalls past its lease (a paused VM, a long GC) while its answered call talks on at the
// carrier: another node's sweep records the attempt lost (no answer, no charge) and gives the contact on.
// When the stalled node runs again its call ends, and its finish found the contact no longer its own and
// was dropped whole: the call that happened was never charged, and its attempt read lost with 0 s of talk
// (found by an audit, 2026-12-05). The attempt now gets what it was and its charge, once, and webhook
// subscribers, told attempt.ended lost by the sweep, hear attempt.ended again with what it was (hooks8).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { attemptEndedHook, stallablePair, webhookData } from "../helpers/stallable-pair.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;

for (const dialect of dialects()) {
  describe(`a stalled node's answered call [${dialect.name}]`, () => {
    test("is recorded as it was and charged once when it ends after another node swept it lost", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
      // Every call: a person who talks 150 s, 3 started minutes at 0.10 USD.
      const scenario = { base: "all_human", talkSec: { kind: "fixed", value: 150 } };
      const { clock, aClock, a, b, close } = stallablePair(store, t0, LEASE_MS, { a: scenario });
      try {
        const accountId = await createAccount(store, "acme", t0);
        await setRates(store, accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
        await topUp(store, accountId, usdToMicros(100), "funds", t0);
        const hook = await attemptEndedHook(store, accountId, t0);
        await a.run();
        const ids = await createCampaign(
          store,
          accountId,
          { maxConcurrent: 1, callsPerSecond: 1 },
          { now: t0 },
        );
        await addContacts(store, { accountId, ...ids }, [{ phones: ["+12025551000"] }], t0);
        await a.start(accountId, ids.campaignId);
        const answered = () => [...a.dispatcher.liveCalls.values()].find((c) => c.answeredAt !== null);
        while (!answered()) await clock.run({ until: clock.now() + 500 });
        const attemptId = Number(answered()?.attemptId);
        await b.engine.run();
        aClock.stalled = true; // A's event loop stops for 100 s; its call talks on
        await clock.run({ until: clock.now() + 100_000 });
        const attempt = () =>
          store.db.selectFrom("attempts").selectAll().where("id", "=", attemptId).executeTakeFirstOrThrow();
        assert.equal((await attempt()).outcome, "lost", "node B swept A's attempt lost");
        await aClock.resume();
        await clock.run({ until: clock.now() + 90_000 });
        assert.equal(a.dispatcher.liveCalls.size, 0, "A's call ended");
        await a.dispatcher.flush();
        const ended = await attempt();
        assert.deepEqual([ended.outcome, Number(ended.talk_sec)], ["human", 150]);
        assert.notEqual(ended.answered_at, null);
        const charges = await store.db
          .selectFrom("balance_transactions")
          .select("amount_micros")
          .where("attempt_id", "=", attemptId)
          .where("kind", "=", "charge")
          .execute();
        assert.deepEqual(
          charges.map((c) => Number(c.amount_micros)),
          [-usdToMicros(0.3)],
          "charged once: 3 started minutes",
        );
        const account = await store.db
          .selectFrom("accounts")
          .select("balance_micros")
          .where("id", "=", accountId)
          .executeTakeFirstOrThrow();
        assert.equal(Number(account.balance_micros), usdToMicros(99.7));
        const told = await webhookData<{
          attempt: { id: number; outcome: string; talkSec: number };
          corrects?: { outcome: string };
        }>(store, hook.id);
        assert.deepEqual(
          told.map((d) => [d.attempt.id, d.attempt.outcome, d.attempt.talkSec, d.corrects?.outcome ?? null]),
          [
            [attemptId, "lost", 0, null],
            [attemptId, "human", 150, "lost"],
          ],
          "the sweep's lost, then what the call was",
        );
      } finally {
        await close();
      }
    });
  });
}
