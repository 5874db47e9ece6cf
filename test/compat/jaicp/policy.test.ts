// Call policies on the virtual clock: numbers with a policy are dialed first (higher dialerPriority
// earlier), only on their allowed days and local times, within start and finish, with their own attempt
// limit and retry interval. On both dialects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { type CallJob, contactForJob } from "../../../src/api/compat/jaicp/call-jobs.ts";
import { insertContacts } from "../../../src/store/contacts-insert.ts";
import { harness } from "../../helpers/engine-harness.ts";
import { createCampaign } from "../../helpers/fixtures.ts";
import { dialects } from "../../helpers/stores.ts";

// Monday 2026-01-05 00:00 UTC.
const MONDAY = Date.UTC(2026, 0, 5, 0, 0, 0);

for (const dialect of dialects()) {
  test(`call policies steer order, windows, limits and retries [${dialect.name}]`, async () => {
    const h = await harness({
      scenario: "always_busy",
      start: MONDAY,
      openStore: dialect.open,
      // Nothing changes behind the engine's back here: a pass a minute idles the days between windows faster.
      maintenanceMs: 60_000,
    });
    try {
      const { campaignId, listId } = await createCampaign(h.store, h.accountId, {
        maxConcurrent: 1,
        maxAttemptsPerContact: 3,
        retryIntervalSec: 600,
        retry: { busy: { intervalSec: 600, maxRetries: 2 } },
      });
      const jobs: CallJob[] = [
        { phone: "12125550100" }, // no policy: last
        { phone: "12125550101", maxAttempts: 1, dialerPriority: 1 },
        { phone: "12125550102", maxAttempts: 1, dialerPriority: 9 }, // first of all
        // Only Wednesdays 12:00–13:00 New York time, two attempts half an hour apart (within one window,
        // so the campaign ends that Wednesday rather than idle a week for the next one).
        {
          phone: "12125550103",
          gmtZone: "America/New_York",
          allowedDays: ["wed"],
          allowedTime: { default: [{ localTimeFrom: "12:00", localTimeTo: "13:00" }] },
          maxAttempts: 2,
          retryIntervalInMinutes: 30,
        },
        // Not before Tuesday 08:00 UTC and never after Tuesday 08:30 UTC, retried every 20 minutes.
        {
          phone: "12125550104",
          gmtZone: "Z",
          startDateTime: "2026-01-06T08:00:00Z",
          finishDateTime: "2026-01-06T08:30:00Z",
          retryIntervalInMinutes: 20,
          maxAttempts: 10,
        },
      ];
      const ids = await insertContacts(
        h.store.db,
        { accountId: h.accountId, campaignId, listId, now: h.clock.now() },
        jobs.map((j, i) => contactForJob(j, `[${i}].`)),
      );
      await h.engine.start(h.accountId, campaignId);
      await h.runToEnd(10 * 86_400_000);

      const attempts = await h.attempts(campaignId);
      const of = (i: number) => attempts.filter((a) => a.contact_id === ids[i]);
      // Order: dialerPriority 9, then 1, then the ones without policy constraints on time.
      assert.deepEqual(
        attempts.slice(0, 3).map((a) => a.contact_id),
        [ids[2], ids[1], ids[0]],
        "policy numbers first, higher dialerPriority earlier",
      );
      assert.equal(of(1).length, 1, "maxAttempts 1 overrides the campaign's 3");
      assert.equal(of(2).length, 1);
      assert.equal(of(0).length, 3, "no policy: the campaign's limits");

      const wed = of(3);
      assert.equal(wed.length, 2);
      for (const a of wed) {
        const local = DateTime.fromMillis(a.started_at, { zone: "America/New_York" });
        assert.equal(local.weekday, 3, "Wednesday");
        assert.ok(local.hour === 12, `12:00–13:00 local, got ${local.toISO()}`);
      }
      assert.ok(wed[1].started_at - wed[0].started_at >= 30 * 60_000, "half an hour apart");
      assert.ok(wed[1].started_at - wed[0].started_at < 3_600_000, "the same Wednesday's window");

      const window = of(4);
      assert.ok(window.length >= 1);
      for (const a of window) {
        assert.ok(a.started_at >= Date.parse("2026-01-06T08:00:00Z"), "not before startDateTime");
        assert.ok(a.started_at < Date.parse("2026-01-06T08:30:00Z"), "not after finishDateTime");
      }
      for (let i = 1; i < window.length; i++)
        assert.ok(window[i].started_at - window[i - 1].started_at >= 20 * 60_000);
      const contacts = await h.contacts(campaignId);
      const last = contacts.find((c) => c.id === ids[4])!;
      assert.equal(last.status, "exhausted");
      assert.equal(last.wait_reason, "finish_time_passed");
    } finally {
      await h.close();
    }
  });
}

