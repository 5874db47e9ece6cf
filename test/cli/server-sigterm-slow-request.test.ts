// A node stopped by SIGTERM while its calls are up and one HTTP request is still under way (a CSV upload
// from a slow client; a large export download is the same) hangs up those calls and records how each
// ended at once, not after the HTTP grace (OUTDIAL_SHUTDOWN_GRACE_MS). A supervisor's stop budget is
// commonly that same 10 s (`docker stop`): its SIGKILL would otherwise come first, leaving every live call
// to be recorded lost by the next start and its person dialed again.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { loadConfig } from "../../src/config/config.ts";
import { EngineError } from "../../src/engine/types.ts";
import { startServer } from "../../src/server.ts";
import { openStore } from "../../src/store/db.ts";
import { apiClient, dialLog, exited, waitFor } from "../helpers/child.ts";
import { campaignWithAgent, crashableOutdial } from "../helpers/hooked-child.ts";

// Calls that stay up far longer than the test: only the shutdown ends them.
const TALKY = {
  outcomes: { human: 1 },
  postDialSec: { kind: "uniform", min: 0, max: 0.1 },
  ringSec: { kind: "uniform", min: 0.2, max: 0.4 },
  talkSec: { kind: "uniform", min: 60, max: 70 },
};
const GRACE_MS = 8_000;
// Well inside the grace: the ends must not wait for it.
const RECORDED_WITHIN_MS = 4_000;

function stored(file: string) {
  const db = new SQLite(file, { readonly: true });
  try {
    return {
      attempts: db.prepare("SELECT contact_id, outcome, ended_at FROM attempts ORDER BY id").all() as {
        contact_id: number;
        outcome: string | null;
        ended_at: number | null;
      }[],
      contactsInProgress: (
        db.prepare("SELECT count(*) AS n FROM contacts WHERE status = 'in_progress'").get() as { n: number }
      ).n,
    };
  } finally {
    db.close();
  }
}

