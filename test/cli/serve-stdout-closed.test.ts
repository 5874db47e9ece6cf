// `outdial serve` whose stdout reader has gone (a log shipper or `| tee` that died, `| head`) dials on and,
// on SIGTERM, shuts down cleanly: its own "shutting down" line raised EPIPE as an unhandled 'error' and killed
// it with exit 1 before the calls still up were ended and recorded.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { apiClient, childSetup, dialLog, waitFor } from "../helpers/child.ts";

// Calls that stay up far longer than the test: only the shutdown ends them.
const TALKY = {
  outcomes: { human: 1 },
  postDialSec: { kind: "uniform", min: 0, max: 0.1 },
  ringSec: { kind: "uniform", min: 0.2, max: 0.4 },
  talkSec: { kind: "uniform", min: 60, max: 70 },
};

test("serve whose stdout reader has gone shuts down cleanly on SIGTERM, recording its calls", {
  timeout: 120_000,
}, async (t) => {
  const { dir, env, base } = await childSetup("serve-epipe-", {
    OUTDIAL_SIM_SCENARIO: JSON.stringify(TALKY),
  });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ["bin/outdial.mjs", "serve"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  await waitFor("listening", () => (/OUTDIAL_API_KEY=\S+/.test(out) ? true : null));
  const key = /OUTDIAL_API_KEY=(\S+)/.exec(out)![1];
  const api = apiClient(base, key);
  const campaign = await api("POST", "/v1/campaigns", {
    name: "robot",
    settings: { maxConcurrent: 3, callsPerSecond: 10, maxAttemptsPerContact: 3, retryIntervalSec: 1 },
  });
  const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
  await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
    contacts: ["+12025550101", "+12025550102", "+12025550103"].map((phone) => ({ phone })),
  });
  await api("POST", `/v1/campaigns/${campaign.id}/start`);
  await waitFor("3 calls up", () => (dialLog(env.OUTDIAL_SIM_DIAL_LOG).length >= 3 ? true : null));

  // The reader of the node's stdout goes away (its log pipe breaks); the node keeps dialing.
  child.stdout.destroy();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(child.exitCode, null, `the node died when its stdout reader went: ${err}`);

  child.kill("SIGTERM");
  const code = await exit;

  const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
  const attempts = db.prepare("SELECT outcome, ended_at FROM attempts").all() as {
    outcome: string | null;
    ended_at: number | null;
  }[];
  const inProgress = (
    db.prepare("SELECT count(*) AS n FROM contacts WHERE status = 'in_progress'").get() as { n: number }
  ).n;
  db.close();

  assert.equal(attempts.length, 3);
  assert.ok(
    attempts.every((a) => a.ended_at !== null && a.outcome !== null),
    `calls left unrecorded by the shutdown (exit ${code}): ${JSON.stringify(attempts)}\n${err.slice(0, 400)}`,
  );
  assert.equal(inProgress, 0, "contacts left in progress");
  assert.doesNotMatch(err, /Unhandled 'error' event|EPIPE/, "a closed stdout crashed the shutdown");
  assert.equal(code, 0, `exit ${code} after SIGTERM:\n${err}`);
});
