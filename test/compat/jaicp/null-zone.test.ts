// JAICP addPhones with "gmtZone": null (how Jackson/Gson-style clients write an unset optional field) is an
// absent zone, inferred from the number; it was a 400 for the whole batch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();

test("gmtZone: null is an absent zone (inferred from the number), not a 400 for the whole batch", async () => {
  const res = await face.addPhones([{ phone: 12125550123, gmtZone: null, payload: { name: "Ann" } }]);
  assert.equal(res.statusCode, 200, res.body);
});

test("GET addPhone with an empty gmtZone= (a blank form field)", async () => {
  const res = await face.addPhone("phone=12125550123&gmtZone=");
  // A blank form field is no zone given: inferred from the number (New York), not a 400.
  assert.equal(res.statusCode, 200, res.body);
  const row = await face.f.store.db
    .selectFrom("contacts")
    .select("time_zone")
    .where("phone", "=", "+12125550123")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  assert.equal(row.time_zone, "America/New_York");
});
