// A node whose start fails after the engine took its campaigns (port in use) must give them back, so a
// node started right after it dials at once instead of waiting for the leases to run out.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureDemoCampaign } from "../../src/cli/demo.ts";
import { loadConfig } from "../../src/config/config.ts";
import { startServer } from "../../src/server.ts";
import { openStore } from "../../src/store/db.ts";

test("a start that cannot listen releases the campaign leases it took", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-start-"));
  const databaseUrl = path.join(dir, "outdial.db");
  const env = { OUTDIAL_DATABASE_URL: databaseUrl, OUTDIAL_HOST: "127.0.0.1", OUTDIAL_LOG_LEVEL: "silent" };
  let campaignId = 0;
  const first = await startServer(loadConfig({ ...env, OUTDIAL_PORT: "0", OUTDIAL_NODE_ID: "node-a" }), {
    onReady: async (s) => {
      campaignId = (await ensureDemoCampaign(s.store, s.engine, Date.now())).campaignId;
    },
  });
  await first.close();

  const occupied = net.createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
  const port = (occupied.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      startServer(loadConfig({ ...env, OUTDIAL_PORT: String(port), OUTDIAL_NODE_ID: "node-b" })),
      /EADDRINUSE/,
    );
  } finally {
    occupied.close();
  }

  const store = await openStore({ url: databaseUrl });
  try {
    const campaign = await store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow();
    assert.equal(campaign.status, "running", "the demo campaign is one a starting node would take");
    const held = await store.db
      .selectFrom("campaign_leases")
      .select(["campaign_id", "node_id"])
      .where("node_id", "=", "node-b")
      .execute();
    assert.deepEqual(held, [], "the failed node holds no campaign");
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
