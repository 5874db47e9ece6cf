// A contact given back undialed (a preview skip; the same release serves a pause, a stop, a dial pushed
// past its hours) reads as changed (updated_since hears it is pending again: it kept the claim's updated_at)
// and has no last_attempt_at of the attempt that was deleted; an attempt held for a preview and not dialed
// is not listed by the attempts API (it was, and vanished at the skip).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post } = agentShorthands(() => f);

test("a preview skip shows in updated_since, and leaves no last_attempt_at of a deleted attempt", async () => {
  const {
    campaignId,
    agentIds: [agent],
    contactIds: [cid],
  } = await agentCampaign(f, {
    name: "sync",
    settings: { dialMethod: "preview" },
    contacts: [{ phone: "+14155554001" }],
    agents: ["Ann"],
  });
  assert.equal((await post(`/v1/agents/${agent}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  const next = await post(`/v1/agents/${agent}/preview/next`);
  assert.ok(next.json().contact, next.body);

  // The integration polls: it sees the contact in_progress, and remembers when it polled.
  const poll1 = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/contacts` })).json();
  assert.equal(poll1.data[0].status, "in_progress");
  const polledAt = new Date(f.clock.now() + 1).toISOString();

  await f.clock.run({ until: f.clock.now() + 10_000 });
  const skip = await post(`/v1/agents/${agent}/preview/skip`);
  assert.equal(skip.statusCode, 200, skip.body);

  const now = (await f.call({ method: "GET", url: `/v1/contacts/${cid}` })).json();
  assert.equal(now.status, "pending", "the contact went back");
  const attempts = (await f.call({ method: "GET", url: `/v1/contacts/${cid}/attempts` })).json();
  assert.deepEqual(attempts.data, [], "nothing was dialed");

  // Next poll: changes since the last one.
  const poll2 = (
    await f.call({
      method: "GET",
      url: `/v1/campaigns/${campaignId}/contacts?updated_since=${encodeURIComponent(polledAt)}`,
    })
  ).json();
  assert.deepEqual(
    poll2.data.map((c: { id: number; status: string }) => [c.id, c.status]),
    [[cid, "pending"]],
    "the in_progress -> pending change is missed by updated_since",
  );
});

test("a released contact has no last_attempt_at when it has no attempts", async () => {
  const {
    campaignId,
    agentIds: [agent],
    contactIds: [cid],
  } = await agentCampaign(f, {
    name: "stale",
    settings: { dialMethod: "preview" },
    contacts: [{ phone: "+14155554002" }],
    agents: ["Bob"],
  });
  assert.equal((await post(`/v1/agents/${agent}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  assert.ok((await post(`/v1/agents/${agent}/preview/next`)).json().contact);
  assert.equal((await post(`/v1/agents/${agent}/preview/skip`)).statusCode, 200);
  const c = (await f.call({ method: "GET", url: `/v1/contacts/${cid}` })).json();
  const a = (await f.call({ method: "GET", url: `/v1/contacts/${cid}/attempts` })).json();
  assert.equal(c.attempts, 0);
  assert.equal(a.data.length, 0);
  assert.equal(c.last_attempt_at, null, "last_attempt_at names an attempt that does not exist");
});

test("an attempt held for a preview is not listed until it is dialed", async () => {
  const {
    campaignId,
    agentIds: [agent],
  } = await agentCampaign(f, {
    name: "phantom",
    settings: { dialMethod: "preview" },
    contacts: [{ phone: "+14155554001" }],
    agents: ["Ann"],
  });
  assert.equal((await post(`/v1/agents/${agent}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  assert.ok((await post(`/v1/agents/${agent}/preview/next`)).json().contact);
  const seen = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/attempts` })).json();
  assert.deepEqual(seen.data, [], "nothing was dialed: no attempt yet");
  assert.equal((await post(`/v1/agents/${agent}/preview/skip`)).statusCode, 200);
  const later = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/attempts` })).json();
  assert.deepEqual(
    later.data.map((a: { id: number }) => a.id),
    seen.data.map((a: { id: number }) => a.id),
    "an attempt listed while the contact was only previewed is gone after the skip",
  );
});