test("a number whose next retry would fall after its finishDateTime ends exhausted at its last call, and its campaign completes", async () => {
  const start = Date.UTC(2026, 0, 5, 9, 0, 0);
  const h = await harness({ scenario: "always_busy", start });
  try {
    const { campaignId, listId } = await createCampaign(h.store, h.accountId, { maxConcurrent: 1 });
    const job: CallJob = {
      phone: "12125550100",
      finishDateTime: "2026-01-05T10:00:00Z", // an hour from now
      retryIntervalInMinutes: 1440, // the next try would be tomorrow
      maxAttempts: 5,
    };
    const scope = { accountId: h.accountId, campaignId, listId, now: h.clock.now() };
    const [id] = await insertContacts(h.store.db, scope, [contactForJob(job, "")]);
    await h.engine.start(h.accountId, campaignId);
    await h.runToEnd(3 * 3_600_000);
    assert.equal((await h.attempts(campaignId)).length, 1, "one busy call before finishDateTime");
    const c = (await h.contacts(campaignId)).find((x) => x.id === id);
    assert.equal(c?.status, "exhausted", `the number is ${c?.status} (${c?.wait_reason})`);
    assert.equal(c?.wait_reason, "finish_time_passed");
    const campaign = await h.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow();
    assert.equal(campaign.status, "completed", "nothing is left that could ever be dialed");
  } finally {
    await h.close();
  }
});

test("a retry that falls at its allowed window's end waits for the next allowed day (a week on)", async () => {
  const h = await harness({
    scenario: "always_busy",
    start: MONDAY,
    // Nothing changes behind the engine's back: a pass every ten minutes idles the week faster.
    maintenanceMs: 600_000,
  });
  try {
    const { campaignId, listId } = await createCampaign(h.store, h.accountId, { maxConcurrent: 1 });
    // Wednesdays 12:00–13:00 New York time; the retry an hour after a 12:00 call is 13:00, the window's end.
    const job: CallJob = {
      phone: "12125550103",
      gmtZone: "America/New_York",
      allowedDays: ["wed"],
      allowedTime: { default: [{ localTimeFrom: "12:00", localTimeTo: "13:00" }] },
      maxAttempts: 2,
      retryIntervalInMinutes: 60,
    };
    const scope = { accountId: h.accountId, campaignId, listId, now: h.clock.now() };
    await insertContacts(h.store.db, scope, [contactForJob(job, "")]);
    await h.engine.start(h.accountId, campaignId);
    await h.runToEnd(10 * 86_400_000);
    const started = (await h.attempts(campaignId)).map((a) =>
      DateTime.fromMillis(Number(a.started_at), { zone: "America/New_York" }),
    );
    assert.deepEqual(
      started.map((t) => `${t.weekdayShort} ${t.toFormat("HH")}`),
      ["Wed 12", "Wed 12"],
    );
    assert.equal(started[1].diff(started[0], "days").days >= 7 - 1 / 24, true, "a week apart");
  } finally {
    await h.close();
  }
});

test("retryIntervalInMinutes changes only the pause: outcomes the campaign retries or ends stay so", async () => {
  const start = Date.UTC(2026, 0, 5, 9, 0, 0);
  // Every call is declined; the campaign retries declines (at most 5 times), ends busy numbers at once.
  const h = await harness({ scenario: { outcomes: { rejected: 1 } }, start, maintenanceMs: 60_000 });
  try {
    const { campaignId, listId } = await createCampaign(h.store, h.accountId, {
      maxConcurrent: 1,
      maxAttemptsPerContact: 3,
      rejectedIsFinal: false,
      retry: { rejected: { intervalSec: 3600, maxRetries: 5 }, busy: { intervalSec: 3600, maxRetries: 0 } },
    });
    const job: CallJob = { phone: "12125550104", retryIntervalInMinutes: 5 };
    const scope = { accountId: h.accountId, campaignId, listId, now: h.clock.now() };
    await insertContacts(h.store.db, scope, [contactForJob(job, "")]);
    await h.engine.start(h.accountId, campaignId);
    await h.runToEnd(86_400_000);
    const started = (await h.attempts(campaignId)).map((a) => Number(a.started_at));
    assert.equal(started.length, 3, "declined three times: the campaign's limit, not one call");
    // Five minutes apart (the job's interval), not an hour (the campaign's).
    assert.ok(started[1] - started[0] < 10 * 60_000, `${(started[1] - started[0]) / 60_000} min apart`);
  } finally {
    await h.close();
  }
});
