// The agent put through to a call is written onto its attempt (agent_id, wait_ms) without holding the
// bridge up. A database that refuses that write for a moment (a blip) used to lose the call's agent for
// good: the agent report and exports never counted it. The write is tried again, backing off.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("an agent link refused by the database for a moment", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  test("is written once the database takes writes again", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "link",
      settings: { dialMethod: "progressive", wrapUpSec: 5 },
      contacts: [{ phone: "+14155554100" }],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    // A blip: while link_blips holds a row, writing an agent onto an attempt fails.
    f.store.sqlite!.exec(`
      CREATE TABLE link_blips (n INTEGER);
      INSERT INTO link_blips VALUES (1);
      CREATE TRIGGER link_blip BEFORE UPDATE OF agent_id ON attempts
      WHEN NEW.agent_id IS NOT NULL AND (SELECT count(*) FROM link_blips) > 0
      BEGIN SELECT RAISE(ABORT, 'database blip'); END;`);
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    await f.clock.run({ until: f.clock.now() + 500 });
    const [during] = await attempts(campaignId);
    assert.equal(during.agent_id, null, "the blip refused the link");
    f.store.sqlite!.exec("DELETE FROM link_blips");
    await f.clock.run({ until: f.clock.now() + 10_000 });
    const [afterwards] = await attempts(campaignId);
    assert.equal(afterwards.agent_id, ann, "the link was tried again once the database took writes");
    assert.equal(typeof afterwards.wait_ms, "number");
  });
});
