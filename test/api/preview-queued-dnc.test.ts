// Do-not-call lists are checked at every dial: a previewed dial that waits for a later calls-per-second slot
// is looked at again when the slot comes, and a number listed meanwhile is given back, never dialed (it was
// checked only when the agent pressed dial).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const post = (url: string, payload: unknown = {}) =>
  f.call({ method: "POST", url, payload: payload as object });

test("a previewed dial queued for a later cps slot is not placed once its number is listed", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, {
    name: "preview",
    settings: {
      dialMethod: "preview",
      scenario: "all_human",
      callsPerSecond: 0.01, // one call each 100 s
      calleeWindow: { from: "00:00", to: "24:00" },
    },
  });
  await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    { phones: JSON.stringify(["+14155552000"]) },
    { phones: JSON.stringify(["+14155552001"]) },
  ]);
  const ann = (await post("/v1/agents", { name: "Ann" })).json().id as number;
  const bob = (await post("/v1/agents", { name: "Bob" })).json().id as number;
  const put = await f.call({
    method: "PUT",
    url: `/v1/campaigns/${campaignId}/agents`,
    payload: {
      agents: [
        { agentId: ann, penalty: 0 },
        { agentId: bob, penalty: 0 },
      ],
    },
  });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);

  const first = (await post(`/v1/agents/${ann}/preview/next`)).json().contact;
  const second = (await post(`/v1/agents/${bob}/preview/next`)).json().contact;
  assert.ok(first && second, "both agents preview a contact");
  assert.equal((await post(`/v1/agents/${ann}/preview/dial`)).statusCode, 200); // goes out now
  const queued = await post(`/v1/agents/${bob}/preview/dial`); // waits for the slot 100 s later
  assert.equal(queued.statusCode, 200, queued.body);

  // 30 s later, before that slot, the person's number goes on the account's do-not-call list.
  await f.clock.run({ until: f.clock.now() + 30_000 });
  const listed = await post("/v1/dnc", { numbers: [second.phone] });
  assert.equal(listed.statusCode, 200, listed.body);

  for (let i = 0; i < 300; i++) {
    await f.clock.run({ until: f.clock.now() + 1000 });
    await new Promise((r) => setTimeout(r, 2));
  }
  const attempts = await f.store.db
    .selectFrom("attempts")
    .select(["phone", "started_at", "outcome", "answered_at"])
    .where("campaign_id", "=", campaignId)
    .execute();
  const dialedListed = attempts.filter((a) => a.phone === second.phone && a.outcome !== null);
  assert.deepEqual(dialedListed, [], `a listed number was called: ${JSON.stringify(attempts)}`);
  const contact = await f.store.db
    .selectFrom("contacts")
    .select(["status", "lease_owner"])
    .where("id", "=", second.contact_id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(contact, { status: "pending", lease_owner: null }, "given back for the claim to settle");
  // The claim's rules then settle it without a call.
  await post(`/v1/agents/${bob}/preview/skip`);
  const next = await post(`/v1/agents/${bob}/preview/next`);
  assert.equal(next.statusCode < 500, true, next.body);
  const settled = await f.store.db
    .selectFrom("contacts")
    .select(["status", "wait_reason"])
    .where("id", "=", second.contact_id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(settled, { status: "suppressed", wait_reason: "dnc" });
});
