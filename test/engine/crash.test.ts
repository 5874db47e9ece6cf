// Crash safety, for real: outdial runs as a child process, is killed with SIGKILL mid-campaign and
// restarted on the same database. No contact may be lost and no attempt may be dialed twice; the sim
// driver's dial log (appended synchronously before each call proceeds) is the witness from the far side.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { apiClient, childSetup, dialLog, startOutdial, waitFor } from "../helpers/child.ts";

test("SIGKILL mid-campaign loses no contact and dials no attempt twice", { timeout: 180_000 }, async () => {
  const { dir, env, base } = await childSetup("outdial-crash-");
  const first = startOutdial(env);
  let second: ReturnType<typeof startOutdial> | null = null;
  try {
    await first.ready;
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(first.output())?.[1];
    assert.ok(key, "the first start prints an API key");
    const api = apiClient(base, key);
    const campaign = await api("POST", "/v1/campaigns", {
      name: "crash",
      settings: {
        maxConcurrent: 60,
        callsPerSecond: 40,
        maxAttemptsPerContact: 3,
        retryIntervalSec: 1,
        successMinTalkSec: 0,
        ringTimeoutSec: 2,
      },
    });
    const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
    const contacts = Array.from({ length: 300 }, (_, i) => ({ phone: `+1202555${String(1000 + i)}` }));
    const added = await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, { contacts });
    assert.equal(added.inserted, 300);
    await api("POST", `/v1/campaigns/${campaign.id}/start`);

    await waitFor("120 dials", () => dialLog(env.OUTDIAL_SIM_DIAL_LOG).length >= 120 || null);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const dialedBeforeKill = dialLog(env.OUTDIAL_SIM_DIAL_LOG).length;

    second = startOutdial(env);
    await second.ready;
    assert.ok(!/OUTDIAL_API_KEY=/.test(second.output()), "a restart creates no second bootstrap key");
    await waitFor(
      "the campaign to complete",
      async () => {
        const c = await api("GET", `/v1/campaigns/${campaign.id}`);
        return c.status === "completed" || null;
      },
      120_000,
    );
    second.child.kill("SIGTERM");
    await new Promise((r) => second!.child.once("exit", r));

    const dialed = dialLog(env.OUTDIAL_SIM_DIAL_LOG);
    assert.ok(dialed.length > dialedBeforeKill, "dialing went on after the restart");
    assert.equal(new Set(dialed).size, dialed.length, "no attempt was dialed twice");

    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const attempts = db
      .prepare("SELECT id, contact_id, seq, outcome, ended_at FROM attempts WHERE campaign_id = ?")
      .all(campaign.id) as {
      id: number;
      contact_id: number;
      seq: number;
      outcome: string | null;
      ended_at: number | null;
    }[];
    const statuses = db
      .prepare("SELECT status, count(*) AS n FROM contacts WHERE campaign_id = ? GROUP BY status")
      .all(campaign.id) as { status: string; n: number }[];
    db.close();

    const total = statuses.reduce((a, s) => a + s.n, 0);
    assert.equal(total, 300, "no contact was lost");
    for (const s of statuses)
      assert.ok(["succeeded", "failed", "exhausted"].includes(s.status), `contact left ${s.status}`);
    const attemptIds = new Set(attempts.map((a) => String(a.id)));
    for (const id of dialed) assert.ok(attemptIds.has(id), `dialed call ${id} has its attempt row`);
    assert.ok(
      attempts.every((a) => a.ended_at !== null && a.outcome !== null),
      "every attempt has an outcome",
    );
    const lost = attempts.filter((a) => a.outcome === "lost");
    assert.ok(lost.length > 0, "calls in flight at the kill are recorded as lost");
    const dialedSet = new Set(dialed);
    for (const a of attempts) {
      if (!dialedSet.has(String(a.id)))
        assert.equal(a.outcome, "lost", `attempt ${a.id} never dialed must be lost`);
    }
    const byContact = new Map<number, number[]>();
    for (const a of attempts) byContact.set(a.contact_id, [...(byContact.get(a.contact_id) ?? []), a.seq]);
    for (const [contact, seqs] of byContact) {
      seqs.sort((x, y) => x - y);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
        `contact ${contact} attempt numbers are 1..n`,
      );
      assert.ok(seqs.length <= 3, `contact ${contact} has at most 3 attempts`);
    }
  } finally {
    first.child.kill("SIGKILL");
    second?.child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGKILL in the middle of a CSV import writes none of it; the restart removes its scratch file", {
  timeout: 240_000,
}, async () => {
  const { dir, env, base } = await childSetup("outdial-crash-import-");
  const scratch = () => fs.readdirSync(dir).filter((f) => f.startsWith(".outdial-import-"));
  const first = startOutdial(env);
  let second: ReturnType<typeof startOutdial> | null = null;
  try {
    await first.ready;
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(first.output())?.[1];
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const post = async (url: string, body: unknown) =>
      (await fetch(base + url, { method: "POST", headers, body: JSON.stringify(body) })).json();
    const campaign = await post("/v1/campaigns", { name: "import crash" });
    const list = await post(`/v1/campaigns/${campaign.id}/lists`, { name: "big" });

    // Half of a 200,000-row file is sent, then the upload stalls until the process is killed.
    const rows = Array.from({ length: 200_000 }, (_, i) => `+1212${String(2000000 + i)},n${i}\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < rows.length; i += 5000) chunks.push(Buffer.from(rows.slice(i, i + 5000).join("")));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("phone,name\n"));
      },
      async pull(controller) {
        if (sent < chunks.length / 2) controller.enqueue(chunks[sent++]);
        else await new Promise(() => {});
      },
    });
    const upload = fetch(`${base}/v1/campaigns/${campaign.id}/lists/${list.id}/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" },
      body,
      duplex: "half",
    } as RequestInit).catch((err: unknown) => err);
    await waitFor("the import's scratch file", () => scratch().length > 0 || null, 90_000).catch((err) => {
      throw new Error(`${(err as Error).message}; sent ${sent} chunks; outdial said:\n${first.output()}`);
    });
    await waitFor("half the file sent", () => sent >= chunks.length / 2 || null, 90_000);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    assert.ok((await upload) instanceof Error, "the upload failed with its server");
    assert.ok(scratch().length >= 1, "the dead import left its scratch file");

    second = startOutdial(env);
    await second.ready;
    assert.match(second.output(), /removed \.outdial-import-\d+-\d+-[0-9a-f]+\.tmp\b/);
    assert.deepEqual(scratch(), []);
    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const n = db.prepare("SELECT count(*) AS n FROM contacts WHERE campaign_id = ?").get(campaign.id) as {
      n: number;
    };
    db.close();
    assert.equal(n.n, 0, "no contact of the interrupted import was written");
  } finally {
    first.child.kill("SIGKILL");
    second?.child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
