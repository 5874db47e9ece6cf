// server.close() whose engine shutdown fails (its final writes refused: a database gone away, a full disk)
// still stops the webhook delivery and closes the store, then rejects. It stopped at the failure: the
// process could not exit (serve.ts printed "shutdown failed" and returned 1, the event loop stayed busy) and
// went on sending webhooks with its HTTP server closed. The failure is injected as engine.shutdown()
// rejecting, as its write would.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { serverWithApi } from "../helpers/server-api.ts";

test("a failed engine shutdown still stops the webhook delivery and closes the store", {
  timeout: 60_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shutdown-failed-"));
  let hits = 0;
  const receiver = http.createServer((_req, res) => {
    hits++;
    res.statusCode = 500;
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const hookPort = (receiver.address() as AddressInfo).port;
  const { server, call } = await serverWithApi({
    OUTDIAL_DATABASE_URL: path.join(dir, "db.sqlite"),
    OUTDIAL_WEBHOOK_ALLOW_PRIVATE: "1",
    OUTDIAL_WEBHOOK_BACKOFF_BASE_MS: "200",
    OUTDIAL_WEBHOOK_BACKOFF_MAX_MS: "200",
    OUTDIAL_SHUTDOWN_GRACE_MS: "200",
  });
  const campaign = await call("POST", "/v1/campaigns", { name: "w" });
  // Answered 500: retried every 200 ms, 12 tries (about 2.4 s) in all.
  await call("POST", "/v1/webhooks", {
    url: `http://127.0.0.1:${hookPort}/hook`,
    events: ["campaign.status_changed"],
  });
  const list = await call("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "p" });
  await call("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
    contacts: [{ phone: "+12125550123" }],
  });
  await call("POST", `/v1/campaigns/${campaign.id}/start`);
  while (hits === 0) await new Promise((r) => setTimeout(r, 20));

  const realShutdown = server.engine.shutdown.bind(server.engine);
  server.engine.shutdown = async () => {
    await realShutdown().catch(() => {});
    throw new Error("Connection terminated unexpectedly"); // its final write refused
  };
  await assert.rejects(server.close(), /Connection terminated/);
  const before = hits;
  await new Promise((r) => setTimeout(r, 1500));
  const sentAfter = hits - before;
  let storeOpen = true;
  try {
    await server.store.db.selectFrom("campaigns").select("id").execute();
  } catch {
    storeOpen = false;
  }
  receiver.closeAllConnections();
  receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(
    { sentAfterFailedStop: sentAfter, storeOpen },
    { sentAfterFailedStop: 0, storeOpen: false },
    "after the failed stop nothing should still run",
  );
});
