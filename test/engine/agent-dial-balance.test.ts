// Agents' dials (a preview, a personal callback) go through the balance floor as the dispatch pass's do: a
// metered account under 1 USD, the charges not yet written counted, dials nothing more. They had checked
// only the campaign's status, so an agent who went ready as the call that took the account under its floor
// ended was put through to a due callback before the pass stopped the campaign (found by an audit,
// 2026-12-05).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { EngineError } from "../../src/engine/types.ts";
import { usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const open = { dialMethod: "preview", wrapUpSec: 0, calleeWindow: { from: "00:00", to: "24:00" } } as const;
const people = [1, 2, 3].map((n) => ({ phones: [`+1202555010${n}`] }));

/** A metered account with `usd`, every call a person talking 600 s at 0.10 USD a minute: 1.00 USD. */
async function metered(usd: number) {
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 15, 0, 0),
    scenario: { base: "all_human", talkSec: { kind: "fixed", value: 600 } },
  });
  await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
  await topUp(h.store, h.accountId, usdToMicros(usd), "funds", h.clock.now());
  await h.engine.billingChanged(h.accountId);
  return h;
}

/** A started preview campaign of three people and Ann, logged in to it and ready. */
async function previewCampaign(h: Awaited<ReturnType<typeof metered>>) {
  const id = await h.campaign(open, people);
  const [ann] = await queueAgents(h, id, 1);
  await h.engine.start(h.accountId, id);
  await h.engine.agents.login(h.accountId, ann, id);
  await h.engine.agents.ready(h.accountId, ann).catch(() => {});
  return { id, ann };
}

test("a personal callback due as a charge takes the account under its floor is not dialed", async () => {
  const h = await metered(2.5);
  try {
    const { id, ann } = await previewCampaign(h);
    const state = async () => (await h.engine.agents.state(h.accountId, ann)).state;
    const step = () => h.clock.run({ until: h.clock.now() + 1000 });

    // Call 1 (2.50 → 1.50 USD); its contact is held as Ann's callback five minutes on.
    assert.ok(await h.engine.agents.previewNext(h.accountId, ann));
    await h.engine.agents.previewDial(h.accountId, ann);
    while ((await state()) !== "on_call") await step();
    while ((await state()) !== "ready") await step();
    await step();
    const [first] = await h.attempts(id);
    await h.engine.agents.dispose(h.accountId, ann, "call back", first.id, {
      callbackAt: h.clock.now() + 300_000,
      personal: true,
    });

    // Call 2 (1.50 → 0.50 USD) ends after the callback fell due: Ann is ready at once (no wrap-up).
    assert.ok(await h.engine.agents.previewNext(h.accountId, ann));
    await h.engine.agents.previewDial(h.accountId, ann);
    while ((await state()) !== "on_call") await step();
    while ((await state()) === "on_call") await step();
    const endedAt = h.clock.now();
    await h.clock.run({ until: h.clock.now() + 700_000 });

    const row = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "stopped");
    const late = (await h.attempts(id)).filter((a) => Number(a.started_at) >= endedAt - 1000);
    assert.equal(
      late.length,
      0,
      `${late.length} call(s) dialed after the charge took the balance under 1 USD`,
    );
    const account = await h.store.db
      .selectFrom("accounts")
      .select("balance_micros")
      .where("id", "=", h.accountId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(account.balance_micros), usdToMicros(0.5));
  } finally {
    await h.close();
  }
});

test("a previewed contact is not dialed once the balance went under the floor after the preview", async () => {
  const h = await metered(5);
  try {
    const { id, ann } = await previewCampaign(h);
    assert.ok(await h.engine.agents.previewNext(h.accountId, ann));
    // Spent elsewhere meanwhile (another node's calls): 0.50 USD left.
    await h.store.db
      .updateTable("accounts")
      .set({ balance_micros: usdToMicros(0.5) })
      .where("id", "=", h.accountId)
      .execute();
    await h.engine.billingChanged(h.accountId);
    await assert.rejects(h.engine.agents.previewDial(h.accountId, ann), (err: EngineError) => {
      assert.equal(err.code, "insufficient_balance");
      assert.equal(err.status, 409);
      return true;
    });
    await h.clock.run({ until: h.clock.now() + 60_000 });
    assert.deepEqual(await h.attempts(id), [], "nothing dialed: the previewed contact went back");
    const row = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "stopped", "the pass stops the campaign");
    assert.ok(
      await h.engine.agents.previewNext(h.accountId, ann).then(
        () => false,
        () => true,
      ),
      "nothing to preview",
    );
  } finally {
    await h.close();
  }
});
