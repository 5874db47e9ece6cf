// What the claim settles or passes over instead of dialing: a number at an attempt limit lowered while its
// contact waited, and a contact whose windows are never all open at once on any of its numbers' clocks
// (it settles failed/no_window, so its campaign completes, like a number with no clock at all).
import assert from "node:assert/strict";
import { test } from "node:test";
import { NEVER_OPEN_REASON } from "../../src/engine/claim-decision.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";
import { addContacts, createCampaign } from "../helpers/fixtures.ts";
import { forcedOutcomes } from "../helpers/scenarios.ts";

async function campaignStatus(h: Harness, id: number): Promise<string> {
  const row = await h.store.db
    .selectFrom("campaigns")
    .select("status")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.status;
}

/** Two no-answer attempts, then the settings edited as PATCH writes them, then the campaign run out. */
async function lowerWhileWaiting(
  initial: Record<string, unknown>,
  lowered: Record<string, unknown>,
  phones: string[],
) {
  const h = await harness({
    scenario: forcedOutcomes(Object.fromEntries(phones.map((p) => [p, "no_answer"]))),
  });
  try {
    const id = await h.campaign({ maxAttemptsPerContact: 10, retryIntervalSec: 600, ...initial }, [
      { phones },
    ]);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 15 * 60_000 }); // calls at 0 and 10 min; the third due at 20
    assert.equal((await h.attempts(id)).length, 2);
    const row = await h.store.db
      .selectFrom("campaigns")
      .select("settings")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const settings = withDefaults({ ...JSON.parse(row.settings), ...lowered });
    await h.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify(settings) })
      .where("id", "=", id)
      .execute();
    await h.runToEnd(86_400_000);
    const [contact] = await h.contacts(id);
    return { attempts: await h.attempts(id), contact, status: await campaignStatus(h, id) };
  } finally {
    await h.close();
  }
}

test("maxAttemptsPerPhone lowered to 2 while a number called twice waits: it is not called again", async () => {
  const r = await lowerWhileWaiting({ maxAttemptsPerPhone: 5 }, { maxAttemptsPerPhone: 2 }, ["+12025550001"]);
  assert.equal(r.attempts.length, 2);
  assert.equal(r.contact.status, "exhausted");
  assert.equal(r.contact.wait_reason, "max_attempts_per_phone");
  assert.equal(r.status, "completed");
});

test("sequential numbers, maxAttemptsPerPhone lowered to 2: the next number is called instead of a third call", async () => {
  const phones = ["+12025550001", "+12025550002"];
  const r = await lowerWhileWaiting(
    { maxAttemptsPerPhone: 5, multiNumber: "sequential" },
    { maxAttemptsPerPhone: 2 },
    phones,
  );
  const calls = r.attempts.map((a) => a.phone);
  assert.deepEqual(calls, [phones[0], phones[0], phones[1], phones[1]]);
  assert.equal(r.contact.status, "exhausted");
});

test("a contact whose own weekly ranges miss every day the campaign calls settles failed (no_window); the campaign completes", async () => {
  const h = await harness({ scenario: "all_human", maintenanceMs: 3_600_000 });
  try {
    const weekdays = { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }] };
    const ids = await createCampaign(h.store, h.accountId, { schedule: weekdays }, { now: h.clock.now() });
    const weekendsOnly = JSON.stringify({ ranges: [{ days: [6, 7], from: "10:00", to: "12:00" }] });
    await addContacts(
      h.store,
      { accountId: h.accountId, ...ids },
      [{ phones: ["+12025550001"] }, { phones: ["+12025550002"], timeZone: "UTC", policy: weekendsOnly }],
      h.clock.now(),
    );
    await h.engine.start(h.accountId, ids.campaignId);
    await h.runToEnd(30 * 86_400_000);
    const byPhone = new Map((await h.contacts(ids.campaignId)).map((c) => [JSON.parse(c.phones)[0], c]));
    assert.equal(byPhone.get("+12025550001")?.status, "succeeded");
    assert.equal(byPhone.get("+12025550002")?.status, "failed");
    assert.equal(byPhone.get("+12025550002")?.wait_reason, NEVER_OPEN_REASON);
    assert.equal((await h.attempts(ids.campaignId)).length, 1);
    assert.equal(await campaignStatus(h, ids.campaignId), "completed");
  } finally {
    await h.close();
  }
});

test("a mobile of unknown zone across Russia's eleven hours under a 10:00–19:00 callee window: its other number is called; alone, it settles", async () => {
  const h = await harness({ scenario: "all_human", maintenanceMs: 3_600_000 });
  try {
    const zoneless = "+79161234568"; // every zone of +7 mobiles applies
    const id = await h.campaign({ calleeWindow: { from: "10:00", to: "19:00" } }, [
      { phones: ["+79161234567"], timeZone: "Europe/Moscow" },
      { phones: [zoneless] },
      { phones: [zoneless, "+74951234567"] }, // a Moscow landline: its zone is decided
    ]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(30 * 86_400_000);
    const calls = (await h.attempts(id)).map((a) => a.phone).sort();
    assert.deepEqual(calls, ["+74951234567", "+79161234567"]);
    const statuses = (await h.contacts(id)).map((c) => `${c.status}/${c.wait_reason}`).sort();
    assert.deepEqual(statuses, ["failed/no_window", "succeeded/success", "succeeded/success"]);
    assert.equal(await campaignStatus(h, id), "completed");
  } finally {
    await h.close();
  }
});
