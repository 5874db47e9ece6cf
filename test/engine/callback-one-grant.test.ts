// A personal callback grants one attempt beyond the campaign's limits, and only one: moving it after a
// claim deferred it (a cap rewrote its wait reason) granted a second; and a contact whose phones were edited
// after all were used is called back rather than settled exhausted with the callback unmade.
import assert from "node:assert/strict";
import { test } from "node:test";
import { claimHooks } from "../../src/engine/campaign-gate.ts";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import { editContact } from "../../src/lists/contact-edit.ts";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { harness } from "../helpers/engine-harness.ts";

const A = "+12025557100";

test("moving a callback the claim deferred (phone cap) does not grant a second extra attempt", async () => {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign(
      { maxAttemptsPerContact: 2, retryIntervalSec: 7200, phoneCaps: { per24h: 1 } },
      [{ phones: [A] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 120_000 });
    const [first] = await h.attempts(id);
    assert.ok(first?.ended_at, "first call ended");
    // The person asks to be called back in 10 minutes.
    assert.equal(
      await scheduleCallback(h.store, h.accountId, first.id, h.clock.now() + 600_000, h.clock.now()),
      null,
    );
    // At its time the claim defers it: the number had its one call of the day.
    await h.clock.run({ until: h.clock.now() + 900_000 });
    const [waiting] = await h.contacts(id);
    assert.equal(waiting.status, "pending");
    assert.notEqual(waiting.wait_reason, "callback", "the claim deferred it: its wait reason is the cap's");
    // The agent moves the callback from the same call ("no, in half an hour").
    assert.equal(
      await scheduleCallback(h.store, h.accountId, first.id, h.clock.now() + 1_800_000, h.clock.now()),
      null,
    );
    const [moved] = await h.contacts(id);
    await h.runToEnd(6 * 86_400_000);
    const calls = await h.attempts(id);
    const [contact] = await h.contacts(id);
    assert.equal(JSON.parse(contact.retry_counts).callbacks, 1, "one callback granted");
    // Two regular attempts and the one callback.
    assert.equal(calls.length, 3, `calls: ${calls.length}`);
    assert.equal(JSON.parse(moved.retry_counts).callbacks, 1, "a move must not count a second callback");
  } finally {
    await h.close();
  }
});

const B = "+12025557101";

test("a callback set after a phones edit of a spent contact is dialed", async () => {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign(
      { maxAttemptsPerContact: 5, maxAttemptsPerPhone: 1, multiNumber: "sequential" },
      [{ phones: [A, B] }],
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd(86_400_000);
    const [first] = await h.attempts(id);
    let [c] = await h.contacts(id);
    assert.equal(c.status, "exhausted");
    // B was a wrong number: a supervisor removes it.
    const edited = await editContact(h.store, h.accountId, c.id, { phones: [A] }, { now: h.clock.now() });
    assert.equal(edited.kind, "edited", JSON.stringify(edited));
    [c] = await h.contacts(id);
    // The agent of the first call (on A) sets the callback the person asked for.
    const at = h.clock.now() + 600_000;
    assert.equal(await scheduleCallback(h.store, h.accountId, first.id, at, h.clock.now()), null);
    await h.store.db.updateTable("campaigns").set({ status: "running" }).where("id", "=", id).execute();
    const row = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const hooks = claimHooks(new CampaignRuntime(row), at);
    const claimed = await openDispatchStore(h.store).claim({
      campaignId: id,
      limit: 1,
      owner: "node-x",
      now: at,
      leaseUntil: at + 3_600_000,
      recentSince: hooks.recentSince,
      promoteDue: true,
      settledEvents: undefined,
      decide: (cand, recent) => hooks.decide(cand, at, recent),
    });
    [c] = await h.contacts(id);
    assert.equal(
      claimed.started.length,
      1,
      `the callback was not dialed: contact ${c.status}/${c.wait_reason}`,
    );
  } finally {
    await h.close();
  }
});
