// GET addPhone takes a payload parameter given several times (?tag=a&tag=b) as a list of at most 100 values
// of at most 4,000 characters each; phone and gmtZone are given once. Each refusal names the parameter and
// the limit it crossed or what to do: the schema alone (one string, or a list) could only say its first
// branch's "tag must be a string" of a list over a limit, which tells the client the opposite of what is
// allowed, and "phone must be a string" of a repeated phone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();
const repeated = (name: string, values: string[]) => values.map((v) => `${name}=${v}`).join("&");
const refusal = async (query: string) => {
  const res = await face.addPhone(query);
  assert.equal(res.statusCode, 400, res.body);
  return res.json().error as { code: string; message: string; field: string };
};

test("a payload list of 101 values is refused naming the limit of 100; 100 are taken", async () => {
  const over = await refusal(`phone=79110000000&${repeated("tag", Array(101).fill("a"))}`);
  assert.equal(over.field, "tag");
  assert.doesNotMatch(over.message, /must be a string/);
  assert.match(over.message, /given 101 times; .* at most 100 values/);
  const full = await face.addPhone(`phone=79110000000&${repeated("tag", Array(100).fill("a"))}`);
  assert.equal(full.statusCode, 200, full.body);
});

test("a payload list with a value over 4,000 characters is refused naming that limit", async () => {
  const over = await refusal(`phone=79110000000&${repeated("tag", ["a", "x".repeat(4001)])}`);
  assert.equal(over.field, "tag");
  assert.doesNotMatch(over.message, /must be a string/);
  assert.match(over.message, /at most 4000 characters a value \(4001 given\)/);
  const single = await refusal(`phone=79110000000&tag=${"x".repeat(4001)}`);
  assert.equal(single.message, over.message, "one value or a list, the same words");
  const full = await face.addPhone(`phone=79110000000&${repeated("tag", ["a", "x".repeat(4000)])}`);
  assert.equal(full.statusCode, 200, full.body);
});

test("phone given twice is refused saying to give one number, gmtZone twice to give one zone", async () => {
  const phone = await refusal("phone=79110000000&phone=79110000001");
  assert.equal(phone.field, "phone");
  assert.equal(phone.message, "phone: give one number");
  const zone = await refusal("phone=79110000000&gmtZone=Z&gmtZone=%2B03");
  assert.equal(zone.field, "gmtZone");
  assert.equal(zone.message, "gmtZone: give one zone");
});
