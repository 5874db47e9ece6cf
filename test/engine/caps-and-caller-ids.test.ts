// Frequency caps and the minimum gap hold across the account's campaigns; caller ids rotate.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { LocalPresence } from "../../src/engine/local-presence.ts";
import { harness } from "../helpers/engine-harness.ts";
import { forcedOutcomes } from "../helpers/scenarios.ts";

const SHARED = "+12025557000";
const busyRetries = { busy: { intervalSec: 60, maxRetries: 50 } };

async function twoCampaignsOnOneNumber(
  settings: Record<string, unknown>,
  runMs = 5 * 86_400_000,
  /** The engine's upkeep every 5 s is most of a long run's cost; nothing here waits on it. */
  maintenanceMs = 600_000,
) {
  const h = await harness({ scenario: forcedOutcomes({ [SHARED]: "busy" }), maintenanceMs });
  const base = { maxAttemptsPerContact: 8, retry: busyRetries, ...settings };
  const a = await h.campaign(base, [{ phones: [SHARED] }], "a");
  const b = await h.campaign(base, [{ phones: [SHARED] }], "b");
  await h.engine.start(h.accountId, a);
  await h.engine.start(h.accountId, b);
  await h.runToEnd(runMs);
  const calls = [...(await h.attempts(a)), ...(await h.attempts(b))].sort(
    (x, y) => x.started_at - y.started_at,
  );
  return { h, starts: calls.map((x) => x.started_at), calls, a, b };
}

test("a per-number cap of 2 calls per rolling 24 h holds across two campaigns", async () => {
  const { h, starts } = await twoCampaignsOnOneNumber({ phoneCaps: { per24h: 2 } });
  assert.ok(starts.length >= 6, `the campaigns kept calling over the days: ${starts.length}`);
  for (let i = 2; i < starts.length; i++) {
    assert.ok(starts[i] - starts[i - 2] >= 86_400_000, `3 calls within 24 h ending at attempt ${i}`);
  }
  // And the cap is what spaced them: the third call waits for the first to leave the window, no longer.
  assert.ok(starts[2] - starts[0] < 86_400_000 + 1000);
  await h.close();
});

test("per-number caps per rolling 7 and 30 days hold across two campaigns", async () => {
  const DAY = 86_400_000;
  const { h, starts, a, b } = await twoCampaignsOnOneNumber({ phoneCaps: { per7d: 2, per30d: 3 } }, 8 * DAY);
  // Two calls at once (busy, retried a minute later), the third when the first leaves the 7 days; then
  // the 7-day cap would allow a fourth, but three calls in 30 days put it off until the first leaves those.
  assert.equal(starts.length, 3, `calls: ${starts.map((t) => new Date(t).toISOString())}`);
  assert.ok(starts[1] - starts[0] < DAY);
  assert.ok(
    starts[2] - starts[0] >= 7 * DAY && starts[2] - starts[0] < 7 * DAY + 1000,
    "the 7-day cap binds",
  );
  const waiting = await h.store.db
    .selectFrom("contacts")
    .select(["next_attempt_at", "wait_reason"])
    .where("campaign_id", "in", [a, b])
    .where("status", "=", "pending")
    .execute();
  assert.ok(waiting.length > 0);
  for (const c of waiting) {
    assert.equal(c.wait_reason, "phone_cap");
    assert.ok(Number(c.next_attempt_at) >= starts[0] + 30 * DAY, "the 30-day cap binds the fourth call");
    assert.ok(Number(c.next_attempt_at) < starts[0] + 30 * DAY + 1000);
  }
  await h.close();
});

test("a minimum gap between two calls to one number holds across campaigns", async () => {
  const { h, calls } = await twoCampaignsOnOneNumber({ minGapSec: 3600 });
  assert.equal(calls.length, 16);
  // From the end of one call to the start of the next.
  const gaps = calls.slice(1).map((x, i) => x.started_at - (calls[i].ended_at as number));
  for (const g of gaps) assert.ok(g >= 3_600_000, `gap ${g} ms`);
  assert.ok(Math.min(...gaps) < 3_601_000, "the gap is the binding rule");
  await h.close();
});

test("a number on a long call is not dialed by another campaign, and the gap runs from the call's end", async () => {
  const h = await harness({ scenario: { base: "all_human", talkSec: 300, ringSec: 5, postDialSec: 1 } });
  const a = await h.campaign({ minGapSec: 60, priority: 0 }, [{ phones: [SHARED] }], "a");
  const b = await h.campaign({ minGapSec: 60, priority: 5 }, [{ phones: [SHARED] }], "b");
  await h.engine.start(h.accountId, a);
  await h.engine.start(h.accountId, b);
  await h.runToEnd(3_600_000);
  const [first, second] = [...(await h.attempts(a)), ...(await h.attempts(b))].sort(
    (x, y) => x.started_at - y.started_at,
  );
  assert.equal(first.talk_sec, 300);
  assert.ok(
    second.started_at >= (first.ended_at as number) + 60_000,
    `second call ${second.started_at - (first.ended_at as number)} ms after the first ended`,
  );
  await h.close();
});

