// A JAICP call job whose phone is written with an extension ("+1 212 555 0123 ext. 5", "x5", ";ext=5") or
// holds two numbers separated by ';' is refused as an invalid phone is: a 400 naming the job's phone, nothing
// of the request written. The face read the phone with normalizePhone, which drops the extension: the job
// was created for the main number and the extension, or the second number ("+79110000000;79110000001"
// reads as +79110000000 extension 79110000001), lost without a word — where the native import refuses both
// (invalid_phone).
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();

const CASES: [string, RegExp][] = [
  ["+1 212 555 0123 ext. 5", /has an extension \(5\)/],
  ["+12125550123 x5", /has an extension \(5\)/],
  ["+12125550123;ext=5", /has an extension \(5\)/],
  ["+79110000000;79110000001", /2 numbers separated by ';'/],
];

test("addPhone: a phone with an extension or a second number is a 400 naming phone", async () => {
  for (const [phone, reason] of CASES) {
    const res = await face.addPhone(`phone=${encodeURIComponent(phone)}`);
    assert.equal(res.statusCode, 400, `${phone}: ${res.body}`);
    assert.equal(res.json().error.field, "phone", phone);
    assert.match(res.json().error.message, reason, phone);
  }
  assert.equal(await face.contactCount(), 0);
});

test("addPhones: the same is a 400 naming the job's phone, nothing of the batch written", async () => {
  for (const [phone, reason] of CASES) {
    const res = await face.addPhones([{ phone: 79110000002 }, { phone }]);
    assert.equal(res.statusCode, 400, `${phone}: ${res.body}`);
    assert.equal(res.json().error.field, "[1].phone", phone);
    assert.match(res.json().error.message, reason, phone);
  }
  assert.equal(await face.contactCount(), 0);
});
