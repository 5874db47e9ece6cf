// A personal callback skipped while its dial waits for its calls-per-second slot stays the agent's and is
// shown held as such (explain said preview_skipped, and the waiting counts would call it due).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post, state, advanceUntil } = agentShorthands(() => f);
const contactRow = (id: number) =>
  f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

test("a personal callback skipped while its dial waits stays the agent's, held as such, and is made once", async () => {
  const {
    campaignId,
    contactIds: [dee, eve],
    agentIds: [ann, bob],
  } = await agentCampaign(f, {
    name: "skip held",
    settings: { dialMethod: "preview", callsPerSecond: 0.1, maxAttemptsPerContact: 1, wrapUpSec: 1 },
    contacts: [{ phone: "+14155553401" }, { phone: "+14155553402" }],
    agents: ["Ann", "Bob"],
  });
  assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  const next = await post(`/v1/agents/${ann}/preview/next`);
  assert.equal(next.json().contact.contact_id, dee, next.body);
  assert.equal((await post(`/v1/agents/${ann}/preview/dial`)).statusCode, 200);
  await advanceUntil(() => state(ann) === "on_call", 200, 100);
  await post(`/v1/agents/${ann}/hangup`);
  await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
  const at = f.clock.now() + 60_000;
  const cb = await post(`/v1/agents/${ann}/disposition`, {
    disposition: "call back",
    callbackAt: new Date(at).toISOString(),
    callbackPersonal: true,
  });
  assert.equal(cb.statusCode, 200, cb.body);
  await post(`/v1/agents/${ann}/ready`);
  // Bob dials Eve just before the callback's time: the slot is his, Ann's callback dial waits ~10 s.
  assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
  await f.clock.run({ until: at - 1000 });
  const bobNext = await post(`/v1/agents/${bob}/preview/next`);
  assert.equal(bobNext.json().contact?.contact_id, eve, bobNext.body);
  assert.equal((await post(`/v1/agents/${bob}/preview/dial`)).statusCode, 200);
  await advanceUntil(() => state(ann) === "reserved", 200, 20);
  const skip = await post(`/v1/agents/${ann}/preview/skip`);
  assert.equal(skip.statusCode, 200, skip.body);
  assert.equal(state(ann), "ready");
  const row = await contactRow(dee);
  assert.equal(Number(row.callback_agent_id), ann, "still hers");
  const list = await f.call({ method: "GET", url: `/v1/agents/${ann}/callbacks` });
  assert.equal(list.json().data.length, 1, list.body);
  const why = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/explain` });
  const waiting = (why.json().waiting as { reason: string; count: number }[]).map((w) => [w.reason, w.count]);
  assert.deepEqual(waiting, [["callback_personal", 1]], `contact wait_reason ${row.wait_reason}`);
});