test("a per-day cap counts a call claimed for a later slot of the day", async () => {
  // Campaign a (first by priority) claims the shared number for its second calls-per-second slot, half a
  // second ahead; campaign b, claiming in the same pass, must see that call.
  const h = await harness({ start: Date.UTC(2026, 0, 5, 12), scenario: "all_human" });
  const caps = { phoneCaps: { perDay: 1 } };
  const a = await h.campaign({ ...caps, priority: 0, callsPerSecond: 2 }, [
    { phones: ["+12025557001"] },
    { phones: [SHARED] },
  ]);
  const b = await h.campaign({ ...caps, priority: 5 }, [{ phones: [SHARED] }]);
  await h.engine.start(h.accountId, a);
  await h.engine.start(h.accountId, b);
  await h.runToEnd(24 * 3_600_000);
  const calls = [...(await h.attempts(a)), ...(await h.attempts(b))].filter((x) => x.phone === SHARED);
  // The contacts have no zone: the days are the Washington number's own.
  const days = calls.map((x) => DateTime.fromMillis(x.started_at, { zone: "America/New_York" }).toISODate());
  assert.deepEqual(days, ["2026-01-05", "2026-01-06"], "one call to the number a day");
  await h.close();
});

test("a per-contact cap of 1 call per calendar day counts days in the callee's zone", async () => {
  // Monday 2026-01-05 00:00 UTC is Sunday 16:00 in Los Angeles.
  const h = await harness({ scenario: forcedOutcomes({ "+13105550100": "busy" }) });
  const id = await h.campaign({ maxAttemptsPerContact: 3, retry: busyRetries, contactCaps: { perDay: 1 } }, [
    { phones: ["+13105550100"], timeZone: "America/Los_Angeles" },
  ]);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(5 * 86_400_000);
  const days = (await h.attempts(id)).map((a) =>
    DateTime.fromMillis(a.started_at, { zone: "America/Los_Angeles" }).toISODate(),
  );
  assert.deepEqual(days, ["2026-01-04", "2026-01-05", "2026-01-06"]);
  await h.close();
});

test("caller ids rotate through the pool; a fixed one stays", async () => {
  const h = await harness({ scenario: "all_human" });
  const phones = Array.from({ length: 6 }, (_, i) => ({ phones: [`+1202555${8000 + i}`] }));
  const pool = ["+12025550001", "+12025550002", "+12025550003"];
  const rotating = await h.campaign(
    { maxConcurrent: 1, callerIds: pool, callerIdMode: "rotate" },
    phones,
    "r",
  );
  const fixed = await h.campaign(
    { maxConcurrent: 1, callerIds: ["+12025550009"], callerIdMode: "fixed" },
    phones.map((_, i) => ({ phones: [`+1202555${8100 + i}`] })),
    "f",
  );
  await h.engine.start(h.accountId, rotating);
  await h.engine.start(h.accountId, fixed);
  await h.runToEnd();
  assert.deepEqual(
    (await h.attempts(rotating)).map((a) => a.caller_id),
    [...pool, ...pool],
  );
  assert.ok((await h.attempts(fixed)).every((a) => a.caller_id === "+12025550009"));
  await h.close();
});

test("local presence: each call shows the caller id closest to the callee's number, in turn among equals", async () => {
  const h = await harness({ scenario: "all_human" });
  const ny = "+12125550001";
  const sf = ["+14155550001", "+14155550002"];
  const london = "+442071234567";
  const callees = [
    "+14155551000", // San Francisco: the two 415 ids, in turn
    "+14155551001",
    "+12125551000", // New York: the 212 id
    "+442079460000", // London: the UK id
    "+16465551000", // another US area code: any US id, never the UK one
    "+33145550000", // France: no id shares a digit, so any of them
  ];
  const id = await h.campaign(
    { maxConcurrent: 1, callerIds: [ny, ...sf, london], callerIdMode: "local" },
    callees.map((p) => ({ phones: [p] })),
  );
  await h.engine.start(h.accountId, id);
  await h.runToEnd();
  const shown = new Map((await h.attempts(id)).map((a) => [a.phone, a.caller_id]));
  assert.deepEqual(
    new Set([shown.get(callees[0]), shown.get(callees[1])]),
    new Set(sf),
    "both 415 ids, in turn",
  );
  assert.equal(shown.get(callees[2]), ny);
  assert.equal(shown.get(callees[3]), london);
  assert.ok(
    [ny, ...sf].includes(shown.get(callees[4]) ?? ""),
    `a US id for a US callee: ${shown.get(callees[4])}`,
  );
  assert.ok([ny, ...sf, london].includes(shown.get(callees[5]) ?? ""));
  await h.close();
});

test("local presence: regions taking turns do not starve an id; an id not in international format waits for no match", () => {
  const sf = ["+14155550001", "+14155550002"];
  const ny = ["+12125550001", "+12125550002"];
  const presence = new LocalPresence([...sf, ...ny, "(415) 555-0100"]);
  const used = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const id = presence.pick(i % 2 === 0 ? "+14155551234" : "+12125551234");
    used.set(id, (used.get(id) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(used), Object.fromEntries([...sf, ...ny].map((id) => [id, 10])));
  // A callee of a country no id shares: every id in turn, the national-format one among them.
  const abroad = new Set(Array.from({ length: 5 }, () => presence.pick("+33145550000")));
  assert.equal(abroad.size, 5);
});
