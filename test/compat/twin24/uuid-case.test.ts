// RFC 4122 §3: a uuid's hex digits "are case insensitive on input". Twin24 (Java's UUID.fromString) takes
// an id in capitals, and a client that keeps ids in a column that upper-cases them (SQL Server's
// uniqueidentifier, many .NET and Delphi clients) sends them back so. The face compared the text exactly:
// its own task, schedule and caller-id ids were 404s, and scheduleId / cidData 400s. Ids are answered, and
// kept with the task, lower-case as stored.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TELEPHONY = "/cis/api/v1/telephony";
const TASKS = `${TELEPHONY}/autoCall`;

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

async function created(url: string, payload: Record<string, unknown>): Promise<string> {
  const res = await f.call({ method: "POST", url, payload });
  assert.equal(res.statusCode, 200, res.body);
  const id = (res.json() as { id: { identity: string } }).id.identity;
  assert.equal(id, id.toLowerCase());
  return id;
}

const SCHEDULE = {
  name: "s",
  timezone: "Europe/Moscow",
  ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }],
};

describe("an id in capitals", () => {
  test("names the same task on every task route, answered lower-case", async () => {
    const uuid = await f.createTask(manualTask());
    const upper = uuid.toUpperCase();
    const get = await f.call({ method: "GET", url: `${TASKS}/${upper}` });
    assert.equal(get.statusCode, 200, get.body);
    assert.equal((get.json() as { id: { identity: string } }).id.identity, uuid);
    const add = await f.call({
      method: "POST",
      url: `${TASKS}/${upper}/candidates`,
      payload: { batch: [{ phone: "+79161234567" }] },
    });
    assert.equal(add.statusCode, 200, add.body);
    assert.equal((add.json() as { added: number }).added, 1);
    const results = await f.call({ method: "GET", url: `${TASKS}/${upper}/candidates` });
    assert.equal((results.json() as { data: unknown[] }).data.length, 1, results.body);
    const edit = await f.call({
      method: "PUT",
      url: `${TASKS}/${upper}`,
      payload: manualTask({ name: "renamed" }),
    });
    assert.equal(edit.statusCode, 200, edit.body);
    assert.equal((edit.json() as { name: string }).name, "renamed");
    for (const command of ["start", "stop"] as const) {
      const res = await f.call({ method: "POST", url: `${TASKS}/${upper}/${command}` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { id: { identity: string } }).id.identity, uuid);
    }
    await f.run(60_000);
    const del = await f.call({ method: "DELETE", url: `${TASKS}/${upper}` });
    assert.equal(del.statusCode, 204, del.body);
    assert.equal((await f.call({ method: "GET", url: `${TASKS}/${uuid}` })).statusCode, 404);
  });

  test("names the same schedule, gornum and pool, read and referred to by a task", async () => {
    const schedule = await created(`${TELEPHONY}/schedule`, SCHEDULE);
    const pool = await created(`${TELEPHONY}/pool`, { name: "p", numbers: ["+74950000001", "+74950000002"] });
    const gornum = await created(`${TELEPHONY}/gornum`, { numbers: ["+74950000003"] });
    for (const [path, id] of [
      ["schedule", schedule],
      ["pool", pool],
      ["gornum", gornum],
    ]) {
      const read = await f.call({ method: "GET", url: `${TELEPHONY}/${path}/${id.toUpperCase()}` });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal((read.json() as { id: { identity: string } }).id.identity, id);
    }
    for (const [cidType, cidData] of [
      ["pool", pool],
      ["gornum", gornum],
    ]) {
      const res = await f.call({
        method: "POST",
        url: TASKS,
        payload: manualTask({ scheduleId: schedule.toUpperCase(), cidType, cidData: cidData.toUpperCase() }),
      });
      assert.equal(res.statusCode, 200, res.body);
      // Kept with the task as stored, as the native API shows it.
      const { campaignId } = await f.task((res.json() as { id: { identity: string } }).id.identity);
      const campaign = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}` });
      const vendor = (campaign.json() as { settings: { vendor: { twin24: Record<string, unknown> } } })
        .settings.vendor.twin24;
      assert.deepEqual([vendor.scheduleId, vendor.cidData], [schedule, cidData], campaign.body);
    }
  });

  test("still names nothing else: another id is a 404, another scheduleId a 400", async () => {
    const missing = "0D6F1C2E-0000-4000-8000-000000000000";
    const res = await f.call({ method: "GET", url: `${TASKS}/${missing}` });
    assert.equal(res.statusCode, 404, res.body);
    const bad = await f.call({ method: "POST", url: TASKS, payload: manualTask({ scheduleId: missing }) });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal((bad.json() as { error: { field: string } }).error.field, "scheduleId");
  });
});
