// explain's nextDialAt and reasons against what the dispatcher really does next: an end time before the
// schedule reopens, retries falling due inside or outside the schedule, a completed campaign with a reset list.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "../api/helpers.ts";
import { harness } from "../helpers/engine-harness.ts";

const HOUR = 3_600_000;
const iso = (t: number | null | undefined) => (t == null ? String(t) : new Date(t).toISOString());
// Weekdays 09:00-18:00 UTC.
const schedule = { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }] };

type Harness = Awaited<ReturnType<typeof harness>>;

async function status(h: Harness, id: number) {
  return (
    await h.store.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow()
  ).status;
}

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

test("window closed and the end time comes before it reopens: no next dial, the halt time is named", async () => {
  const start = Date.UTC(2026, 0, 5, 17, 0, 0); // Monday 17:00 UTC
  const h = await harness({ start, scenario: "always_no_answer" });
  try {
    const endAt = Date.UTC(2026, 0, 5, 20, 0, 0); // Monday 20:00, before Tuesday 09:00
    const id = await h.campaign(
      { maxConcurrent: 1, callsPerSecond: 0.001, maxAttemptsPerContact: 1, schedule, endAt },
      Array.from({ length: 20 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 18, 30, 0) });
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 6, 12, 0, 0) });
    const later = (await h.attempts(id)).filter((a) => a.started_at > h.clock.now() - 18 * HOUR);
    assert.equal(later.length, 0, "sanity: no dial after the end time");
    assert.equal(await status(h, id), "halted", "sanity: it halted at its end time");
    assert.equal(e.dialing, false);
    assert.equal(e.nextDialAt, null, `explain promised a dial at ${iso(e.nextDialAt)}`);
    const r = e.reasons.find((x) => x.code === "ends_before_open");
    assert.ok(r, `no ends_before_open reason: ${JSON.stringify(e.reasons)}`);
    assert.equal(r.until, endAt);
    assert.match(r.message, new RegExp(new Date(endAt).toISOString().replace(/\./g, "\\.")));
    assert.ok(e.reasons.some((x) => x.code === "window_closed"));
  } finally {
    await h.close();
  }
});

