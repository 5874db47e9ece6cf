// Robot scenarios: the script filled in with the contact's data, and results drawn by weight.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pickResult, renderSay } from "../../src/model/robot-scenario.ts";

test("renderSay fills in the contact's fields and leaves missing ones empty", () => {
  assert.equal(renderSay("Hello {{name}}, {{ city }}!", { name: "Alex", city: "Omsk" }), "Hello Alex, Omsk!");
  assert.equal(renderSay("Hi {{name}}{{missing}}.", { name: "Ann", other: null }), "Hi Ann.");
  assert.equal(renderSay("{{n}} {{b}}", { n: 0, b: false }), "0 false");
});

test("renderSay reads only the contact's own fields, never Object.prototype's", () => {
  for (const field of ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"]) {
    assert.equal(renderSay(`[{{${field}}}]`, { name: "Alex" }), "[]", field);
  }
  assert.equal(renderSay("{{constructor}}", { constructor: "own" }), "own");
});

test("pickResult lands on results by weight", () => {
  const results = [
    { name: "yes", weight: 1 },
    { name: "no", weight: 3 },
  ];
  assert.equal(pickResult(results, 0), "yes");
  assert.equal(pickResult(results, 0.24), "yes");
  assert.equal(pickResult(results, 0.25), "no");
  assert.equal(pickResult(results, 0.999), "no");
  assert.equal(pickResult([], 0.5), null);
});
