// A callback agreed in wrap-up on the call that completed its campaign brings the campaign back (it was
// answered 200 and never made: the campaign stayed completed).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

test("a callback agreed on a campaign's last call is made (or refused), never left unmade with a 200", async () => {
  const {
    campaignId,
    contactIds: [dee],
    agentIds: [ann],
  } = await agentCampaign(f, {
    name: "last call",
    settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 60 },
    contacts: [{ phone: "+14155553601" }],
    agents: ["Ann"],
  });
  assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  await advanceUntil(() => state(ann) === "on_call");
  await f.clock.run({ until: f.clock.now() + 20_000 });
  await post(`/v1/agents/${ann}/hangup`);
  await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
  await f.clock.run({ until: f.clock.now() + 5_000 });
  const camp = async () =>
    (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}` })).json().status;
  const before = await camp();
  const at = f.clock.now() + 120_000;
  const cb = await post(`/v1/agents/${ann}/disposition`, {
    disposition: "call back",
    callbackAt: new Date(at).toISOString(),
  });
  assert.equal(before, "completed", "the campaign completed on its last call, while its agent wrapped up");
  assert.equal(cb.statusCode, 200, cb.body);
  await post(`/v1/agents/${ann}/ready`);
  await f.clock.run({ until: at + 120_000 });
  await f.engine.dispatcher.flush();
  const calls = (await attempts(campaignId)).filter((a) => Number(a.contact_id) === dee);
  const contact = await f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", dee)
    .executeTakeFirstOrThrow();
  assert.equal(
    calls.length,
    2,
    `callback accepted (campaign ${before} → ${await camp()}), contact ${contact.status}/${contact.wait_reason}: not made`,
  );
});
