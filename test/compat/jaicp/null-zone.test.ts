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
  console.log(res.statusCode, res.body);
});
