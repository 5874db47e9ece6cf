// Calling hours are judged on the clock of the number dialed, at the moment it is dialed:
// - a contact's second number in another zone is called in its own hours (its zone, when only inferred from
//   the first number, was used for every number: a Los Angeles mobile called at 06:00 there);
// - a number with no country (kept as written) has no clock to go by: it waits (unknown_zone) instead of
//   being judged in UTC, until the campaign names a defaultZone;
// - a previewed dial placed in a later calls-per-second slot is checked at that slot (it went out after 21:00);
// - a per-day cap counts the whole local day, also the 25 h day the clocks go back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { UNKNOWN_ZONE_REASON } from "../../src/engine/claim-decision.ts";
import { addContacts } from "../../src/lists/import.ts";
import { accountList, addDncNumbers } from "../../src/store/dnc.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";
import { createCampaign } from "../helpers/fixtures.ts";

// Monday 2026-01-05 14:00 UTC = 09:00 New York = 06:00 Los Angeles.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const NY = "+12125550100";
const LA = "+13105550100";
const LONDON = "+442079460123";
const SPLIT = "+12192345678"; // 219, Indiana: Central and Eastern, no zone of its own
const window9to20 = { calleeWindow: { from: "09:00", to: "20:00" } };

for (const [label, phones, extra] of [
  ["New York first, Los Angeles second", [NY, LA], {}],
  ["London first, Los Angeles second", [LONDON, LA], {}],
  [
    "a split area code first, Los Angeles second, defaultZone New York",
    [SPLIT, LA],
    { defaultZone: "America/New_York" },
  ],
] as const) {
  test(`the second number is called in its own hours: ${label} (the first on the do-not-call list)`, async () => {
    const h = await harness({ start: START, scenario: "all_human", maintenanceMs: 600_000 });
    try {
      const ids = await createCampaign(
        h.store,
        h.accountId,
        { ...window9to20, ...extra },
        { now: h.clock.now() },
      );
      const report = await addContacts(h.store, { accountId: h.accountId, ...ids, now: h.clock.now() }, [
        { phones: [...phones] },
      ]);
      assert.equal(report.inserted, 1);
      const entry = { phone: phones[0], source: "t", reason: null, expiresAt: null };
      await addDncNumbers(h.store, accountList(h.accountId), [entry], h.clock.now());
      await h.engine.start(h.accountId, ids.campaignId);
      await h.runToEnd(2 * 86_400_000);
      const attempts = await h.attempts(ids.campaignId);
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0].phone, LA);
      const local = DateTime.fromMillis(attempts[0].started_at, { zone: "America/Los_Angeles" });
      assert.ok(local.hour >= 9 && local.hour < 20, `dialed at ${local.toISO()} in Los Angeles`);
    } finally {
      await h.close();
    }
  });
}

test("a number with no country is passed over under a callee window; alone, it settles (unknown_zone); with a defaultZone it is called in that zone's hours", async () => {
  // 09:00 UTC = 04:00 in New York.
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 9, 0, 0),
    scenario: "all_human",
    maintenanceMs: 600_000,
  });
  try {
    const campaigns: number[] = [];
    for (const [extra, phones] of [
      [{}, ["(212) 555-0100"]],
      [{ defaultZone: "America/New_York" }, ["(212) 555-0100"]],
      [{}, ["(212) 555-0100", LA]],
    ] as const) {
      const ids = await createCampaign(
        h.store,
        h.accountId,
        { ...window9to20, ...extra },
        { now: h.clock.now() },
      );
      const at = { accountId: h.accountId, ...ids, now: h.clock.now(), phonePolicy: "flag" as const };
      assert.equal((await addContacts(h.store, at, [{ phones: [...phones] }])).inserted, 1);
      await h.engine.start(h.accountId, ids.campaignId);
      campaigns.push(ids.campaignId);
    }
    await h.runToEnd(2 * 86_400_000);
    const [unknown, known, second] = campaigns;
    assert.equal((await h.attempts(unknown)).length, 0, "not judged in UTC");
    const [settled] = await h.contacts(unknown);
    assert.deepEqual([settled.status, settled.wait_reason], ["failed", UNKNOWN_ZONE_REASON]);
    const [call] = await h.attempts(known);
    const local = DateTime.fromMillis(call.started_at, { zone: "America/New_York" });
    assert.ok(local.hour >= 9 && local.hour < 20, `dialed at ${local.toISO()}`);
    const [next] = await h.attempts(second);
    assert.equal(next.phone, LA, "the contact's number with a clock is called");
    const inLa = DateTime.fromMillis(next.started_at, { zone: "America/Los_Angeles" });
    assert.ok(inLa.hour >= 9 && inLa.hour < 20, `dialed at ${inLa.toISO()}`);
    const statuses = await h.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "in", campaigns)
      .execute();
    assert.deepEqual(
      statuses.map((c) => c.status),
      ["completed", "completed", "completed"],
    );
  } finally {
    await h.close();
  }
});

