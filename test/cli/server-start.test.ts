// A node whose start fails after the engine took its campaigns (port in use) must give them back, so a
// node started right after it dials at once instead of waiting for the leases to run out; one that fails
// earlier (a bad TLS file) closes what it opened. On close, dialing stops at once and a client holding a
// request open cannot keep the node up past the grace period.
import assert from "node:assert/strict";
import dgram from "node:dgram";
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

test("a first start that cannot listen makes no owner key; the next start makes and shows it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-start-"));
  const env = { OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db"), OUTDIAL_LOG_LEVEL: "silent" };
  const occupied = net.createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
  const port = (occupied.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      startServer(loadConfig({ ...env, OUTDIAL_HOST: "127.0.0.1", OUTDIAL_PORT: String(port) })),
      /EADDRINUSE/,
    );
  } finally {
    occupied.close();
  }
  let shown: string | null = null;
  const next = await startServer(loadConfig({ ...env, OUTDIAL_HOST: "127.0.0.1", OUTDIAL_PORT: "0" }), {
    onReady: (_s, key) => {
      shown = key;
    },
  });
  try {
    assert.match(String(shown), /^od_/, "the owner key is made and shown by the start that listens");
  } finally {
    await next.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("on close, dialing stops at once and a request left half-sent is cut after the grace period", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-stop-"));
  const dialLog = path.join(dir, "dials.log");
  const env = {
    OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db"),
    OUTDIAL_HOST: "127.0.0.1",
    OUTDIAL_PORT: "0",
    OUTDIAL_LOG_LEVEL: "silent",
    OUTDIAL_SIM_DIAL_LOG: dialLog,
    OUTDIAL_SHUTDOWN_GRACE_MS: "500",
  };
  let key = "";
  const server = await startServer(loadConfig(env), {
    onReady: async (s, bootstrapKey) => {
      key = bootstrapKey ?? "";
      await ensureDemoCampaign(s.store, s.engine, Date.now());
    },
  });
  const dials = () =>
    fs.existsSync(dialLog) ? fs.readFileSync(dialLog, "utf8").split("\n").filter(Boolean).length : 0;
  const socket = new net.Socket();
  try {
    const until = Date.now() + 10_000;
    while (dials() === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(dials() > 0, "the demo campaign is dialing");
    // A client that sends half a request and then nothing.
    await new Promise<void>((resolve) =>
      socket.connect(Number(new URL(server.url).port), "127.0.0.1", resolve),
    );
    socket.write(
      `POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"name":`,
    );
    socket.on("error", () => {});
    await new Promise((r) => setTimeout(r, 100));
    const closed = server.close().then(() => "closed");
    await new Promise((r) => setTimeout(r, 200));
    const atStop = dials();
    const outcome = await Promise.race([closed, new Promise((r) => setTimeout(() => r("still open"), 5000))]);
    assert.equal(outcome, "closed", "the half-sent request was cut after the grace period");
    assert.equal(dials(), atStop, "no call was placed once the close began");
  } finally {
    socket.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a start that fails before it listens closes what it opened", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-badtls-"));
  const garbage = path.join(dir, "garbage.pem");
  fs.writeFileSync(garbage, "not a certificate");
  const databaseUrl = path.join(dir, "outdial.db");
  const env = {
    OUTDIAL_DATABASE_URL: databaseUrl,
    OUTDIAL_PORT: "0",
    OUTDIAL_LOG_LEVEL: "silent",
    OUTDIAL_TLS_CERT: garbage,
    OUTDIAL_TLS_KEY: garbage,
  };
  const openFiles = () =>
    fs.readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;
  try {
    for (let i = 0; i < 2; i++) await assert.rejects(startServer(loadConfig(env)), /PEM|certificate|key/i);
    assert.equal(openFiles(), 0, "the database files are closed again");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("with the sip driver, a SIP address already taken fails the start, and nothing is left open", async () => {
  const taken = dgram.createSocket("udp4");
  await new Promise<void>((r) => taken.bind(0, "127.0.0.1", () => r()));
  const env = {
    OUTDIAL_DATABASE_URL: ":memory:",
    OUTDIAL_PORT: "0",
    OUTDIAL_LOG_LEVEL: "silent",
    OUTDIAL_DRIVER: "sip",
    OUTDIAL_SIP_TRUNK: "127.0.0.1:5999",
    OUTDIAL_SIP_BIND: `127.0.0.1:${taken.address().port}`,
  };
  try {
    await assert.rejects(startServer(loadConfig(env)), /EADDRINUSE/);
    // The same start on a free port serves, and closes its sockets when stopped.
    const server = await startServer(loadConfig({ ...env, OUTDIAL_SIP_BIND: "127.0.0.1:0" }));
    await server.close();
  } finally {
    taken.close();
  }
});

test("on close, the calls still on the line are hung up and recorded, none left for another node to find lost", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-drain-"));
  const databaseUrl = path.join(dir, "outdial.db");
  const env = {
    OUTDIAL_DATABASE_URL: databaseUrl,
    OUTDIAL_HOST: "127.0.0.1",
    OUTDIAL_PORT: "0",
    OUTDIAL_LOG_LEVEL: "silent",
    OUTDIAL_SHUTDOWN_GRACE_MS: "100",
  };
  let campaignId = 0;
  const server = await startServer(loadConfig(env), {
    onReady: async (s) => {
      campaignId = (await ensureDemoCampaign(s.store, s.engine, Date.now())).campaignId;
    },
  });
  const until = Date.now() + 10_000;
  while (server.engine.dispatcher.inFlight === 0 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20));
  const onLine = server.engine.dispatcher.inFlight;
  assert.ok(onLine > 0, "calls on the line at the close");
  await server.close();
  const store = await openStore({ url: databaseUrl });
  try {
    const open = await store.db
      .selectFrom("attempts")
      .select("id")
      .where("campaign_id", "=", campaignId)
      .where("ended_at", "is", null)
      .execute();
    assert.deepEqual(open, [], "every attempt has its end recorded");
    const inProgress = await store.db
      .selectFrom("contacts")
      .select("id")
      .where("campaign_id", "=", campaignId)
      .where("status", "=", "in_progress")
      .execute();
    assert.deepEqual(inProgress, [], `${inProgress.length} of ${onLine} contacts left in progress`);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
