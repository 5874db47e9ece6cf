// JAICP's Java and Kotlin clients write unset optional CallJobParameters as null (and unset collections as
// empty): each is taken as absent, not a 400 for the batch nor a policy that sends the job ahead. GET
// addPhone's errors name its query parameters as the client wrote them ("phone", not "querystring.phone").
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";

let f: ApiFixture;
let token: string;
before(async () => {
  f = await apiFixture();
  const id = (await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "bot" } })).json().id;
  token = (await f.call({ method: "POST", url: `/v1/campaigns/${id}/tokens`, payload: { name: "j" } })).json()
    .token;
});
after(() => f.close());
const get = (q: string) =>
  f.call({ method: "GET", url: `/api/calls/campaign/${token}/addPhone?${q}`, key: null });
const post = (body: unknown) =>
  f.call({
    method: "POST",
    url: `/api/calls/campaign/${token}/addPhones`,
    key: null,
    payload: body as object,
  });

test("a Jackson/Gson-style CallJob with every unset optional field written as null is taken, as gmtZone: null is", async () => {
  // The face already reads gmtZone: null as absent because "Java and Kotlin clients write unset optional
  // fields so" — such a client writes the other optional CallJobParameters the same way.
  const job = {
    phone: 79110000000,
    gmtZone: null,
    payload: { name: "Alex" },
    startDateTime: null,
    finishDateTime: null,
    allowedDays: null,
    allowedTime: null,
    retryIntervalInMinutes: null,
    maxAttempts: null,
    dialerPriority: null,
  };
  const res = await post([job]);
  assert.equal(res.statusCode, 200, res.body);
  const row = await f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", res.json()[0])
    .executeTakeFirstOrThrow();
  assert.equal(row.priority, 0, "no policy given: ordinary priority");
  assert.equal(row.policy, null);
});

test("payload: null (no payload) is taken; empty allowedDays and allowedTime are no policy", async () => {
  const res = await post([{ phone: 79110000000, payload: null, allowedDays: [], allowedTime: {} }]);
  assert.equal(res.statusCode, 200, res.body);
  const row = await f.store.db
    .selectFrom("contacts")
    .selectAll()
    .where("id", "=", res.json()[0])
    .executeTakeFirstOrThrow();
  assert.equal(row.policy, null);
  assert.equal(row.priority, 0);
});

test("GET addPhone errors name the field as the client wrote it (phone), like gmtZone's do", async () => {
  const missing = await get("gmtZone=Z");
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().error.field, "phone", missing.body);
  const twice = await get("phone=79110000000&phone=79110000001");
  assert.equal(twice.statusCode, 400);
  assert.equal(twice.json().error.field, "phone", twice.body);
});
