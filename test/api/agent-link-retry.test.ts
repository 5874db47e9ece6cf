// The agent put through to a call is written onto its attempt (agent_id, wait_ms) without holding the
// bridge up. A database that refuses that write for a moment (a blip) used to lose the call's agent for
// good: the agent report and exports never counted it. The write is tried again, backing off.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

/** A blip: while link_blips holds a row, writing an agent onto an attempt fails. */
const BLIP = `
  CREATE TABLE link_blips (n INTEGER);
  INSERT INTO link_blips VALUES (1);
  CREATE TRIGGER link_blip BEFORE UPDATE OF agent_id ON attempts
  WHEN NEW.agent_id IS NOT NULL AND (SELECT count(*) FROM link_blips) > 0
  BEGIN SELECT RAISE(ABORT, 'database blip'); END;`;

/** A progressive campaign with one contact and one agent, Ann, on a database in a blip. */
async function blippedCampaign(f: ApiFixture) {
  const { campaignId, agentIds } = await agentCampaign(f, {
    name: "link",
    settings: { dialMethod: "progressive", wrapUpSec: 5 },
    contacts: [{ phone: "+14155554100" }],
    agents: ["Ann"],
  });
  f.store.sqlite!.exec(BLIP);
  return { campaignId, ann: agentIds[0] };
}

describe("an agent link refused by the database for a moment", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  test("is written once the database takes writes again", async () => {
    const { campaignId, ann } = await blippedCampaign(f);
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

test("a link whose write fails once shutdown has begun gets the last try at shutdown", async () => {
  const f: ApiFixture = await apiFixture();
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);
  try {
    const { campaignId, ann } = await blippedCampaign(f);
    const engine = f.engine as unknown as { onError?: (e: unknown) => void };
    let shutdown: Promise<void> | null = null;
    // The blip ends as soon as the write in flight when shutdown began has failed.
    engine.onError = () => {
      if (shutdown) f.store.sqlite!.exec("DELETE FROM link_blips");
    };
    // Shutdown begins right after the link's retry fires, its write in flight.
    const clock = f.clock as unknown as { after: (ms: number, cb: () => void) => unknown };
    const after = clock.after.bind(f.clock);
    clock.after = (ms, cb) => {
      if (!String(new Error().stack).includes("agent-links.ts")) return after(ms, cb);
      return after(ms, () => {
        cb();
        shutdown ??= f.engine.shutdown();
      });
    };
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    await f.clock.run({ until: f.clock.now() + 3_000 });
    assert.ok(shutdown, "the retry fired");
    await shutdown;
    const [row] = await attempts(campaignId);
    assert.equal(row.agent_id, ann, "the link that failed once shutdown began was tried at shutdown");
  } finally {
    await f.close();
  }
});