test("a second number whose zone the number leaves open (219) after a New York first: open in every zone it may be in", async () => {
  const h = await harness({ start: START, scenario: "all_human", maintenanceMs: 600_000 });
  try {
    const ids = await createCampaign(h.store, h.accountId, window9to20, { now: h.clock.now() });
    await addContacts(h.store, { accountId: h.accountId, ...ids, now: h.clock.now() }, [
      { phones: [NY, SPLIT] },
    ]);
    const entry = { phone: NY, source: "t", reason: null, expiresAt: null };
    await addDncNumbers(h.store, accountList(h.accountId), [entry], h.clock.now());
    await h.engine.start(h.accountId, ids.campaignId);
    await h.runToEnd(2 * 86_400_000);
    const [call] = await h.attempts(ids.campaignId);
    assert.equal(call.phone, SPLIT);
    const local = DateTime.fromMillis(call.started_at, { zone: "America/Chicago" });
    assert.ok(local.hour >= 9, `dialed at ${local.toFormat("HH:mm")} in its Central part`);
  } finally {
    await h.close();
  }
});

const NEW_YORK = "America/New_York";

/** 20:59:00 in New York: a minute of calling hours left. */
const AT_2059_IN_NEW_YORK = {
  start: Date.UTC(2026, 0, 6, 1, 59, 0),
  seed: 3,
  scenario: { outcomes: { no_answer: 1 } },
  maintenanceMs: 600_000,
};

/** A preview campaign dialing one call each 100 s, with `count` New York contacts and as many agents. */
async function previewCampaignOfNewYorkers(h: Harness, count: number) {
  const id = await h.campaign(
    { dialMethod: "preview", callsPerSecond: 0.01, maxAttemptsPerContact: 1, wrapUpSec: 0 },
    Array.from({ length: count }, (_, i) => ({ phones: [`+1212555010${i}`], timeZone: NEW_YORK })),
  );
  return { id, agents: await queueAgents(h, id, count) };
}

test("a previewed dial placed in a later calls-per-second slot is checked against the hours at that slot", async () => {
  // A minute of calling hours left; three agents press dial, one call each 100 s.
  const h = await harness(AT_2059_IN_NEW_YORK);
  try {
    const { id, agents } = await previewCampaignOfNewYorkers(h, 3);
    await simulatedAgents(h, { talkSec: 20, wrapSec: 0, previewSec: 1 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 3600_000 });
    const attempts = await h.attempts(id);
    assert.ok(attempts.length >= 1, "the first went out in time");
    for (const a of attempts) {
      const local = DateTime.fromMillis(a.started_at, { zone: NEW_YORK });
      assert.ok(local.hour >= 8 && local.hour < 21, `${a.phone} dialed at ${local.toFormat("HH:mm:ss")}`);
    }
  } finally {
    await h.close();
  }
});

