// A preview given back after its previewing process died moves the contact's updated_at on to the give-back
// (it kept the claim's, so updated_since never heard the contact was pending again), and a contact whose
// wait ends (promoted into the dial queue: wait_reason cleared) shows in updated_since too.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type ApiFixture,
  advanceClockUntil,
  agentCampaign,
  agentShorthands,
  apiFixture,
  createCampaignViaApi,
  insertContacts,
} from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post } = agentShorthands(() => f);

async function previewed(name: string, phone: string) {
  const {
    campaignId,
    agentIds: [agent],
    contactIds: [cid],
  } = await agentCampaign(f, {
    name,
    settings: { dialMethod: "preview" },
    contacts: [{ phone }],
    agents: [name],
  });
  assert.equal((await post(`/v1/agents/${agent}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  assert.ok((await post(`/v1/agents/${agent}/preview/next`)).json().contact);
  return { campaignId, agent, cid };
}

test("a preview given back after its process died moves updated_at on to the give-back", async () => {
  const { campaignId, cid } = await previewed("lost", "+14155554102");
  await f.clock.run({ until: f.clock.now() + 5_000 });
  const polledAt = f.clock.now(); // the CRM polls 5 s after the claim and sees in_progress
  await f.clock.run({ until: f.clock.now() + 60_000 });
  // The previewing process dies (its leases pass to "(before restart)"); a sweep gives the contact back
  // exactly as engine.reconcileExpired does for a lost reservation.
  await f.engine.dispatch.expireLeasesOf("api-test");
  const now = f.clock.now();
  const lost = (await f.engine.dispatch.expiredLeases(now, 10)).find((l) => l.contact.id === cid);
  assert.ok(lost?.reserved, "a lost reservation");
  await f.engine.dispatcher.releaseLost({ ...lost, reserved: lost.reserved }, now);
  const c = (await f.call({ method: "GET", url: `/v1/contacts/${cid}` })).json();
  assert.equal(c.status, "pending", "given back");
  const poll = (
    await f.call({
      method: "GET",
      url: `/v1/campaigns/${campaignId}/contacts?updated_since=${encodeURIComponent(new Date(polledAt).toISOString())}`,
    })
  ).json();
  assert.deepEqual(
    poll.data.map((x: { id: number }) => x.id),
    [cid],
    `in_progress -> pending invisible to updated_since: updated_at ${c.updated_at}, polled ${new Date(polledAt).toISOString()}, given back ${new Date(now).toISOString()}`,
  );
});

test("a promoted contact (wait_reason start_at -> null) shows in updated_since", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, {
    name: "promote",
    settings: {
      scenario: JSON.stringify({ outcomes: { human: 1 }, postDialSec: 1, ringSec: 2, talkSec: 900 }),
      calleeWindow: { from: "00:00", to: "24:00" },
      maxConcurrent: 1,
    },
  });
  const now = f.clock.now();
  const [, late] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    { phones: JSON.stringify(["+14155550101"]), created_at: now, updated_at: now },
    {
      phones: JSON.stringify(["+14155550102"]),
      start_at: now + 60_000,
      next_attempt_at: now + 60_000,
      wait_reason: "start_at",
      created_at: now,
      updated_at: now,
    },
  ]);
  assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/start` })).statusCode, 200);
  await advanceClockUntil(f, () => f.engine.dispatcher.stats.originated >= 1, 1000, 30);
  // CRM polls: sees the second contact waiting for its start time.
  const before = (await f.call({ method: "GET", url: `/v1/contacts/${late}` })).json();
  assert.equal(before.wait_reason, "start_at");
  const polledAt = new Date(f.clock.now() + 1).toISOString();
  // Its start time passes while the one channel is busy: the dispatcher promotes it into the queue.
  await f.clock.run({ until: f.clock.now() + 120_000 });
  await new Promise((r) => setTimeout(r, 50));
  const nowView = (await f.call({ method: "GET", url: `/v1/contacts/${late}` })).json();
  assert.equal(nowView.status, "pending");
  assert.equal(nowView.wait_reason, null, "promoted: no longer waiting");
  const poll = (
    await f.call({
      method: "GET",
      url: `/v1/campaigns/${campaignId}/contacts?updated_since=${encodeURIComponent(polledAt)}`,
    })
  ).json();
  assert.ok(
    poll.data.some((c: { id: number }) => c.id === late),
    `wait_reason start_at -> null is invisible to updated_since (updated_at ${nowView.updated_at}, polled ${polledAt})`,
  );
});
