// outdial_campaigns counts the campaigns a node dispatches: with two nodes on one store, a campaign is
// counted by the node holding its lease only, so a sum over the nodes counts it once (every node tracks
// every active campaign, and each counted it).
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify from "fastify";
import { installMetrics } from "../../src/api/metrics.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { openStore } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";

const TOKEN = "metrics-token-0123456789";

async function running(engine: Parameters<typeof installMetrics>[1]["engine"]): Promise<number> {
  const app = Fastify();
  installMetrics(app, { engine, token: TOKEN });
  const res = await app.inject({ url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
  await app.close();
  const line = res.body.split("\n").find((l) => l.startsWith('outdial_campaigns{status="running"}'));
  return line ? Number(line.split(" ")[1]) : 0;
}

test("one running campaign is counted once across two nodes", async () => {
  const store = await openStore({ url: ":memory:" });
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const a = engineNode(store, clock, "node-a", 1, 60_000);
  const b = engineNode(store, clock, "node-b", 2, 60_000);
  try {
    const accountId = await createAccount(store, "acme", clock.now());
    await a.engine.run();
    await b.engine.run();
    const ids = await createCampaign(store, accountId, { maxConcurrent: 2 }, { now: clock.now() });
    await addContacts(
      store,
      { accountId, ...ids },
      Array.from({ length: 50 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
      clock.now(),
    );
    await a.engine.start(accountId, ids.campaignId);
    await clock.advance(20_000);
    const dialers = [a, b].filter((n) => n.dialedAt.length > 0).length;
    const [ra, rb] = [await running(a.engine), await running(b.engine)];
    assert.equal(dialers, 1, "one node dials the campaign (it holds its lease)");
    assert.equal(ra + rb, 1, "outdial_campaigns{status=running} summed over the nodes");
  } finally {
    for (const n of [a, b]) await n.engine.stopDialing();
    for (const n of [a, b]) await n.driver.close();
    for (const n of [a, b]) await n.engine.shutdown();
    await store.close();
  }
});