for (const [zone, start, lateThatDay] of [
  // Sunday 2026-11-01, the US fall-back day (25 h): 00:05 EDT, and 23:30 EST.
  ["America/New_York", Date.UTC(2026, 10, 1, 4, 5), Date.UTC(2026, 10, 2, 4, 30)],
  // 2026-10-25 at Troll, +02 to +00 (26 h): 00:05 local, and 23:40 local.
  ["Antarctica/Troll", Date.UTC(2026, 9, 24, 22, 5), Date.UTC(2026, 9, 25, 23, 40)],
] as const) {
  test(`a per-day cap counts the whole local day, also the long day the clocks go back (${zone})`, async () => {
    const phone = "+12125550177";
    const h = await harness({ start, scenario: "all_human", maintenanceMs: 600_000 });
    try {
      const caps = { phoneCaps: { perDay: 1 } };
      const a = await h.campaign(caps, [{ phones: [phone], timeZone: zone }], "a");
      const b = await h.campaign(caps, [{ phones: [phone], timeZone: zone, startAt: lateThatDay }], "b");
      await h.engine.start(h.accountId, a);
      await h.engine.start(h.accountId, b);
      await h.runToEnd(3 * 86_400_000);
      const calls = [...(await h.attempts(a)), ...(await h.attempts(b))].sort(
        (x, y) => x.started_at - y.started_at,
      );
      assert.equal(calls.length, 2);
      const days = calls.map((c) => DateTime.fromMillis(c.started_at, { zone }).toISODate());
      assert.notEqual(days[0], days[1], "two calls on one calendar day in the callee's zone");
    } finally {
      await h.close();
    }
  });
}

test("two previewed dials pressed together near 21:00 at a low calls-per-second: the second is refused, not late", async () => {
  const h = await harness(AT_2059_IN_NEW_YORK);
  try {
    const { id, agents } = await previewCampaignOfNewYorkers(h, 2);
    await h.engine.start(h.accountId, id);
    for (const a of agents) {
      await h.engine.agents.login(h.accountId, a, id);
      await h.engine.agents.ready(h.accountId, a).catch(() => {});
    }
    for (const a of agents) assert.ok(await h.engine.agents.previewNext(h.accountId, a), "offered");
    // The do-not-call lookup takes a few ms, as a query to a database server does: both presses see one slot.
    const listed = h.engine.dispatch.listedPhones.bind(h.engine.dispatch);
    h.engine.dispatch.listedPhones = async (...args) => {
      await new Promise((r) => setTimeout(r, 5));
      return listed(...args);
    };
    await Promise.allSettled(agents.map((a) => h.engine.agents.previewDial(h.accountId, a)));
    await h.clock.run({ until: h.clock.now() + 600_000 });
    const attempts = await h.attempts(id);
    assert.ok(attempts.length >= 1);
    for (const a of attempts) {
      const local = DateTime.fromMillis(a.started_at, { zone: NEW_YORK });
      assert.ok(local.hour >= 8 && local.hour < 21, `${a.phone} dialed at ${local.toFormat("HH:mm:ss")}`);
    }
  } finally {
    await h.close();
  }
});

test("a pass's dial pushed to a later slot by a dial that took its own meanwhile is checked at the slot it got", async () => {
  const zone = "America/New_York";
  // 20:59:00 in New York, one call each 100 s.
  const h = await harness({
    start: Date.UTC(2026, 0, 6, 1, 59, 0),
    scenario: "all_human",
    maintenanceMs: 600_000,
  });
  try {
    const id = await h.campaign(
      { callsPerSecond: 0.01, maxAttemptsPerContact: 1, calleeWindow: { from: "08:00", to: "21:00" } },
      [{ phones: ["+12125550100"], timeZone: zone }],
    );
    // While the pass's claim is in the database, another dial (an agent's) takes the slot it planned for.
    const claim = h.engine.dispatch.claim.bind(h.engine.dispatch);
    h.engine.dispatch.claim = async (req) => {
      const result = await claim(req);
      h.engine.dispatcher.campaigns.get(id)?.spacing.consume(h.clock.now());
      return result;
    };
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 300_000 });
    for (const a of await h.attempts(id)) {
      const local = DateTime.fromMillis(a.started_at, { zone });
      assert.ok(local.hour < 21, `dialed at ${local.toFormat("HH:mm:ss")}`);
    }
  } finally {
    await h.close();
  }
});
