// Webhooks end to end, for real: outdial runs as a child process; its webhook receiver refuses connections
// at first; outdial is killed with SIGKILL mid-campaign and restarted; then the receiver comes back. Every
// event written must arrive, each contact's in order, every signature must verify.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { apiClient, childSetup, freePort, startOutdial, waitFor } from "../helpers/child.ts";
import { receiver } from "../helpers/webhook-receiver.ts";

interface OutboxRow {
  id: number;
  event_id: string;
  event_type: string;
  order_key: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

test("webhooks survive a receiver that refuses for a while and a SIGKILL of outdial", {
  timeout: 240_000,
}, async () => {
  const { dir, env, base } = await childSetup("outdial-webhooks-", {
    OUTDIAL_WEBHOOK_BACKOFF_BASE_MS: "100",
    OUTDIAL_WEBHOOK_BACKOFF_MAX_MS: "800",
    OUTDIAL_WEBHOOK_ALLOW_PRIVATE: "1", // the receiver listens on 127.0.0.1
  });
  const hookPort = await freePort();
  const outbox = (): OutboxRow[] => {
    if (!fs.existsSync(env.OUTDIAL_DATABASE_URL)) return [];
    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    try {
      return db
        .prepare(
          "SELECT id, event_id, event_type, order_key, status, attempts, last_error FROM webhook_deliveries ORDER BY id",
        )
        .all() as OutboxRow[];
    } catch {
      return [];
    } finally {
      db.close();
    }
  };
  let secret = "";
  const first = startOutdial(env);
  let second: ReturnType<typeof startOutdial> | null = null;
  let rx: Awaited<ReturnType<typeof receiver>> | null = null;
  try {
    await first.ready;
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(first.output())?.[1];
    assert.ok(key, `the first start prints an API key; outdial said:\n${first.output()}`);
    const api = apiClient(base, key);
    const campaign = await api("POST", "/v1/campaigns", {
      name: "hooks",
      settings: {
        maxConcurrent: 30,
        callsPerSecond: 30,
        maxAttemptsPerContact: 3,
        retryIntervalSec: 1,
        successMinTalkSec: 0,
        ringTimeoutSec: 2,
      },
    });
    const hook = await api("POST", "/v1/webhooks", {
      url: `http://127.0.0.1:${hookPort}/hooks`,
      campaignId: campaign.id,
      events: [
        "attempt.ended",
        "contact.retry_scheduled",
        "contact.status_changed",
        "contact.succeeded",
        "campaign.status_changed",
      ],
      maxAttempts: 50,
    });
    secret = hook.secret;
    const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
    const contacts = Array.from({ length: 120 }, (_, i) => ({ phone: `+1202555${String(3000 + i)}` }));
    await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, { contacts });
    await api("POST", `/v1/campaigns/${campaign.id}/start`);

    await waitFor("150 events written, some tried and refused", () => {
      const rows = outbox();
      return (rows.length >= 150 && rows.some((r) => r.last_error === "ECONNREFUSED")) || null;
    });
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const beforeKill = outbox();
    assert.ok(
      beforeKill.every((r) => r.status === "pending"),
      "nothing could be delivered yet",
    );

    second = startOutdial(env);
    await second.ready;
    await new Promise((r) => setTimeout(r, 500));
    rx = await receiver(
      () => secret,
      () => 200,
      hookPort,
    );
    await waitFor(
      "the campaign to complete and every event to be delivered",
      async () => {
        const c = await api("GET", `/v1/campaigns/${campaign.id}`);
        if (c.status !== "completed") return null;
        const rows = outbox();
        return (rows.length > 0 && rows.every((r) => r.status === "delivered")) || null;
      },
      120_000,
    );
    second.child.kill("SIGTERM");
    await new Promise((r) => second!.child.once("exit", r));

    const rows = outbox();
    const received = rx.got;
    assert.ok(
      received.every((g) => g.signatureOk),
      "every signature verifies",
    );
    const accepted = new Set(received.filter((g) => g.status === 200).map((g) => g.eventId));
    for (const r of rows) assert.ok(accepted.has(r.event_id), `event ${r.id} (${r.event_type}) arrived`);
    for (const r of beforeKill)
      assert.ok(accepted.has(r.event_id), `event ${r.id} written before the kill arrived`);

    // Per contact, first arrivals follow the order the events were written in.
    const firstArrival = new Map<string, number>();
    received.forEach((g, i) => {
      if (!firstArrival.has(g.eventId)) firstArrival.set(g.eventId, i);
    });
    const byKey = new Map<string, OutboxRow[]>();
    for (const r of rows) byKey.set(r.order_key, [...(byKey.get(r.order_key) ?? []), r]);
    for (const [k, list] of byKey) {
      const order = list.map((r) => firstArrival.get(r.event_id)!);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `events of ${k} arrived in order`,
      );
    }

    // What arrived matches what happened.
    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const attempts = db
      .prepare("SELECT id, outcome FROM attempts WHERE campaign_id = ?")
      .all(campaign.id) as {
      id: number;
      outcome: string;
    }[];
    const finals = db.prepare("SELECT id, status FROM contacts WHERE campaign_id = ?").all(campaign.id) as {
      id: number;
      status: string;
    }[];
    db.close();
    const bodies = new Map(received.map((g) => [g.eventId, JSON.parse(g.body)]));
    const payloads = [...bodies.values()];
    const ended = new Map(
      payloads
        .filter((p) => p.type === "attempt.ended")
        .map((p) => [p.data.attempt.id, p.data.attempt.outcome]),
    );
    for (const a of attempts)
      assert.equal(ended.get(a.id), a.outcome, `attempt ${a.id} has its attempt.ended`);
    assert.ok(
      attempts.some((a) => a.outcome === "lost"),
      "calls cut by the kill were reported too",
    );
    for (const c of finals) {
      const changes = payloads.filter(
        (p) => p.type === "contact.status_changed" && p.data.contact.id === c.id,
      );
      assert.equal(changes.length, 1, `contact ${c.id} has one status change`);
      assert.equal(changes[0].data.to, c.status);
    }
    const life = payloads
      .filter((p) => p.type === "campaign.status_changed")
      .map((p) => `${p.data.from}->${p.data.to}`);
    assert.deepEqual(life, ["draft->running", "running->completed"]);
  } finally {
    first.child.kill("SIGKILL");
    second?.child.kill("SIGKILL");
    await rx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
