// A start under a node id another live process keeps renewing is refused before the sip driver starts:
// that start hangs up the dialogs kept under the id at its address, which are then the live process's
// calls, on the line (two hosts given one OUTDIAL_NODE_ID, each bound to 0.0.0.0:5060, keep dialogs under
// one address). The refusal must come first, and leave the dialogs and their calls alone.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.ts";
import { startServer } from "../../src/server.ts";
import { openStore } from "../../src/store/db.ts";
import { saveSipDialog } from "../../src/store/sip-dialogs.ts";

async function udpSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return socket;
}

test("a start refused its node id sends no BYE for the dialogs another live process keeps under it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-shared-id-"));
  const databaseUrl = path.join(dir, "outdial.db");
  // The far end of the live process's call: it must hear nothing from the refused start.
  const peer = await udpSocket();
  const heard: string[] = [];
  peer.on("message", (m) => heard.push(m.toString("latin1")));
  // The address the refused start binds, and the live process's dialogs are kept under.
  const probe = await udpSocket();
  const bindPort = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const leaseMs = 2000;

  const store = await openStore({ url: databaseUrl });
  let renewing: NodeJS.Timeout | undefined;
  try {
    // Process A, alive under "shared-x": its heartbeat renewed every 200 ms, one call's dialog kept.
    const renew = () =>
      store.db
        .insertInto("node_heartbeats")
        .values({ node_id: "shared-x", alive_until: Date.now() + leaseMs, process_token: "process-a" })
        .onConflict((oc) => oc.column("node_id").doUpdateSet({ alive_until: Date.now() + leaseMs }))
        .execute();
    await renew();
    renewing = setInterval(() => void renew().catch(() => {}), 200);
    await saveSipDialog(store.db, { id: "shared-x", host: "host-a" }, `127.0.0.1:${bindPort}`, {
      sipCallId: "call-of-a@host-a",
      localTag: "a-tag",
      remoteTag: "far-tag",
      localUri: `sip:outdial@127.0.0.1:${bindPort}`,
      remoteUri: "sip:+12025550100@127.0.0.1",
      remoteTarget: `sip:far@127.0.0.1:${peer.address().port}`,
      routes: [],
      nextCseq: 2,
      peer: { host: "127.0.0.1", port: peer.address().port },
      answeredAt: Date.now() - 60_000,
    });

    const env = {
      OUTDIAL_DATABASE_URL: databaseUrl,
      OUTDIAL_HOST: "127.0.0.1",
      OUTDIAL_PORT: "0",
      OUTDIAL_LOG_LEVEL: "silent",
      OUTDIAL_NODE_ID: "shared-x",
      OUTDIAL_LEASE_MS: String(leaseMs),
      OUTDIAL_DRIVER: "sip",
      OUTDIAL_SIP_TRUNK: `127.0.0.1:${peer.address().port}`,
      OUTDIAL_SIP_BIND: `127.0.0.1:${bindPort}`,
    };
    await assert.rejects(startServer(loadConfig(env)), /another live process uses node id shared-x/);
    // A BYE would have gone out at once, and retransmitted: give it time to arrive.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      heard.filter((m) => m.startsWith("BYE ")),
      [],
      "the refused start hung up the live process's call",
    );
    const kept = await store.db.selectFrom("sip_dialogs").select(["sip_call_id", "node_id"]).execute();
    assert.deepEqual(kept, [{ sip_call_id: "call-of-a@host-a", node_id: "shared-x" }]);
  } finally {
    clearInterval(renewing);
    await store.close();
    peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
