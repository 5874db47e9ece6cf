// A callback agreed on the call that completed its campaign: a personal one is made (the campaign is
// recovered); one whose campaign cannot be recovered (its end time passed during the wrap-up) is refused
// before anything is written (it was answered 200 and never made).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

async function lastCallInWrapUp(name: string, phone: string, extra: Record<string, unknown> = {}) {
  const r = await agentCampaign(f, {
    name,
    settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 120, ...extra },
    contacts: [{ phone }],
    agents: [`A ${name}`],
  });
  const [ann] = r.agentIds;
  assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId: r.campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${r.campaignId}/start`)).statusCode, 200);
  await advanceUntil(() => state(ann) === "on_call");
  await f.clock.run({ until: f.clock.now() + 5_000 });
  await post(`/v1/agents/${ann}/hangup`);
  await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
  await f.clock.run({ until: f.clock.now() + 2_000 });
  return { ...r, ann };
}
const camp = async (id: number) =>
  (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status;

test("a personal callback agreed on the campaign's last call is made", async () => {
  const {
    campaignId,
    ann,
    contactIds: [dee],
  } = await lastCallInWrapUp("personal", "+14155553611");
  assert.equal(await camp(campaignId), "completed");
  const at = f.clock.now() + 120_000;
  const cb = await post(`/v1/agents/${ann}/disposition`, {
    disposition: "call back",
    callbackAt: new Date(at).toISOString(),
    callbackPersonal: true,
  });
  assert.equal(cb.statusCode, 200, cb.body);
  await post(`/v1/agents/${ann}/ready`);
  await f.clock.run({ until: at + 120_000 });
  await f.engine.dispatcher.flush();
  const calls = (await attempts(campaignId)).filter((a) => Number(a.contact_id) === dee);
  assert.equal(calls.length, 2, `campaign ${await camp(campaignId)}: personal callback not made`);
});

test("a callback whose campaign cannot be recovered (endAt passed in wrap-up) is refused, not 200 and never made", async () => {
  const endAt = f.clock.now() + 60_000;
  const {
    campaignId,
    ann,
    contactIds: [dee],
  } = await lastCallInWrapUp("ended", "+14155553612", { endAt });
  assert.equal(await camp(campaignId), "completed");
  await f.clock.run({ until: endAt + 1_000 });
  assert.equal(state(ann), "wrap_up");
  const at = f.clock.now() + 120_000;
  const cb = await post(`/v1/agents/${ann}/disposition`, {
    disposition: "call back",
    callbackAt: new Date(at).toISOString(),
  });
  await f.clock.run({ until: at + 120_000 });
  await f.engine.dispatcher.flush();
  const calls = (await attempts(campaignId)).filter((a) => Number(a.contact_id) === dee);
  const c = await f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", dee)
    .executeTakeFirstOrThrow();
  assert.ok(
    cb.statusCode !== 200 || calls.length === 2,
    `answered ${cb.statusCode}; campaign ${await camp(campaignId)}, contact ${c.status}/${c.wait_reason}, calls ${calls.length}: the callback promised is never made`,
  );
});

for (const [ends, setting] of [
  ["endAt", (now: number) => ({ endAt: now + 3_600_000 })],
  ["lifetimeSec", () => ({ lifetimeSec: 3_600 })],
] as const) {
  test(`a running campaign: a callback at or after its ${ends} is a 409 callback_after_end, one before it is taken`, async () => {
    const r = await agentCampaign(f, {
      name: `ends by ${ends}`,
      settings: {
        dialMethod: "progressive",
        wrapUpSec: 120,
        ...setting(f.clock.now()),
        scenario: JSON.stringify({ outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 3600 } }),
      },
      contacts: [{ phone: "+14155553711" }, { phone: "+14155553712" }, { phone: "+14155553713" }],
      agents: [`A ${ends}`],
    });
    const [ann] = r.agentIds;
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId: r.campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${r.campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    await post(`/v1/agents/${ann}/hangup`);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    assert.equal(await camp(r.campaignId), "running");
    const { halt_at } = await f.store.db
      .selectFrom("campaigns")
      .select("halt_at")
      .where("id", "=", r.campaignId)
      .executeTakeFirstOrThrow();
    const haltAt = Number(halt_at);
    const late = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: new Date(haltAt).toISOString(),
    });
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().error.code, "callback_after_end");
    assert.match(late.json().error.message, new RegExp(new Date(haltAt).toISOString()));
    const [att] = await attempts(r.campaignId);
    const c = await f.store.db
      .selectFrom("contacts")
      .selectAll()
      .where("id", "=", Number(att.contact_id))
      .executeTakeFirstOrThrow();
    assert.notEqual(c.wait_reason, "callback", "nothing written");
    const inTime = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: new Date(haltAt - 60_000).toISOString(),
    });
    assert.equal(inTime.statusCode, 200, inTime.body);
  });
}
