// Explain under the balance floor: a scheduled campaign the gate will stop at its start time promises no
// dial; a campaign stopped for its balance and topped up since is not told the balance is still short; a
// paused one is told its resume is refused, a stopped one its recover (review34).
import assert from "node:assert/strict";
import { test } from "node:test";
import { usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import { harness } from "../helpers/engine-harness.ts";

const human = { base: "all_human", postDialSec: 0, ringSec: 2, talkSec: 5 };

/** A harness whose account pays 1 USD a minute and holds `usd`. */
async function fundedHarness(usd: number) {
  const h = await harness({ scenario: human });
  await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(1), prefixes: [] });
  await topUp(h.store, h.accountId, usdToMicros(usd), "funds", h.clock.now());
  await h.engine.billingChanged(h.accountId);
  return h;
}

type Harness = Awaited<ReturnType<typeof harness>>;
const campaignRow = (h: Harness, id: number) =>
  h.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

test("E1: explain of a scheduled campaign under the balance floor promises no dial at its start time", async () => {
  const h = await fundedHarness(2.5);
  try {
    const startAt = h.clock.now() + 3_600_000;
    const later = await h.campaign(
      { startAt, maxConcurrent: 1, successMinTalkSec: 0 },
      [{ phones: ["+12025550100"] }],
      "later",
    );
    await h.engine.start(h.accountId, later);
    // Another campaign of the account spends the balance meanwhile (2 answered calls, 1 USD each).
    const now = await h.campaign(
      { maxConcurrent: 1, successMinTalkSec: 0 },
      [{ phones: ["+12025550101"] }, { phones: ["+12025550102"] }],
      "now",
    );
    await h.engine.start(h.accountId, now);
    await h.clock.advance(120_000);
    const bal = await h.store.db
      .selectFrom("accounts")
      .select("balance_micros")
      .where("id", "=", h.accountId)
      .executeTakeFirstOrThrow();
    assert.ok(Number(bal.balance_micros) < usdToMicros(1), `balance spent: ${bal.balance_micros}`);

    const ex = await h.engine.explain(h.accountId, later);

    // What really happens at the start time: stopped for the balance, nothing dialed.
    await h.clock.advance(3_700_000);
    const row = await campaignRow(h, later);
    assert.equal(row.status, "stopped");
    assert.equal((await h.attempts(later)).length, 0);

    assert.ok(
      ex.reasons.some((r) => r.code === "balance"),
      `explain names no balance reason: ${JSON.stringify(ex.reasons)}`,
    );
    assert.equal(ex.nextDialAt, null, "explain promised a dial at the start time; none comes");
  } finally {
    await h.close();
  }
});

test("E2: after a top-up, explain of a campaign stopped for its balance does not say the balance is under 1 USD", async () => {
  const h = await fundedHarness(1.5);
  try {
    const id = await h.campaign(
      { maxConcurrent: 1, successMinTalkSec: 0 },
      Array.from({ length: 5 }, (_, i) => ({ phones: [`+1202555020${i}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.clock.advance(120_000);
    const row = await campaignRow(h, id);
    assert.equal(row.status, "stopped");
    assert.equal(row.status_reason, "balance under 1 USD");

    await topUp(h.store, h.accountId, usdToMicros(50), "card", h.clock.now());
    await h.engine.billingChanged(h.accountId);
    const ex = await h.engine.explain(h.accountId, id);
    const balance = ex.reasons.find((r) => r.code === "balance");
    assert.ok(balance, "still says why it is stopped");
    assert.doesNotMatch(balance.message, /balance is under 1 USD/, "the balance is 50+ USD now");
  } finally {
    await h.close();
  }
});

test("E3: explain of a paused campaign under the balance floor says the balance, not only 'resume it to dial'", async () => {
  const h = await fundedHarness(2.5);
  try {
    const paused = await h.campaign(
      { maxConcurrent: 1, successMinTalkSec: 0 },
      [{ phones: ["+12025550300"] }],
      "paused",
    );
    await h.engine.start(h.accountId, paused);
    await h.engine.pause(h.accountId, paused);
    const spender = await h.campaign(
      { maxConcurrent: 1, successMinTalkSec: 0 },
      [{ phones: ["+12025550301"] }, { phones: ["+12025550302"] }],
      "spender",
    );
    await h.engine.start(h.accountId, spender);
    await h.clock.advance(120_000);
    const ex = await h.engine.explain(h.accountId, paused);
    const resume = await h.engine.resume(h.accountId, paused).then(
      (s) => `resumed: ${s}`,
      (e: { code?: string }) => `refused: ${e.code}`,
    );
    assert.equal(resume, "refused: insufficient_balance");
    assert.ok(
      ex.reasons.some((r) => r.code === "balance"),
      `explain: ${JSON.stringify(ex.reasons)}`,
    );
  } finally {
    await h.close();
  }
});

test("E4: explain of a campaign stopped by request under the balance floor says its recover is refused", async () => {
  const h = await fundedHarness(2.5);
  try {
    const id = await h.campaign({ maxConcurrent: 1 }, [{ phones: ["+12025550100"] }], "c");
    await h.engine.start(h.accountId, id);
    await h.engine.stop(h.accountId, id);
    await h.store.db
      .updateTable("accounts")
      .set({ balance_micros: usdToMicros(0.5) })
      .where("id", "=", h.accountId)
      .execute();
    await h.engine.billingChanged(h.accountId);
    await assert.rejects(h.engine.recover(h.accountId, id), /under 1 USD/);
    const ex = await h.engine.explain(h.accountId, id);
    assert.deepEqual(
      ex.reasons.map((r) => r.code),
      ["not_running", "balance"],
    );
    assert.match(ex.reasons[1].message, /a recover is refused/);
  } finally {
    await h.close();
  }
});
