// `npm start` (serve --demo) promises a demo of made-up contacts on the sim driver. Under OUTDIAL_DRIVER=sip
// it used to create the demo campaign in the operator's account and dial it through the real trunk (a
// Moscow block among its numbers) while the banner still said "on the sim driver". --demo is now refused
// on any driver but sim, before the database is opened or anything dialed, and every demo number (and
// caller id) lies in a range set aside for fiction: Ofcom's London drama numbers and the 555-01xx lines.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureDemoCampaign } from "../../src/cli/demo.ts";
import { loadConfig } from "../../src/config/config.ts";
import { startServer } from "../../src/server.ts";
import { childSetup } from "../helpers/child.ts";

test("serve --demo on the sip driver is refused before anything is opened; the trunk hears nothing", async (t) => {
  const trunk = dgram.createSocket("udp4");
  const heard: string[] = [];
  trunk.on("message", (msg) => heard.push(msg.toString("utf8").split("\r\n")[0]));
  await new Promise<void>((resolve) => trunk.bind(0, "127.0.0.1", () => resolve()));
  const { dir, env } = await childSetup("outdial-demo-sip-", {
    OUTDIAL_DRIVER: "sip",
    OUTDIAL_SIP_TRUNK: `127.0.0.1:${trunk.address().port}`,
    OUTDIAL_SIP_BIND: "127.0.0.1:0",
  });
  const child = spawn(process.execPath, ["bin/outdial.mjs", "serve", "--demo"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    child.kill("SIGKILL");
    trunk.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  // It used to start and dial at 2 calls a second: 20 s is ample for a refusal, and a start is no exit.
  const code = await new Promise<number | null | "running">((resolve) => {
    const timer = setTimeout(() => resolve("running"), 20_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 1, `exit code; stdout:\n${stdout.slice(0, 800)}\nstderr:\n${stderr}`);
  assert.match(stderr, /--demo dials made-up numbers and runs only on the sim driver/);
  assert.match(stderr, /OUTDIAL_DRIVER=sip/);
  assert.match(stderr, /drop --demo \(run `outdial serve`/);
  assert.doesNotMatch(stdout, /listening/);
  assert.equal(fs.existsSync(env.OUTDIAL_DATABASE_URL), false, "no database was created");
  assert.deepEqual(heard, [], "nothing was sent to the trunk");
});

test("the demo campaign's 300 contacts and its caller ids are fictional numbers, in three zones", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-demo-numbers-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({
    OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db"),
    OUTDIAL_HOST: "127.0.0.1",
    OUTDIAL_PORT: "0",
    OUTDIAL_LOG_LEVEL: "silent",
    OUTDIAL_SHUTDOWN_GRACE_MS: "100",
  });
  let campaignId = 0;
  const server = await startServer(config, {
    onReady: async (s) => {
      campaignId = (await ensureDemoCampaign(s.store, s.engine, Date.now())).campaignId;
    },
  });
  try {
    const contacts = await server.store.db
      .selectFrom("contacts")
      .select(["phones", "time_zone"])
      .where("campaign_id", "=", campaignId)
      .execute();
    const phones = contacts.flatMap((c) => JSON.parse(c.phones) as string[]);
    assert.equal(contacts.length, 300);
    assert.equal(new Set(phones).size, 300, "each contact has a number of its own");
    // Ofcom's drama range 020 7946 0000–0999, and 555-0100–0199 in any North American area code.
    const fictional = /^(\+442079460\d{3}|\+1\d{3}55501\d\d)$/;
    for (const phone of phones) assert.match(phone, fictional);
    const campaign = await server.store.db
      .selectFrom("campaigns")
      .select("settings")
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow();
    const { callerIds } = JSON.parse(campaign.settings) as { callerIds: string[] };
    for (const callerId of callerIds) assert.match(callerId, fictional);
    const zones = new Set(contacts.map((c) => c.time_zone));
    assert.deepEqual([...zones].sort(), ["America/Los_Angeles", "America/New_York", "Europe/London"]);
  } finally {
    await server.close();
  }
});
