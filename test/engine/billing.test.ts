// Balance and charges on the virtual clock: each answered call is charged once, per started minute at its
// destination's rate; under 1 USD a campaign does not start, and a running one stops; a top-up and a
// resume (or recover) let it go on. On both dialects.
import assert from "node:assert/strict";
import { test } from "node:test";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { AccountBilling } from "../../src/engine/billing.ts";
import { usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import { deleteCampaignUnlessStatus } from "../../src/store/campaigns.ts";
import { openStore } from "../../src/store/db.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";
import { createAccount } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  test(`answered calls are charged; under 1 USD the campaign stops; a top-up and resume go on [${dialect.name}]`, async () => {
    // Humans answer and talk 30–150 s: one to three started minutes each.
    const scenario = {
      base: "all_human",
      talkSec: { kind: "uniform", min: 30, max: 150 },
    };
    const h = await harness({ scenario, openStore: dialect.open });
    try {
      const balance = async () =>
        (
          await h.store.db
            .selectFrom("accounts")
            .select("balance_micros")
            .where("id", "=", h.accountId)
            .executeTakeFirstOrThrow()
        ).balance_micros;
      await setRates(h.store, h.accountId, {
        defaultMicrosPerMinute: usdToMicros(0.1),
        prefixes: [
          { prefix: "1", microsPerMinute: usdToMicros(0.02) },
          { prefix: "1202", microsPerMinute: usdToMicros(0.25) },
        ],
      });
      await topUp(h.store, h.accountId, usdToMicros(0.5), "too little", h.clock.now());
      const contacts = Array.from({ length: 30 }, (_, i) => ({
        phones: [
          i % 3 === 0 ? `+1202555${4000 + i}` : i % 3 === 1 ? `+1303555${4000 + i}` : `+44207946${1000 + i}`,
        ],
      }));
      const id = await h.campaign({ maxConcurrent: 3, successMinTalkSec: 0 }, contacts);

      await assert.rejects(
        h.engine.start(h.accountId, id),
        (e: Error & { code?: string }) => e.code === "insufficient_balance",
      );
      await topUp(h.store, h.accountId, usdToMicros(1.5), "second", h.clock.now());
      await h.engine.billingChanged(h.accountId);
      await h.engine.start(h.accountId, id);
      await h.clock.advance(6 * 3_600_000);

      const stopped = await h.store.db
        .selectFrom("campaigns")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(stopped.status, "stopped", "the campaign stopped when the balance fell under 1 USD");
      const explained = await h.engine.explain(h.accountId, id);
      assert.ok(
        explained.reasons.some((r) => r.code === "balance"),
        JSON.stringify(explained.reasons),
      );
      const before = await h.attempts(id);
      assert.ok(before.length > 0 && before.length < 30, `some calls, not all: ${before.length}`);
      const left = await balance();
      assert.ok(left !== null && left < usdToMicros(1), `balance ${left}`);

      // Every answered call charged exactly once, per started minute at its destination's rate.
      const rate = (phone: string) =>
        phone.startsWith("+1202") ? 0.25 : phone.startsWith("+1") ? 0.02 : 0.1;
      const charges = await h.store.db
        .selectFrom("balance_transactions")
        .selectAll()
        .where("account_id", "=", h.accountId)
        .where("kind", "=", "charge")
        .execute();
      // Lines still ringing at the stop were hung up, unanswered and free.
      const answered = before.filter((a) => a.answered_at !== null);
      assert.equal(charges.length, answered.length);
      for (const a of answered) {
        const c = charges.filter((x) => x.attempt_id === a.id);
        assert.equal(c.length, 1, `attempt ${a.id} charged once`);
        const minutes = Math.max(1, Math.ceil(a.talk_sec! / 60));
        assert.equal(
          c[0].amount_micros,
          -usdToMicros(minutes * rate(a.phone)),
          `attempt ${a.id} to ${a.phone}`,
        );
      }
      const spent = -charges.reduce((sum, c) => sum + c.amount_micros, 0);
      assert.equal(left, usdToMicros(2) - spent, "the balance is top-ups minus charges");

      // Nothing more is dialed while stopped; a top-up and a resume go on to the end.
      await h.clock.advance(3_600_000);
      assert.equal((await h.attempts(id)).length, before.length);
      await topUp(h.store, h.accountId, usdToMicros(50), "refill", h.clock.now());
      await h.engine.billingChanged(h.accountId);
      assert.equal(await h.engine.resume(h.accountId, id), "running");
      await h.runToEnd();
      const all = await h.attempts(id);
      assert.equal(new Set(all.map((a) => a.contact_id)).size, 30, "every contact was called in the end");
      const final = await h.store.db
        .selectFrom("campaigns")
        .select("status")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(final.status, "completed");
    } finally {
      await h.close();
    }
  });
}

