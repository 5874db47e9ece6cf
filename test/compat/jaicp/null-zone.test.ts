// JAICP addPhones with "gmtZone": null (how Jackson/Gson-style clients write an unset optional field) is an
// absent zone, inferred from the number; it was a 400 for the whole batch.
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

test("gmtZone: null is an absent zone (inferred from the number), not a 400 for the whole batch", async () => {
  const res = await f.call({
    method: "POST",
    url: `/api/calls/campaign/${token}/addPhones`,
    key: null,
    payload: [{ phone: 12125550123, gmtZone: null, payload: { name: "Ann" } }] as unknown as object,
  });
  assert.equal(res.statusCode, 200, res.body);
});

test("GET addPhone with an empty gmtZone= (a blank form field)", async () => {
  const res = await f.call({
    method: "GET",
    url: `/api/calls/campaign/${token}/addPhone?phone=12125550123&gmtZone=`,
    key: null,
  });
  // A blank form field is no zone given: inferred from the number (New York), not a 400.
  assert.equal(res.statusCode, 200, res.body);
  const row = await f.store.db
    .selectFrom("contacts")
    .select("time_zone")
    .where("phone", "=", "+12125550123")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  assert.equal(row.time_zone, "America/New_York");
});
