// A contact added through the Xcally Motion face gets the zone its number decides, as through the native
// JSON add, a CSV import or JAICP (it got none: per-day caps and callbacks then read it in UTC).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";

let f: ApiFixture;
let auth: string;
before(async () => {
  f = await apiFixture();
  const user = await f.call({
    method: "POST",
    url: "/v1/users",
    payload: { username: "xadmin", password: "correct horse battery", role: "admin" },
  });
  assert.equal(user.statusCode, 201, user.body);
  auth = `Basic ${Buffer.from("xadmin:correct horse battery").toString("base64")}`;
});
after(() => f.close());

const x = (method: string, url: string, payload?: unknown) =>
  f.call({
    method: method as "GET",
    url,
    key: null,
    headers: { authorization: auth },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

test("Xcally: a +1 212 contact copied into a queue gets America/New_York like every other face", async () => {
  // native JSON add of the same number, for comparison
  const campaign = (
    await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "native" } })
  ).json().id;
  const list = await f.call({
    method: "POST",
    url: `/v1/campaigns/${campaign}/lists`,
    payload: { name: "l" },
  });
  assert.ok(list.statusCode < 300, list.body);
  const added = await f.call({
    method: "POST",
    url: `/v1/campaigns/${campaign}/lists/${list.json().id}/contacts`,
    payload: { contacts: [{ phone: "+12125550123" }] },
  });
  assert.ok(added.statusCode < 300, added.body);
  const native = await f.store.db
    .selectFrom("contacts")
    .select("time_zone")
    .where("campaign_id", "=", campaign)
    .executeTakeFirstOrThrow();
  assert.equal(native.time_zone, "America/New_York");

  // the README's own Xcally example
  const xl = await x("POST", "/api/cm/lists", { name: "TestList" });
  assert.ok(xl.statusCode < 300, xl.body);
  const L = xl.json().id;
  const c = await x("POST", `/api/cm/lists/${L}/contacts`, [
    { ListId: L, firstName: "Ann", phone: "+12125550123" },
  ]);
  assert.ok(c.statusCode < 300, c.body);
  const q = await x("POST", "/api/voice/queues", {
    name: "TestCampaign",
    type: "outbound",
    dialActive: false,
    dialGlobalInterval: "09:00-18:00,mon-fri,*,*",
  });
  assert.ok(q.statusCode < 300, q.body);
  const link = await x("POST", `/api/voice/queues/${q.json().id}/lists`, { ids: [L] });
  assert.ok(link.statusCode < 300, link.body);
  const rows = await f.store.db
    .selectFrom("contacts")
    .select(["campaign_id", "phone", "time_zone"])
    .where("campaign_id", "!=", campaign)
    .execute();
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.equal(rows[0].phone, "+12125550123");
  assert.equal(rows[0].time_zone, "America/New_York", "zone inferred from the number, as CSV/JSON/JAICP do");
});
