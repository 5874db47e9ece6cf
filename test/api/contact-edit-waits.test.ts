// A PATCH of a pending contact's phones, zone, window or start time judges again the wait the contact's data
// or the campaign's settings set (a window, a number's cap), from now, as a campaign edit does; a rule's wait
// (a retry's interval) stands; a start time laid over a retry keeps the retry's own time beneath it, so
// taking the start time back brings the retry back (audit contacts7).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

const HOUR = 3_600_000;
let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

const row = (id: number) =>
  f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

async function stepUntil(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 60 && !(await ok()); i++) {
    await f.clock.run({ until: f.clock.now() + 1000 });
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a zone edit re-judges a called contact that the old zone's callee window put off", async () => {
  // Monday 12:00 UTC = 21:00 in Tokyo (window 09:00-17:00 closed until 00:00 UTC), 12:00 in London (open).
  const { id: campaignId, listId } = await createCampaignViaApi(f, {
    name: "zone-fix",
    settings: { scenario: "all_human", calleeWindow: { from: "09:00", to: "17:00" } },
  });
  const [cid] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    {
      // Called once before (a retry is due now), zone wrongly set to Tokyo.
      phones: JSON.stringify(["+442071234567"]),
      time_zone: "Asia/Tokyo",
      attempts: 1,
      phone_attempts: "[1]",
      next_attempt_at: f.clock.now() - HOUR,
      last_attempt_at: f.clock.now() - 2 * HOUR,
    },
  ]);
  // Hold the campaign's dialing off while we look: start it, let the engine judge the contact, then pause.
  assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/start` })).statusCode, 200);
  await stepUntil(async () => (await row(cid)).wait_reason === "callee_window");
  const deferred = await row(cid);
  assert.equal(deferred.wait_reason, "callee_window", "precondition: put off by the Tokyo window");
  assert.ok(Number(deferred.next_attempt_at) > f.clock.now() + 10 * HOUR, "precondition: ~12 h away");

  const now = f.clock.now();
  const res = await f.call({
    method: "PATCH",
    url: `/v1/contacts/${cid}`,
    payload: { time_zone: "Europe/London" },
  });
  assert.equal(res.statusCode, 200, res.body);
  const edited = await row(cid);
  // In London the window is open now and the retry was due an hour ago: judged again at once.
  assert.ok(
    Number(edited.next_attempt_at) <= now,
    `still waits for Tokyo's 09:00: next_attempt_at ${new Date(Number(edited.next_attempt_at)).toISOString()} ` +
      `(${edited.wait_reason}), now ${new Date(now).toISOString()}`,
  );
});

test("a phone edit re-judges a called contact put off by its old number's 30-day cap", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "cap-fix" });
  const now = f.clock.now();
  const [cid] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    {
      // As the claim leaves a contact whose number used its cap (per30d) : put off ~29 days.
      phones: JSON.stringify(["+442071234999"]),
      time_zone: "Europe/London",
      attempts: 1,
      phone_attempts: "[1]",
      wait_reason: "phone_cap",
      next_attempt_at: now + 29 * 24 * HOUR,
    },
  ]);
  const res = await f.call({
    method: "PATCH",
    url: `/v1/contacts/${cid}`,
    payload: { phones: ["+442071234888"] },
  });
  assert.equal(res.statusCode, 200, res.body);
  const edited = await row(cid);
  assert.ok(
    Number(edited.next_attempt_at) <= now,
    `the new number (never called) still waits for the old number's cap: ${new Date(Number(edited.next_attempt_at)).toISOString()} (${edited.wait_reason})`,
  );
});

test("a start time set by mistake on a called contact cannot be taken back (null or an earlier one)", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "start-undo" });
  const now = f.clock.now();
  const [cid] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    {
      phones: JSON.stringify(["+442071234777"]),
      attempts: 1,
      phone_attempts: "[1]",
      wait_reason: "retry",
      next_attempt_at: now + HOUR, // its retry is due in an hour
    },
  ]);
  const patch = (payload: object) => f.call({ method: "PATCH", url: `/v1/contacts/${cid}`, payload });
  const wrong = await patch({ start_at: new Date(now + 30 * 24 * HOUR).toISOString() });
  assert.equal(wrong.statusCode, 200, wrong.body);
  const saidReason = wrong.json().wait_reason;
  const undo = await patch({ start_at: null });
  assert.equal(undo.statusCode, 200, undo.body);
  assert.equal(undo.json().start_at, null);
  assert.equal(
    undo.json().next_attempt_at,
    new Date(now + HOUR).toISOString(),
    "start_at cleared: due at the retry's own time again",
  );
  assert.equal(
    saidReason,
    "start_at",
    `while it waited 30 days for the start time its wait_reason said ${saidReason}`,
  );
});

test("a start time later than a retry is the wait's reason; an edit of the zone leaves a retry's own time", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "retry-kept" });
  const now = f.clock.now();
  const [cid] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    {
      phones: JSON.stringify(["+442071234666"]),
      attempts: 1,
      phone_attempts: "[1]",
      wait_reason: "retry",
      next_attempt_at: now + HOUR,
    },
  ]);
  const zone = await f.call({
    method: "PATCH",
    url: `/v1/contacts/${cid}`,
    payload: { time_zone: "Europe/Paris" },
  });
  assert.equal(zone.statusCode, 200, zone.body);
  assert.equal(zone.json().next_attempt_at, new Date(now + HOUR).toISOString(), "a retry's interval stands");
  assert.equal((await row(cid)).wait_reason, "retry");
});

test("a zone edit keeps a list reset's start time, which lives only in the wait", async () => {
  for (const attempts of [0, 1]) {
    const { id: campaignId, listId } = await createCampaignViaApi(f, { name: `reset-start-${attempts}` });
    const now = f.clock.now();
    const [cid] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
      {
        phones: JSON.stringify(["+442071234555"]),
        status: "failed",
        attempts,
        phone_attempts: `[${attempts}]`,
      },
    ]);
    const startAt = new Date(now + 5 * HOUR).toISOString();
    const reset = await f.call({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/lists/${listId}/reset`,
      payload: { startAt },
    });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal((await row(cid)).wait_reason, "start_at");
    const zone = await f.call({
      method: "PATCH",
      url: `/v1/contacts/${cid}`,
      payload: { time_zone: "Europe/Paris" },
    });
    assert.equal(zone.statusCode, 200, zone.body);
    assert.equal(zone.json().next_attempt_at, startAt, `attempts ${attempts}: the reset's start time stands`);
    assert.equal((await row(cid)).wait_reason, "start_at");
  }
});
