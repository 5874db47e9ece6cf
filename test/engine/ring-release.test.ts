// The predictive pacer's release of late lines (releaseAfterRingSec), through the engine on the sim driver:
// a line it hangs up has rung at least 15 s (from the driver's ringing event), is recorded as an unanswered
// no-answer marked releasedByPacer, and is redialed under the no-answer policy; with AMD on, a line picked
// up while AMD listens is never released; with the setting off (the default), no line is released.
import assert from "node:assert/strict";
import { test } from "node:test";
import { simulateCampaign } from "../../src/engine/simulation.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import { openStore } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";

const startAt = Date.UTC(2026, 2, 2, 14, 0, 0);
const POST_DIAL_SEC = 1;
// Half the people answer late (up to 28 s of ringing), so lines ringing past 15 s still bring people.
const SCENARIO = JSON.stringify({
  outcomes: { human: 0.4, no_answer: 0.6 },
  postDialSec: POST_DIAL_SEC,
  ringSec: { kind: "uniform", min: 2, max: 28 },
});

interface Row {
  contact_id: number;
  seq: number;
  outcome: string | null;
  answered_at: number | null;
  details: string | null;
}

async function run(settings: Partial<CampaignSettings>) {
  const store = await openStore({ url: ":memory:" });
  try {
    const accountId = await createAccount(store, "acme", startAt);
    const ids = await createCampaign(
      store,
      accountId,
      {
        dialMethod: "predictive",
        maxConcurrent: 50,
        ringTimeoutSec: 30,
        maxAttemptsPerContact: 2,
        retry: { no_answer: { intervalSec: 600, maxRetries: 1 } },
        releaseAfterRingSec: 15,
        ...settings,
      },
      { now: startAt },
    );
    const phones = Array.from({ length: 400 }, (_, i) => [`+1202557${String(i).padStart(4, "0")}`]);
    await addContacts(
      store,
      { accountId, ...ids },
      phones.map((p) => ({ phones: p })),
      startAt,
    );
    const report = await simulateCampaign({
      store,
      accountId,
      campaignId: ids.campaignId,
      seed: 7,
      startAt,
      maxSimMs: 3_600_000,
      scenario: SCENARIO,
      agents: {
        count: 5,
        talkSec: { kind: "lognormal", median: 90, sigma: 0.5, min: 20, max: 600 },
        wrapSec: 5,
      },
    });
    const rows = (await store.db
      .selectFrom("attempts")
      .select(["contact_id", "seq", "outcome", "answered_at", "details"])
      .orderBy("id")
      .execute()) as Row[];
    const contacts = await store.db.selectFrom("contacts").select(["id", "status", "last_outcome"]).execute();
    return { report, rows, contacts };
  } finally {
    await store.close();
  }
}

const released = (rows: Row[]) =>
  rows.filter((r) => (JSON.parse(r.details ?? "{}") as { releasedByPacer?: boolean }).releasedByPacer);

test("a released line rang its 15 s, is an unanswered no-answer, and is redialed as one", async () => {
  const { report, rows, contacts } = await run({});
  const gone = released(rows);
  assert.ok(gone.length >= 5, `${gone.length} of ${rows.length} lines released`);
  for (const r of gone) {
    assert.equal(r.outcome, "no_answer");
    assert.equal(r.answered_at, null);
    const ringSec = (JSON.parse(r.details!) as { ringSec: number }).ringSec;
    assert.ok(ringSec >= POST_DIAL_SEC + 15, `released after ${ringSec} s from the dial`);
    assert.ok(ringSec < 30, "before the ring timeout");
  }
  // One no-answer retry allowed: a contact released on its first attempt waits for (or had) its second.
  for (const r of gone.filter((g) => g.seq === 1)) {
    const contact = contacts.find((c) => c.id === r.contact_id)!;
    const again = rows.some((o) => o.contact_id === r.contact_id && o.seq === 2);
    assert.ok(again || contact.status === "pending", `contact ${contact.id}: ${contact.status}`);
  }
  assert.ok(
    gone.some((g) => g.seq === 2 && contacts.find((c) => c.id === g.contact_id)!.status === "exhausted"),
    "released on its last attempt, the contact is exhausted like any no-answer",
  );
  assert.ok(report.agents!.abandonRate <= 0.03, `abandonment ${report.agents!.abandonRate}`);
});

test("with AMD on, a line the far end picked up is never released while AMD listens", async () => {
  // The sim driver reports the pickup (connected) before AMD's verdict: such a line is answered, not ringing.
  const { rows } = await run({ amd: { enabled: true, mode: "background" } });
  const gone = released(rows);
  assert.ok(gone.length >= 5, `${gone.length} of ${rows.length} lines released`);
  for (const r of gone) {
    assert.equal(r.outcome, "no_answer", `attempt of contact ${r.contact_id}: ${r.outcome}`);
    assert.equal(r.answered_at, null);
  }
});

test("with releaseAfterRingSec null every line rings to the ring timeout", async () => {
  const { rows } = await run({ releaseAfterRingSec: null });
  assert.ok(rows.length > 100);
  assert.equal(released(rows).length, 0);
  const unanswered = rows.filter((r) => r.outcome === "no_answer");
  for (const r of unanswered) {
    const ringSec = (JSON.parse(r.details!) as { ringSec: number }).ringSec;
    assert.equal(ringSec, POST_DIAL_SEC + 30, "every no-answer rang out the 30 s");
  }
});
