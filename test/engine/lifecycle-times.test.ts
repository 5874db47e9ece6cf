// Lifecycle commands and the campaign's start and end times: a recover before the start time waits for it,
// a paused campaign is halted at its end time (no start, resume or recover brings it back), and a second start of a scheduled campaign is
// refused (one campaign.status_changed event, over the real API).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "../api/helpers.ts";
import { harness } from "../helpers/engine-harness.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5, 12, 0, 0);

for (const [how, done] of [
  ["pause", "paused"],
  ["stop", "stopped"],
] as const) {
  test(`a campaign ${done} before its start time and recovered waits for it, scheduled, its lifetime from it`, async () => {
    const h = await harness({ start: START, scenario: "always_no_answer" });
    try {
      const startAt = START + 4 * HOUR;
      const id = await h.campaign(
        { maxConcurrent: 1, maxAttemptsPerContact: 1, startAt, lifetimeSec: 3600 },
        [{ phones: ["+12025551000"] }, { phones: ["+12025551001"] }],
      );
      assert.equal(await h.engine.start(h.accountId, id), "scheduled");
      await h.engine[how](h.accountId, id);
      assert.deepEqual(await h.engine.recover(h.accountId, id), { status: "scheduled", recovered: 2 });
      const row = await h.store.db
        .selectFrom("campaigns")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [row.status, Number(row.started_at), Number(row.halt_at)],
        ["scheduled", startAt, startAt + HOUR],
      );
      await h.clock.run({ until: startAt + 2 * HOUR });
      const starts = (await h.attempts(id)).map((a) => a.started_at);
      assert.equal(starts.length, 2);
      for (const t of starts)
        assert.ok(t >= startAt, `a call at ${new Date(t).toISOString()}, before the start time`);
    } finally {
      await h.close();
    }
  });
}

test("a paused campaign is halted at its end time; neither a start, a resume nor a recover brings it back", async () => {
  const h = await harness({ start: START, scenario: "always_no_answer" });
  try {
    const endAt = START + HOUR;
    const id = await h.campaign(
      { maxConcurrent: 1, callsPerSecond: 0.001, maxAttemptsPerContact: 1, endAt },
      [{ phones: ["+12025551000"] }, { phones: ["+12025551001"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 60_000 });
    await h.engine.pause(h.accountId, id);
    await h.clock.run({ until: endAt + HOUR });
    const row = await h.store.db
      .selectFrom("campaigns")
      .select(["status", "status_reason", "finished_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    // Halted when its end time came, as a running one is (it sat paused, with a resume refused, before).
    assert.deepEqual(row, {
      status: "halted",
      status_reason: "lifetime or end time reached",
      finished_at: endAt,
    });
    await assert.rejects(h.engine.start(h.accountId, id), /is halted/);
    await assert.rejects(h.engine.resume(h.accountId, id), /is halted/);
    await assert.rejects(h.engine.recover(h.accountId, id), /ended at/);
  } finally {
    await h.close();
  }
});

test("a paused campaign resumed before its end time goes on running", async () => {
  const h = await harness({ start: START, scenario: "always_no_answer" });
  try {
    const id = await h.campaign({ maxConcurrent: 1, endAt: START + HOUR }, [{ phones: ["+12025551000"] }]);
    await h.engine.start(h.accountId, id);
    await h.engine.pause(h.accountId, id);
    assert.equal(await h.engine.resume(h.accountId, id), "running");
  } finally {
    await h.close();
  }
});

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

test("of two starts of a draft with a start time ahead, one is refused and one status event goes out", async () => {
  const hook = await f.call({
    method: "POST",
    url: "/v1/webhooks",
    payload: { url: "https://hooks.example/s", events: ["campaign.status_changed"] },
  });
  assert.equal(hook.statusCode, 201, hook.body);
  const { id, listId } = await createCampaignViaApi(f, {
    name: "later",
    settings: { startAt: f.clock.now() + HOUR },
  });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}]);
  const answers = await Promise.all([
    f.call({ method: "POST", url: `/v1/campaigns/${id}/start` }),
    f.call({ method: "POST", url: `/v1/campaigns/${id}/start` }),
  ]);
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 409]);
  const refused = answers.find((a) => a.statusCode === 409);
  assert.equal(refused?.json().error.code, "invalid_state");
  assert.match(refused?.json().error.message, /already scheduled to start at/);
  const events = await f.store.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("event_type", "=", "campaign.status_changed")
    .where("order_key", "=", `campaign:${id}`)
    .execute();
  assert.deepEqual(
    events.map((e) => JSON.parse(e.payload).data.to),
    ["scheduled"],
  );
});

// A campaign paused before its start time has not begun: its lifetime waits for the resume, but its end
// time does not, and no resume gets past it. It was left paused for good, every resume refused as ended
// (review38); it is halted at its end time as any other paused campaign.
test("a campaign paused before its start time is halted at its end time, not left paused for good", async () => {
  const h = await harness({ start: START, scenario: "always_no_answer" });
  try {
    const startAt = START + HOUR;
    const endAt = START + 2 * HOUR;
    const id = await h.campaign({ maxConcurrent: 1, maxAttemptsPerContact: 1, startAt, endAt }, [
      { phones: ["+12025551000"] },
    ]);
    assert.equal(await h.engine.start(h.accountId, id), "scheduled");
    await h.engine.pause(h.accountId, id);
    await h.clock.run({ until: endAt - 60_000 });
    const status = async () =>
      (
        await h.store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).status;
    assert.equal(await status(), "paused", "halted before its end time");
    await h.clock.run({ until: endAt + HOUR });
    assert.equal(await status(), "halted");
    await assert.rejects(h.engine.resume(h.accountId, id), /is halted/);
  } finally {
    await h.close();
  }
});
