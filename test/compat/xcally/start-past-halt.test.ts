// A queue whose start time was moved past the lifetime counted from its first start cannot be started: an
// Xcally PUT {…, dialActive: true} on it is refused whole (409), its edit not written, in the face's terms.
// The face's check before writing (Engine.requireStartable) missed that case, so the edit stood under a 409.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";

const HOUR = 3_600_000;
const QUEUE = {
  type: "outbound",
  name: "Spring",
  dialGlobalInterval: "00:00-24:00,*,*,*",
  dialBusyMaxRetry: 2,
  dialOriginateTimeout: 30,
};

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

const row = (id: number) =>
  f.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

test("a queue whose start time was moved past its lifetime: PUT edit + dialActive true is refused whole", async () => {
  const t0 = f.clock.now();
  const created = await f.call({ method: "POST", url: "/api/voice/queues", payload: QUEUE });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as number;
  const patch1 = await f.call({
    method: "PATCH",
    url: `/v1/campaigns/${id}`,
    payload: { settings: { lifetimeSec: 3600 } },
  });
  assert.equal(patch1.statusCode, 200, patch1.body);
  const st = (await row(id)).status;
  if (st === "draft") {
    const s = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
    assert.equal(s.statusCode, 200, s.body);
  }
  const stop = await f.call({ method: "POST", url: `/v1/campaigns/${id}/stop` });
  assert.equal(stop.statusCode, 200, stop.body);
  assert.notEqual((await row(id)).started_at, null, "it began: its start is kept");
  const patch2 = await f.call({
    method: "PATCH",
    url: `/v1/campaigns/${id}`,
    payload: { settings: { startAt: t0 + 3 * HOUR } },
  });
  assert.equal(patch2.statusCode, 200, patch2.body);

  // A start at t0+3h, a halt at t0+1h.
  const before = await row(id);
  const res = await f.call({
    method: "PUT",
    url: `/api/voice/queues/${id}`,
    payload: { name: "Renamed", dialOriginateTimeout: 45, dialActive: true },
  });
  const after = await row(id);
  assert.equal(res.statusCode, 409, res.body);
  assert.equal(after.name, before.name, `refused (${res.statusCode}), yet the edit was written: ${res.body}`);
  assert.equal(after.settings, before.settings, "refused, yet the settings were written");
});

test("the refusal of a start past its halt time speaks the face's terms (no startAt/endAt/lifetimeSec/recover)", async () => {
  const t0 = f.clock.now();
  const created = await f.call({
    method: "POST",
    url: "/api/voice/queues",
    payload: { ...QUEUE, name: "Two" },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as number;
  await f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings: { lifetimeSec: 3600 } } });
  if ((await row(id)).status === "draft") await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
  assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/stop` })).statusCode, 200);
  const patch = await f.call({
    method: "PATCH",
    url: `/v1/campaigns/${id}`,
    payload: { settings: { startAt: t0 + 3 * HOUR } },
  });
  assert.equal(patch.statusCode, 200, patch.body);
  const res = await f.call({ method: "PUT", url: `/api/voice/queues/${id}`, payload: { dialActive: true } });
  assert.equal(res.statusCode, 409, res.body);
  const message = res.json().error.message as string;
  assert.match(message, new RegExp(`\\bqueue ${id}\\b`), message);
  assert.doesNotMatch(message, /startAt|endAt|lifetimeSec|recover/, message);
});