test("an unmetered account is never charged and never stopped for its balance", async () => {
  const h = await harness({ scenario: "all_human" });
  try {
    await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(5), prefixes: [] });
    const id = await h.campaign({ maxConcurrent: 2 }, [
      { phones: ["+12025554101"] },
      { phones: ["+12025554102"] },
    ]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd();
    assert.equal((await h.attempts(id)).length, 2);
    const charges = await h.store.db.selectFrom("balance_transactions").selectAll().execute();
    assert.equal(charges.length, 0);
  } finally {
    await h.close();
  }
});

test("a call hung up while AMD still listens was connected: it is answered and charged", async () => {
  // People answer after 5 s of ringing; the detector needs 8 s, longer than the 3 s the test lets them talk.
  const scenario = {
    base: "all_human",
    postDialSec: 0,
    ringSec: 5,
    amdSec: 8,
    amdAccuracy: 1,
    talkSec: 60,
  };
  const h = await harness({ scenario });
  try {
    await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
    await topUp(h.store, h.accountId, usdToMicros(5), "funds", h.clock.now());
    const id = await h.campaign(
      {
        maxConcurrent: 2,
        amd: { enabled: true, mode: "background", params: { totalAnalysisTime: 9000 } },
      },
      [{ phones: ["+12025554201"] }, { phones: ["+12025554202"] }],
    );
    await h.engine.billingChanged(h.accountId);
    await h.engine.start(h.accountId, id);
    await h.clock.advance(8_000); // answered at 5 s, no verdict until 13 s
    assert.equal(h.engine.dispatcher.liveCalls.size, 2);
    for (const call of h.engine.dispatcher.liveCalls.values()) assert.equal(call.answeredAt, null);
    // The lines drop (a stop would let them reach their verdict: someone is on the line).
    for (const call of [...h.engine.dispatcher.liveCalls.values()]) h.driver.hangup(call.callId);
    await h.clock.advance(1_000);
    await h.engine.dispatcher.flush();

    const attempts = await h.attempts(id);
    assert.equal(attempts.length, 2);
    for (const a of attempts) {
      assert.ok(a.talk_sec !== null && a.talk_sec >= 2.9, `talked ${a.talk_sec} s before the hangup`);
      assert.equal(Number(a.answered_at), Number(a.ended_at) - Math.round(Number(a.talk_sec) * 1000));
    }
    const charges = await h.store.db
      .selectFrom("balance_transactions")
      .selectAll()
      .where("kind", "=", "charge")
      .execute();
    // One started minute at 0.10 USD each.
    assert.deepEqual(charges.map((c) => Number(c.amount_micros)).sort(), [
      -usdToMicros(0.1),
      -usdToMicros(0.1),
    ]);
  } finally {
    await h.close();
  }
});

/** Calls of 30 s at 0.10 USD a minute, each answered 5 s after its dial; `usd` on the balance. */
async function meteredCampaign(usd: number, maxConcurrent: number, contacts: number) {
  const h = await harness({ scenario: { base: "all_human", ringSec: 5, talkSec: 30, postDialSec: 0 } });
  await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
  await topUp(h.store, h.accountId, usdToMicros(usd), "funds", h.clock.now());
  const id = await h.campaign(
    { maxConcurrent, successMinTalkSec: 0 },
    Array.from({ length: contacts }, (_, i) => ({ phones: [`+1202555${4100 + i}`] })),
  );
  await h.engine.billingChanged(h.accountId);
  const status = async () =>
    (await h.store.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow())
      .status;
  const balance = async () =>
    Number(
      (
        await h.store.db
          .selectFrom("accounts")
          .select("balance_micros")
          .where("id", "=", h.accountId)
          .executeTakeFirstOrThrow()
      ).balance_micros,
    );
  return { h, id, status, balance };
}

