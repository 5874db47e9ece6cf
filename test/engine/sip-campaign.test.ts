// A campaign dialed for real over SIP: outdial runs as a child process with OUTDIAL_DRIVER=sip toward SIPp
// on 127.0.0.1, which answers every call and hangs up after a second (test/telephony/sipp/answer-bye.xml).
// The attempts must record what the far end did, and SIPp must see every call through its scenario.
import assert from "node:assert/strict";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { apiClient, childSetup, startOutdial, waitFor } from "../helpers/child.ts";
import { skipWithoutSipp, startSipp } from "../helpers/sipp.ts";

test("outdial serve with the sip driver dials a campaign through a SIP trunk", {
  skip: skipWithoutSipp,
  timeout: 90_000,
}, async () => {
  const sipp = await startSipp("answer-bye.xml", 3, 60);
  const { env, base } = await childSetup("outdial-sip-", {
    OUTDIAL_DRIVER: "sip",
    OUTDIAL_SIP_TRUNK: `sip:127.0.0.1:${sipp.port}`,
    OUTDIAL_SIP_BIND: "127.0.0.1:0",
  });
  const node = startOutdial(env);
  try {
    await node.ready;
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(node.output())?.[1];
    assert.ok(key, "the first start prints an API key");
    const api = apiClient(base, key);
    const campaign = await api("POST", "/v1/campaigns", {
      name: "over sip",
      settings: {
        maxConcurrent: 3,
        maxAttemptsPerContact: 1,
        successMinTalkSec: 0.5,
        ringTimeoutSec: 10,
        callerIds: ["+12025550199"],
        calleeWindow: { from: "00:00", to: "24:00" },
      },
    });
    const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
    const contacts = ["+12025550101", "+12025550102", "+12025550103"].map((phone) => ({ phone }));
    await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, { contacts });
    await api("POST", `/v1/campaigns/${campaign.id}/start`);
    await waitFor(
      "the campaign to complete",
      async () => ((await api("GET", `/v1/campaigns/${campaign.id}`)).status === "completed" ? true : null),
      60_000,
    );
    const exit = await sipp.exited;
    assert.equal(exit.code, 0, `sipp saw every call through its scenario:\n${exit.output.slice(-1500)}`);
  } finally {
    node.child.kill("SIGTERM");
    await new Promise((r) => node.child.once("exit", r));
    await sipp.stop();
  }
  const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
  const attempts = db
    .prepare("SELECT phone, caller_id, outcome, talk_sec, success FROM attempts ORDER BY phone")
    .all() as { phone: string; caller_id: string; outcome: string; talk_sec: number; success: number }[];
  const statuses = db.prepare("SELECT status FROM contacts").all() as { status: string }[];
  db.close();
  assert.deepEqual(
    attempts.map((a) => a.phone),
    ["+12025550101", "+12025550102", "+12025550103"],
  );
  for (const a of attempts) {
    assert.equal(a.outcome, "human");
    assert.equal(a.caller_id, "+12025550199");
    assert.ok(a.talk_sec >= 0.9 && a.talk_sec < 5, `talk ${a.talk_sec}`);
    assert.equal(a.success, 1);
  }
  assert.deepEqual(
    statuses.map((s) => s.status),
    ["succeeded", "succeeded", "succeeded"],
  );
});
