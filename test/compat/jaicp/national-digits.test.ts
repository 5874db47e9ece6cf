// JAICP sends digits without '+'. Digits that are also a national number as written at home (a Moscow
// landline after its trunk 8, a Manhattan number without its 1) are a 400 naming the phone, not a number of
// another country: read as international they were stored as +84… (Vietnam) and +64… (New Zealand).
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace({ name: "national" });

for (const [digits, abroad] of [
  ["84951234567", "+84951234567 (Vietnam), meant 8 495 … Moscow"],
  ["6462345678", "+6462345678 (New Zealand), meant +1 646 … Manhattan"],
] as const) {
  test(`addPhone ${digits}: a 400 naming phone, not stored as ${abroad}`, async () => {
    const res = await face.addPhone(`phone=${digits}`);
    assert.equal(res.statusCode, 400, `answered ${res.statusCode} ${res.body}: stored as ${abroad}`);
    assert.equal(res.json().error.field, "phone");
    assert.match(res.json().error.message, /country code/);
  });
  test(`addPhones ${digits} after a good one: a 400 naming [1].phone, nothing written`, async () => {
    const before = await face.contactCount();
    const res = await face.addPhones([{ phone: 79110000000 }, { phone: Number(digits) }]);
    assert.equal(res.statusCode, 400, `answered ${res.statusCode} ${res.body}: stored as ${abroad}`);
    assert.equal(res.json().error.field, "[1].phone");
    assert.equal(await face.contactCount(), before);
  });
}

test("JAICP's own example (79110000000) and an international US number stay taken", async () => {
  for (const p of ["79110000000", "12125550123"])
    assert.equal((await face.addPhone(`phone=${p}`)).statusCode, 200);
});