test("window closed and the only contact waits for a retry after it reopens: nextDialAt is the retry", async () => {
  const start = Date.UTC(2026, 0, 5, 17, 50, 0); // Monday 17:50
  const h = await harness({ start, scenario: "always_no_answer" });
  try {
    const id = await h.campaign(
      { maxConcurrent: 1, maxAttemptsPerContact: 2, retryIntervalSec: 18 * 3600, schedule },
      [{ phones: ["+12025551000"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 20, 0, 0) });
    assert.equal((await h.attempts(id)).length, 1);
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 6, 17, 0, 0) });
    const a = await h.attempts(id);
    assert.equal(a.length, 2);
    assert.equal(
      e.nextDialAt,
      a[1].started_at,
      `explain said next dial at ${iso(e.nextDialAt)}; the dispatcher dialed at ${iso(a[1].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

test("window open and a retry falls due after it closes: nextDialAt is the next opening after the retry", async () => {
  const start = Date.UTC(2026, 0, 5, 16, 0, 0); // Monday 16:00
  const h = await harness({ start, scenario: "always_no_answer" });
  try {
    const id = await h.campaign(
      { maxConcurrent: 1, maxAttemptsPerContact: 2, retryIntervalSec: 3 * 3600, schedule },
      [{ phones: ["+12025551000"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 17, 0, 0) });
    assert.equal((await h.attempts(id)).length, 1);
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 6, 17, 0, 0) });
    const a = await h.attempts(id);
    assert.equal(a.length, 2);
    assert.equal(a[1].started_at, Date.UTC(2026, 0, 6, 9, 0, 0), "sanity: dialed at Tuesday's opening");
    assert.equal(
      e.nextDialAt,
      a[1].started_at,
      `explain said next dial at ${iso(e.nextDialAt)}; the dispatcher dialed at ${iso(a[1].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

test("window open and the only retry falls due past the end time: no next dial, the halt time is named", async () => {
  const start = Date.UTC(2026, 0, 5, 10, 0, 0); // Monday 10:00
  const h = await harness({ start, scenario: "always_no_answer" });
  try {
    const endAt = Date.UTC(2026, 0, 5, 12, 0, 0);
    const id = await h.campaign(
      { maxConcurrent: 1, maxAttemptsPerContact: 2, retryIntervalSec: 3 * 3600, schedule, endAt },
      [{ phones: ["+12025551000"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 11, 0, 0) });
    assert.equal((await h.attempts(id)).length, 1);
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 17, 0, 0) });
    assert.equal((await h.attempts(id)).length, 1, "sanity: no second dial");
    assert.equal(await status(h, id), "halted", "sanity: it halted at its end time");
    assert.equal(e.nextDialAt, null, `explain promised a dial at ${iso(e.nextDialAt)}`);
    const r = e.reasons.find((x) => x.code === "ends_before_due");
    assert.ok(r, `no ends_before_due reason: ${JSON.stringify(e.reasons)}`);
    assert.equal(r.until, endAt);
  } finally {
    await h.close();
  }
});

test("explain of a completed campaign whose list was reset says its pending contacts wait for a recover", async () => {
  const { id, listId } = await createCampaignViaApi(f, { name: "again" });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
    { status: "failed" },
    {},
  ]);
  // As the dispatcher leaves it once every contact is final.
  await f.store.db.updateTable("contacts").set({ status: "failed" }).where("campaign_id", "=", id).execute();
  await f.store.db
    .updateTable("campaigns")
    .set({ status: "completed", finished_at: f.clock.now() })
    .where("id", "=", id)
    .execute();
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${id}/explain` });
  assert.equal(res.statusCode, 200, res.body);
  assert.ok(
    res
      .json()
      .reasons.some((r: { message: string }) => /every contact has reached a final status/.test(r.message)),
    "sanity: before the reset every contact is final",
  );
  const reset = await f.call({
    method: "POST",
    url: `/v1/campaigns/${id}/lists/${listId}/reset`,
    payload: {},
  });
  assert.equal(reset.statusCode, 200, reset.body);
  assert.equal(reset.json().reset, 2);
  const e = (await f.call({ method: "GET", url: `/v1/campaigns/${id}/explain` })).json();
  assert.equal(e.counts.pending, 2);
  assert.equal(e.dialing, false);
  assert.ok(
    !e.reasons.some((r: { message: string }) => /every contact has reached a final status/.test(r.message)),
    `explain with ${e.counts.pending} pending contacts: ${JSON.stringify(e.reasons)}`,
  );
  assert.ok(
    e.reasons.some(
      (r: { message: string }) => /2 contacts are pending/.test(r.message) && /recover/.test(r.message),
    ),
    JSON.stringify(e.reasons),
  );
});

test("agent campaign with no agent logged in: explain promises no dial time", async () => {
  const start = Date.UTC(2026, 0, 5, 12, 0, 0);
  const h = await harness({ start, scenario: "all_human" });
  try {
    const id = await h.campaign({ dialMethod: "predictive", calleeWindow: { from: "00:00", to: "23:59" } }, [
      { phones: ["+12125550100"], startAt: start + 3_600_000 },
    ]);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: start + 60_000 });
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: start + 4 * 3_600_000 });
    assert.equal((await h.attempts(id)).length, 0, "sanity: nothing dialed without agents");
    assert.equal(
      e.nextDialAt,
      null,
      `explain said next dial at ${iso(e.nextDialAt)} (reasons ${JSON.stringify(e.reasons.map((r) => r.code))}); nothing was dialed`,
    );
  } finally {
    await h.close();
  }
});

test("scheduled campaign whose start time falls in closed hours: nextDialAt is when its schedule opens", async () => {
  const start = Date.UTC(2026, 0, 5, 5, 0, 0); // Monday 05:00
  const h = await harness({ start, scenario: "all_human" });
  try {
    const id = await h.campaign({ schedule, startAt: Date.UTC(2026, 0, 5, 6, 0, 0) }, [
      { phones: ["+12125550100"] },
    ]);
    assert.equal(await h.engine.start(h.accountId, id), "scheduled");
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const a = await h.attempts(id);
    assert.equal(a.length, 1, "sanity: one dial");
    assert.equal(
      e.nextDialAt,
      a[0].started_at,
      `explain said next dial at ${iso(e.nextDialAt)}; the dispatcher dialed at ${iso(a[0].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

// Audit sched7: calls per second hold the next dial to their slot; a scheduled campaign's first dial waits
// for a contact due, and none is coming without one.
test("contacts due, held by calls per second: nextDialAt is the next slot", async () => {
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 10, 0, 0),
    scenario: "always_no_answer",
    maintenanceMs: 600_000,
  });
  try {
    const id = await h.campaign(
      { maxConcurrent: 5, callsPerSecond: 0.01, maxAttemptsPerContact: 1 }, // one dial every 100 s
      [{ phones: ["+12125550100"] }, { phones: ["+12125550101"] }, { phones: ["+12125550102"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 10, 0, 50) });
    assert.equal((await h.attempts(id)).length, 1, "sanity: one dial so far");
    const e = await h.engine.explain(h.accountId, id);
    const cps = e.reasons.find((r) => r.code === "cps_saturated");
    assert.ok(cps, `sanity: cps_saturated in ${JSON.stringify(e.reasons)}`);
    await h.clock.run({ until: Date.UTC(2026, 0, 5, 10, 2, 0) });
    const a = await h.attempts(id);
    assert.ok(a.length >= 2, "sanity: a second dial came");
    assert.equal(
      e.nextDialAt,
      a[1].started_at,
      `explain said nextDialAt ${iso(e.nextDialAt)} (cps reason until ${iso(cps.until)}); the dispatcher dialed at ${iso(a[1].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

test("a retry falls due before the next calls-per-second slot: nextDialAt is the slot, when the dial comes", async () => {
  const start = Date.UTC(2026, 0, 5, 10, 0, 0);
  const h = await harness({ start, scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign(
      // one dial an hour; the retry falls due 10 minutes after the first call
      { maxConcurrent: 5, callsPerSecond: 1 / 3600, maxAttemptsPerContact: 2, retryIntervalSec: 600 },
      [{ phones: ["+12125550100"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: start + 120_000 });
    assert.equal((await h.attempts(id)).length, 1, "sanity: first dial");
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: start + 3 * 3_600_000 });
    const a = await h.attempts(id);
    assert.equal(a.length, 2, "sanity: the retry was dialed");
    assert.equal(
      e.nextDialAt,
      a[1].started_at,
      `explain said nextDialAt ${iso(e.nextDialAt)} (reasons ${e.reasons.map((r) => r.code).join(",")}); the dispatcher dialed at ${iso(a[1].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

test("scheduled campaign whose only contact is due hours after the start time: nextDialAt is the contact's due time", async () => {
  const start = Date.UTC(2026, 0, 5, 8, 0, 0);
  const h = await harness({ start, scenario: "all_human", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign({ startAt: start + HOUR }, [
      { phones: ["+12125550100"], startAt: start + 5 * HOUR },
    ]);
    assert.equal(await h.engine.start(h.accountId, id), "scheduled");
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: start + 10 * HOUR });
    const a = await h.attempts(id);
    assert.equal(a.length, 1, "sanity: one dial");
    assert.equal(a[0].started_at, start + 5 * HOUR, "sanity: dialed at the contact's start time");
    assert.equal(
      e.nextDialAt,
      a[0].started_at,
      `explain said ${iso(e.nextDialAt)}; dialed at ${iso(a[0].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

test("running campaign whose only contact waits for its start time: nextDialAt is that time (control)", async () => {
  const start = Date.UTC(2026, 0, 5, 8, 0, 0);
  const h = await harness({ start, scenario: "all_human", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign({}, [{ phones: ["+12125550100"], startAt: start + 5 * HOUR }]);
    assert.equal(await h.engine.start(h.accountId, id), "running");
    await h.clock.run({ until: start + 1000 });
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: start + 10 * HOUR });
    const a = await h.attempts(id);
    assert.equal(
      e.nextDialAt,
      a[0].started_at,
      `explain said ${iso(e.nextDialAt)}; dialed at ${iso(a[0].started_at)}`,
    );
  } finally {
    await h.close();
  }
});

test("scheduled campaign with no contact to dial: nextDialAt is null (none is coming)", async () => {
  const start = Date.UTC(2026, 0, 5, 8, 0, 0);
  const h = await harness({ start, scenario: "all_human", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign({ startAt: start + HOUR }, []);
    assert.equal(await h.engine.start(h.accountId, id), "scheduled");
    const e = await h.engine.explain(h.accountId, id);
    await h.clock.run({ until: start + 3 * HOUR });
    assert.equal((await h.attempts(id)).length, 0, "sanity: no dial");
    assert.equal(e.nextDialAt, null, `explain promised a dial at ${iso(e.nextDialAt)}; none came`);
  } finally {
    await h.close();
  }
});
