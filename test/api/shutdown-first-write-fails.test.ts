// server.close() whose first outcome write (the dispatcher's flush inside stopDialing) fails once, as in a
// database failover, still runs the engine's shutdown: it writes the outcomes again, lets the campaign
// leases go and stops the heartbeat timer. The close rejected at once instead, leaving the leases held and a
// timer re-arming against a closed store, so the process never exited.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openStore } from "../../src/store/db.ts";
import { serverWithApi } from "../helpers/server-api.ts";

test("a transient failure of stopDialing's write still runs the engine shutdown", {
  timeout: 60_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shutdown-first-write-"));
  const dbPath = path.join(dir, "db.sqlite");
  const { server, call } = await serverWithApi({
    OUTDIAL_DATABASE_URL: dbPath,
    OUTDIAL_SHUTDOWN_GRACE_MS: "200",
  });
  const campaign = await call("POST", "/v1/campaigns", { name: "w" });
  const list = await call("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "p" });
  await call("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
    contacts: Array.from({ length: 50 }, (_, i) => ({ phone: `+1212555${String(1000 + i)}` })),
  });
  await call("POST", `/v1/campaigns/${campaign.id}/start`);
  await new Promise((r) => setTimeout(r, 500));
  const leasesBefore = await server.store.db.selectFrom("campaign_leases").selectAll().execute();
  assert.ok(leasesBefore.length > 0, "the running campaign's lease is held");

  // The first write of the stop fails (a database failover), later ones succeed.
  const dispatcher = server.engine.dispatcher as unknown as { flush(): Promise<void> };
  const realFlush = dispatcher.flush.bind(dispatcher);
  let failed = false;
  dispatcher.flush = async () => {
    if (!failed) {
      failed = true;
      throw new Error("Connection terminated unexpectedly");
    }
    return realFlush();
  };
  let closeError: unknown = null;
  await server.close().catch((err) => {
    closeError = err;
  });
  await new Promise((r) => setTimeout(r, 1500));
  const heartbeatArmed = (server.engine as unknown as { heartbeatTimer: unknown }).heartbeatTimer !== null;
  (server.engine as unknown as { heartbeatTimer: { cancel(): void } | null }).heartbeatTimer?.cancel();
  (server.engine as unknown as { heartbeatTimer: unknown }).heartbeatTimer = null;
  const store = await openStore({ url: dbPath });
  const leasesAfter = await store.db.selectFrom("campaign_leases").selectAll().execute();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(
    {
      closeError: closeError === null ? null : String(closeError),
      heartbeatArmed,
      leasesHeld: leasesAfter.length,
    },
    { closeError: null, heartbeatArmed: false, leasesHeld: 0 },
    "the engine shutdown should still run after the failed first write (it writes again and lets go)",
  );
});