test("SIGTERM with calls up and a slow upload open records the calls' ends at once, not after the HTTP grace", {
  timeout: 120_000,
}, async () => {
  const outdial = await crashableOutdial("outdial-term-slow-", {
    OUTDIAL_SIM_SCENARIO: JSON.stringify(TALKY),
    OUTDIAL_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  });
  const { env, base } = outdial;
  try {
    const node = await outdial.start();
    const api = outdial.apiOf(node);
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(node.output())![1];
    const campaign = await api("POST", "/v1/campaigns", {
      name: "robot",
      settings: {
        maxConcurrent: 3,
        callsPerSecond: 10,
        maxAttemptsPerContact: 3,
        retryIntervalSec: 1,
        successMinTalkSec: 0,
      },
    });
    const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
    await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
      contacts: ["+12025550101", "+12025550102", "+12025550103"].map((phone) => ({ phone })),
    });
    await api("POST", `/v1/campaigns/${campaign.id}/start`);
    await waitFor("3 calls up", () => (dialLog(env.OUTDIAL_SIM_DIAL_LOG).length >= 3 ? true : null));

    // An upload to another list from a slow client: its first rows are in, the rest never come.
    const other = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "more" });
    let sentFirst = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sentFirst) return new Promise(() => {});
        sentFirst = true;
        controller.enqueue(new TextEncoder().encode("phone\n+12025550199\n"));
      },
    });
    const upload = fetch(`${base}/v1/campaigns/${campaign.id}/lists/${other.id}/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" },
      body,
      duplex: "half",
    } as RequestInit).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1000));
    const dialedBeforeStop = dialLog(env.OUTDIAL_SIM_DIAL_LOG).length;

    const termAt = Date.now();
    node.child.kill("SIGTERM");
    const recordedAfterMs = await waitFor(
      "the calls' ends recorded",
      () =>
        stored(env.OUTDIAL_DATABASE_URL).attempts.every((a) => a.ended_at !== null)
          ? Date.now() - termAt
          : null,
      RECORDED_WITHIN_MS,
    ).catch(() => null);
    const stillServing = node.child.exitCode === null;
    // What the supervisor does when its budget runs out: the rest of the shutdown is not waited for.
    node.child.kill("SIGKILL");
    await exited(node.child);
    await upload;

    const atKill = stored(env.OUTDIAL_DATABASE_URL);
    assert.equal(atKill.attempts.length, 3, JSON.stringify(atKill));
    assert.ok(
      recordedAfterMs !== null,
      `${RECORDED_WITHIN_MS} ms after SIGTERM the ends of ${atKill.attempts.filter((a) => a.ended_at === null).length} ` +
        `live calls were still not recorded (they waited for the ${GRACE_MS} ms HTTP grace of the slow upload): ` +
        JSON.stringify(atKill),
    );
    assert.ok(stillServing, "the slow upload still had its grace when the ends were recorded");
    for (const a of atKill.attempts) {
      assert.notEqual(a.outcome, null, JSON.stringify(atKill));
      assert.notEqual(a.outcome, "lost", JSON.stringify(atKill));
    }
    assert.equal(
      atKill.contactsInProgress,
      0,
      "no contact is left in progress for another node to call again",
    );
    assert.equal(
      dialLog(env.OUTDIAL_SIM_DIAL_LOG).length,
      dialedBeforeStop,
      "nothing was dialed after SIGTERM",
    );
  } finally {
    outdial.stop();
  }
});

test("what a request served during the grace does once the calls are ended dials nothing and throws nothing unhandled", {
  timeout: 60_000,
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-grace-requests-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const databaseUrl = path.join(dir, "outdial.db");
  const dials = path.join(dir, "dial.log");
  const unhandled: unknown[] = [];
  const noteUnhandled = (err: unknown) => unhandled.push(err);
  process.on("unhandledRejection", noteUnhandled);
  t.after(() => process.off("unhandledRejection", noteUnhandled));
  let key = "";
  const server = await startServer(
    loadConfig({
      OUTDIAL_DATABASE_URL: databaseUrl,
      OUTDIAL_HOST: "127.0.0.1",
      OUTDIAL_PORT: "0",
      OUTDIAL_LOG_LEVEL: "silent",
      OUTDIAL_NODE_ID: "node-a",
      OUTDIAL_SIM_SCENARIO: JSON.stringify(TALKY),
      OUTDIAL_SIM_DIAL_LOG: dials,
      OUTDIAL_SHUTDOWN_GRACE_MS: "4000",
    }),
    {
      onReady: (_s, bootstrapKey) => {
        key = bootstrapKey ?? "";
      },
    },
  );
  const api = apiClient(server.url, key);
  const open = () =>
    server.store.db.selectFrom("attempts").select("id").where("ended_at", "is", null).execute();
  const socket = new net.Socket();
  socket.on("error", () => {});
  t.after(() => socket.destroy());

  // An agent on a call of a preview campaign, another contact of it left for a preview during the grace,
  // and a campaign not started yet.
  const always = { calleeWindow: { from: "00:00", to: "24:00" } };
  const { agent } = await campaignWithAgent(
    api,
    "preview",
    { ...always, dialMethod: "preview", wrapUpSec: 60 },
    ["+12025550101", "+12025550102"],
  );
  assert.ok((await api("POST", `/v1/agents/${agent.id}/preview/next`)).contact);
  await api("POST", `/v1/agents/${agent.id}/preview/dial`);
  await waitFor("the agent on the call", async () =>
    (await api("GET", `/v1/agents/${agent.id}`)).state === "on_call" ? true : null,
  );
  const later = await api("POST", "/v1/campaigns", { name: "later", settings: always });
  const laterList = await api("POST", `/v1/campaigns/${later.id}/lists`, { name: "people" });
  await api("POST", `/v1/campaigns/${later.id}/lists/${laterList.id}/contacts`, {
    contacts: [{ phone: "+12025550103" }],
  });
  const { id: accountId } = await server.store.db
    .selectFrom("accounts")
    .select("id")
    .executeTakeFirstOrThrow();
  assert.equal(dialLog(dials).length, 1);

  // A client that sends half a request and then nothing holds the HTTP close for the whole grace.
  await new Promise<void>((resolve) =>
    socket.connect(Number(new URL(server.url).port), "127.0.0.1", resolve),
  );
  socket.write(
    `POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"name":`,
  );
  await new Promise((r) => setTimeout(r, 100));
  let closed = false;
  const closing = server.close().then(() => {
    closed = true;
  });
  await waitFor("the call's end recorded", async () => ((await open()).length === 0 ? true : null), 2_000);
  assert.equal(closed, false, "the HTTP grace still runs");

  // What requests under way may still do now: they must neither dial nor throw anything but a refusal.
  await assert.rejects(
    server.engine.agents.hangup(accountId, agent.id),
    EngineError,
    "no call left to hang up",
  );
  await server.engine.agents.ready(accountId, agent.id);
  const offered = await server.engine.agents.previewNext(accountId, agent.id).catch((err: unknown) => {
    assert.ok(err instanceof EngineError, String(err));
    return null;
  });
  assert.equal(offered, null, "no contact is offered by a node that is stopping");
  assert.equal(await server.engine.start(accountId, later.id), "running");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(dialLog(dials).length, 1, "nothing was dialed during the grace");

  await closing;
  assert.deepEqual(unhandled, []);
  const store = await openStore({ url: databaseUrl });
  try {
    assert.deepEqual(
      await store.db
        .selectFrom("campaign_leases")
        .select("campaign_id")
        .where("node_id", "=", "node-a")
        .execute(),
      [],
      "the campaign started during the grace is let go with the others",
    );
    assert.deepEqual(
      await store.db.selectFrom("contacts").select("id").where("status", "=", "in_progress").execute(),
      [],
      "no contact left in progress",
    );
    const attempts = await store.db.selectFrom("attempts").select(["outcome", "ended_at"]).execute();
    assert.equal(attempts.length, 1, JSON.stringify(attempts));
    assert.notEqual(attempts[0].ended_at, null);
    assert.notEqual(attempts[0].outcome, "lost");
  } finally {
    await store.close();
  }
});
