// Twin24 task lifecycle after the engine's start and end-time rules: a task stopped before its start time
// never began, so a later /start is its first and counts its lifetime (it counted from the start time that
// had passed, or from a manual edit, and was refused as ended); and the engine's refusals reach the client
// in the face's terms (the task's id, Twin24 statuses, advice about its lifetime), not the native ones.
import assert from "node:assert/strict";
import { test } from "node:test";
import { manualTask, seedBody, withFixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

test("a task stopped while READY, made manual and /started later counts its lifetime from the /start", () =>
  withFixture("all_human", async (f) => {
    // READY for tomorrow 10:00 Moscow, lifetime 1 h; stopped before it ever dialed
    const uuid = await f.createTask({
      ...seedBody(),
      webhookUrls: [],
      startMoment: "2026-01-06 10:00",
      lifetime: 3600,
    });
    assert.equal((await f.task(uuid)).status, "READY");
    assert.equal((await f.command(uuid, "stop")).statusCode, 200);
    // the client makes it a manual task (waits for /start)
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: { ...seedBody(), webhookUrls: [], startType: "manual", startMoment: "", lifetime: 3600 },
    });
    assert.equal(put.statusCode, 200, put.body);
    await f.addCandidates(uuid, [{ phone: "+79161234501" }]);
    await f.run(2 * 3_600_000); // two hours later it is started by hand
    const start = await f.command(uuid, "start");
    // Never dialed, manual: lifetime should count from this start. Actual: 409 "ended at <edit time + 1h>".
    assert.equal(start.statusCode, 200, start.body);
    assert.equal(start.json().status, "PROCESS");
  }));

test("engine refusals on the lifecycle routes speak the face's terms (task id, Twin24 statuses/fields)", () =>
  withFixture("all_human", async (f) => {
    const uuid = await f.createTask({ ...seedBody(), webhookUrls: [], startMoment: "2026-01-06 10:00" });
    const again = await f.command(uuid, "start");
    assert.equal(again.statusCode, 409);
    const msg = again.json().error.message as string;
    // Actual: "campaign 1 is already scheduled to start at …" — an id and a status the Twin24 client never saw
    // (DELETE on the same task says "task <uuid> is READY").
    assert.match(msg, new RegExp(uuid));
    assert.doesNotMatch(msg, /\bscheduled\b/);
  }));

test("a /start past the lifetime is refused with advice the Twin24 face cannot follow", () =>
  withFixture("all_human", async (f) => {
    const uuid = await f.createTask({
      ...seedBody(),
      webhookUrls: [],
      startType: "manual",
      startMoment: "",
      lifetime: 3600,
    });
    await f.addCandidates(uuid, [{ phone: "+79161234501" }]);
    assert.equal((await f.command(uuid, "start")).statusCode, 200);
    assert.equal((await f.command(uuid, "stop")).statusCode, 200);
    await f.run(2 * 3_600_000);
    const start = await f.command(uuid, "start");
    assert.equal(start.statusCode, 409);
    // Actual: "…change its endAt or lifetimeSec first, or recover it…": no such field or route in this face.
    assert.doesNotMatch(start.json().error.message, /lifetimeSec|endAt|recover/);
  }));

// A PUT with startType = time starts a BLANK task: the engine's refusal of that start is the edit's answer,
// named as /start names it (twin24-13: it spoke of "campaign 1", lifetimeSec and recover).
test("a PUT refused for the balance names the task, as /start does, not a campaign id", () =>
  withFixture("all_human", async (f) => {
    const uuid = await f.createTask(manualTask({ name: "b" }));
    const { campaignId } = await f.task(uuid);
    await f.call({ method: "POST", url: "/v1/balance/top-up", payload: { amountUsd: 0.5 } });
    const start = await f.command(uuid, "start");
    assert.equal(start.statusCode, 409);
    assert.match(start.json().error.message, new RegExp(uuid), "the lifecycle route names the task");
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: manualTask({ startType: "time", startMoment: "2023-06-02 10:00" }),
    });
    assert.equal(put.statusCode, 409, put.body);
    const msg = put.json().error.message as string;
    assert.doesNotMatch(msg, new RegExp(`campaign ${campaignId}\\b`));
    assert.match(msg, new RegExp(uuid));
  }));

test("a PUT refused as past the task's end gives no advice the face cannot follow (lifetimeSec, recover)", () =>
  withFixture("all_human", async (f) => {
    const uuid = await f.createTask(manualTask({ name: "kept" }));
    const { campaignId } = await f.task(uuid);
    const endAt = f.clock.now() + 3_600_000;
    const patch = await f.call({
      method: "PATCH",
      url: `/v1/campaigns/${campaignId}`,
      payload: { settings: { endAt } },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    await f.clock.advance(2 * 3_600_000);
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: manualTask({ startType: "time", startMoment: "2026-01-05 15:30" }),
    });
    assert.equal(put.statusCode, 409, put.body);
    const msg = put.json().error.message as string;
    assert.doesNotMatch(msg, /lifetimeSec|recover|campaign \d/);
    assert.match(msg, new RegExp(uuid));
  }));