/** The first charge took the balance under 1 USD: no call may have started from then on. */
async function noCallAfterFirstCharge(h: Harness, campaignId: number): Promise<void> {
  const [first] = await h.store.db
    .selectFrom("balance_transactions")
    .select("created_at")
    .where("kind", "=", "charge")
    .orderBy("id")
    .execute();
  const late = (await h.attempts(campaignId)).filter((a) => Number(a.started_at) >= Number(first.created_at));
  assert.equal(late.length, 0, `${late.length} calls started once the balance was under 1 USD`);
}

for (const maxConcurrent of [1, 10]) {
  test(`no call is placed once the charges of ended calls take the balance under 1 USD (maxConcurrent ${maxConcurrent})`, async () => {
    // 1.05 USD: the first wave's charges take it under the floor.
    const { h, id, status } = await meteredCampaign(1.05, maxConcurrent, 40);
    try {
      await h.engine.start(h.accountId, id);
      await h.clock.advance(3_600_000);
      assert.equal(await status(), "stopped");
      await noCallAfterFirstCharge(h, id);
    } finally {
      await h.close();
    }
  });
}

test("a stop for the balance hangs up the lines still ringing, as a stop by request does (balance6)", async () => {
  // People answer after 2–50 s of ringing and talk 5 s, at 0.10 USD a minute on 1.05 USD: the first charge
  // takes the account under 1 USD while most of the wave still rings. Those lines were answered, and
  // charged, after the stop.
  const h = await harness({
    scenario: {
      base: "all_human",
      postDialSec: 0,
      ringSec: { kind: "uniform", min: 2, max: 50 },
      talkSec: 5,
    },
  });
  try {
    await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
    await topUp(h.store, h.accountId, usdToMicros(1.05), "funds", h.clock.now());
    await h.engine.billingChanged(h.accountId);
    const id = await h.campaign(
      { maxConcurrent: 10, successMinTalkSec: 0, callsPerSecond: 10 },
      Array.from({ length: 40 }, (_, i) => ({ phones: [`+1202555${4100 + i}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.clock.advance(600_000);
    const row = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.status_reason], ["stopped", "balance under 1 USD"]);
    const attempts = await h.attempts(id);
    assert.ok(attempts.length > 1, "a wave was placed");
    const late = attempts.filter(
      (a) => a.answered_at !== null && Number(a.answered_at) > Number(row.updated_at),
    );
    assert.equal(late.length, 0, `${late.length} lines rang on after the stop and were answered`);
  } finally {
    await h.close();
  }
});

test("charges another flush is writing (an agent's disposition) count against the floor too", async () => {
  const { h, id, status } = await meteredCampaign(1.05, 10, 40);
  try {
    // A slow commit of the outcomes, as PostgreSQL's travels; a flush from outside the pass whenever ended
    // calls wait, as an agent's disposition flushes.
    const store = h.engine.dispatch;
    const finish = store.finish.bind(store);
    let slowCommits = 0;
    store.finish = async (batch) => {
      slowCommits++;
      await new Promise<void>((r) => setTimeout(r, 30));
      return finish(batch);
    };
    const d = h.engine.dispatcher as unknown as { ended: { waitingCount: number }; wake(at?: number): void };
    const wake = d.wake.bind(d);
    d.wake = (at?: number) => {
      if (d.ended.waitingCount > 0) void h.engine.dispatcher.flush().catch(() => {});
      wake(at);
    };
    await h.engine.start(h.accountId, id);
    await h.clock.advance(3_600_000);
    assert.ok(slowCommits > 0, "the slow commit was taken");
    assert.equal(await status(), "stopped");
    await noCallAfterFirstCharge(h, id);
  } finally {
    await h.close();
  }
});

test("a top-up served while a charge is being written does not stop a campaign the account can pay for", async () => {
  const { h, id, status, balance } = await meteredCampaign(1.15, 1, 10);
  try {
    // The top-up's reload of the balance reads the charge already committed, before the dispatcher notes
    // it: the cache took it twice. Served here inside the claim's await, where PostgreSQL's COMMIT travels.
    const dispatch = h.engine.dispatch;
    const claim = dispatch.claim.bind(dispatch);
    let served = false;
    dispatch.claim = async (req) => {
      const result = await claim(req);
      if (!served && req.finished?.some((f) => f.charge)) {
        served = true;
        await topUp(h.store, h.accountId, usdToMicros(0.01), "small top-up", h.clock.now());
        await h.engine.billingChanged(h.accountId);
      }
      return result;
    };
    await h.engine.start(h.accountId, id);
    await h.clock.advance(50_000);
    assert.ok(served);
    assert.ok((await balance()) >= usdToMicros(1), "the account holds at least 1 USD");
    assert.equal(await status(), "running");
  } finally {
    await h.close();
  }
});

test("a stopped campaign is not deleted while its answered calls talk on: they end, are charged, then it goes", async () => {
  const h = await harness({ scenario: { base: "all_human", ringSec: 5, talkSec: 120, postDialSec: 0 } });
  try {
    await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
    await topUp(h.store, h.accountId, usdToMicros(20), "funds", h.clock.now());
    const id = await h.campaign({ maxConcurrent: 2 }, [
      { phones: ["+12025554101"] },
      { phones: ["+12025554102"] },
    ]);
    await h.engine.billingChanged(h.accountId);
    await h.engine.start(h.accountId, id);
    await h.clock.advance(30_000); // both answered at 5 s, talking until 125 s
    await h.engine.stop(h.accountId, id); // a stop hangs up only unanswered calls
    const ACTIVE = ["running", "scheduled", "paused"] as const;
    assert.equal(await deleteCampaignUnlessStatus(h.store, h.accountId, id, ACTIVE, h.clock.now()), false);
    await h.clock.advance(200_000);
    await h.engine.dispatcher.flush();
    const charges = await h.store.db
      .selectFrom("balance_transactions")
      .select("amount_micros")
      .where("kind", "=", "charge")
      .execute();
    assert.equal(charges.length, 2, "one charge per answered call");
    assert.equal(await deleteCampaignUnlessStatus(h.store, h.accountId, id, ACTIVE, h.clock.now()), true);
  } finally {
    await h.close();
  }
});

test("a charge committed while a reload is on its way still counts against the floor once the reload ends (balance6)", async () => {
  const store = await openStore({ url: ":memory:" });
  try {
    const accountId = await createAccount(store, "acme", 0);
    await topUp(store, accountId, usdToMicros(1.05), "funds", 0);

    // The dispatcher's flush of an ended call (0.10 USD) commits and is noted just after the reload read
    // the accounts row: exactly what sqlite.ts charge() + dispatcher.committed() do.
    let armed = false;
    const charge = usdToMicros(0.1);
    const plugin: KyselyPlugin = {
      transformQuery: (a: PluginTransformQueryArgs): RootOperationNode => a.node,
      transformResult: async (a: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        const rows = a.result.rows as { balance_micros?: number }[];
        if (armed && rows.some((r) => "balance_micros" in r)) {
          armed = false;
          store
            .sqlite!.prepare("UPDATE accounts SET balance_micros = balance_micros - ? WHERE id = ?")
            .run(charge, accountId);
          store
            .sqlite!.prepare(
              "INSERT INTO balance_transactions (account_id, kind, amount_micros, attempt_id, note, created_at) VALUES (?, 'charge', ?, 1, NULL, 1)",
            )
            .run(accountId, -charge);
          racing.noteCharged(accountId, charge);
        }
        return a.result;
      },
    };
    const racing = new AccountBilling({ ...store, db: store.db.withPlugin(plugin) });
    await racing.reload([accountId]);
    assert.equal(await racing.hasBalance(accountId), true, "1.05 USD: may dial");
    armed = true; // the next reload (a maintenance pass, a top-up elsewhere, a start) meets a flush
    await racing.reload([accountId]);

    const stored = (
      await store.db
        .selectFrom("accounts")
        .select("balance_micros")
        .where("id", "=", accountId)
        .executeTakeFirstOrThrow()
    ).balance_micros;
    assert.equal(stored, usdToMicros(0.95));
    assert.equal(
      await racing.hasBalance(accountId),
      false,
      "the cache forgot the charge: it lets calls out under 1 USD",
    );
  } finally {
    await store.close();
  }
});
