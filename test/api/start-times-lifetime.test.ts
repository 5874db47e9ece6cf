// A campaign's lifetime counts from its first start, and a campaign that never dialed has not begun. Two
// starts got this wrong: one paused before its start time and stopped after it (never dialed) was refused
// as ended at its next start; one whose start time was moved past the lifetime of an earlier run was
// scheduled, sat scheduled past its halt time, then went running and halted in one pass with no call.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

const HOUR = 3_600_000;
let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

const post = (id: number, cmd: string) => f.call({ method: "POST", url: `/v1/campaigns/${id}/${cmd}` });
const campaignRow = (id: number) =>
  f.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

test("paused before its start time and stopped after it, never having dialed: a start counts the lifetime from then", async () => {
  const t0 = f.clock.now();
  const { id, listId } = await createCampaignViaApi(f, {
    name: "paused-then-stopped",
    settings: { startAt: t0 + HOUR, lifetimeSec: 2 * 3600, calleeWindow: { from: "00:00", to: "24:00" } },
  });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}, {}]);
  assert.equal((await post(id, "start")).json().status, "scheduled");
  assert.equal((await post(id, "pause")).json().status, "paused");
  await f.clock.run({ until: t0 + 2 * HOUR });
  const attempts = await f.store.db
    .selectFrom("attempts")
    .select("id")
    .where("campaign_id", "=", id)
    .execute();
  assert.equal(attempts.length, 0, "nothing was dialed");
  assert.equal((await post(id, "stop")).json().status, "stopped");
  assert.equal(
    (await campaignRow(id)).started_at,
    null,
    "a stop of a campaign that never began keeps no start",
  );

  await f.clock.run({ until: t0 + 3.5 * HOUR });
  const start = await post(id, "start");
  assert.equal(start.statusCode, 200, `start refused: ${start.body}`);
  const row = await campaignRow(id);
  assert.equal(row.status, "running");
  assert.equal(row.halt_at, f.clock.now() + 2 * HOUR, "the lifetime counts from this start");
});

test("a start time moved past the lifetime counted from the first start: the start is a 409 naming both times", async () => {
  const t0 = f.clock.now();
  const { id, listId } = await createCampaignViaApi(f, {
    name: "kept-lifetime",
    settings: { lifetimeSec: 3600, calleeWindow: { from: "00:00", to: "24:00" } },
  });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
    { next_attempt_at: t0 + 100 * HOUR },
  ]);
  assert.equal((await post(id, "start")).json().status, "running");
  await f.clock.run({ until: t0 + 10 * 60_000 });
  assert.equal((await post(id, "stop")).json().status, "stopped");
  const patch = await f.call({
    method: "PATCH",
    url: `/v1/campaigns/${id}`,
    payload: { settings: { startAt: t0 + 3 * HOUR } },
  });
  assert.equal(patch.statusCode, 200, patch.body);
  const start = await post(id, "start");
  assert.equal(start.statusCode, 409, start.body);
  assert.equal(start.json().error.code, "invalid_state");
  assert.match(start.json().error.message, /would end at .* before its start time/);
  assert.equal((await campaignRow(id)).status, "stopped", "nothing written");
  // Recovered, its lifetime counts again: scheduled for its start time, halting a lifetime after it.
  const recover = await post(id, "recover");
  assert.equal(recover.statusCode, 200, recover.body);
  const row = await campaignRow(id);
  assert.equal(row.status, "scheduled");
  assert.equal(row.halt_at, t0 + 4 * HOUR);
});
