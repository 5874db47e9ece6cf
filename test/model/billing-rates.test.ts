// The charge of an answered call: per started minute, at the rate of the longest destination prefix of the
// digits dialed, whatever the punctuation of a number dialed as written (phone_policy=flag).
import assert from "node:assert/strict";
import { test } from "node:test";
import { callCharge, sortRates } from "../../src/model/billing.ts";

const table = {
  defaultMicrosPerMinute: 100_000,
  prefixes: sortRates([
    { prefix: "1", microsPerMinute: 50_000 },
    { prefix: "1212", microsPerMinute: 10_000 },
  ]),
};

test("the longest prefix of the number's digits sets the rate; none matching: the default", () => {
  assert.equal(callCharge(table, "+12120550100", true, 30), 10_000);
  assert.equal(callCharge(table, "+13125550100", true, 61), 2 * 50_000);
  assert.equal(callCharge(table, "+442079460000", true, 1), 100_000);
  assert.equal(callCharge(table, "+12120550100", false, 600), 0, "unanswered: free");
});

test("a number dialed as written is billed at its destination prefix's rate", () => {
  assert.equal(callCharge(table, "+1 212 055 0100", true, 30), 10_000);
  assert.equal(callCharge(table, "+1 (212) 055-0100", true, 30), 10_000);
  assert.equal(callCharge(table, "001 212 055 0100", true, 30), 10_000, "00: international too");
});

test("a number as written without '+' or '00' names no country: the default rate", () => {
  const withRussia = { ...table, prefixes: sortRates([{ prefix: "7", microsPerMinute: 5_000 }]) };
  // "1…" here would be read as the US's prefix; "8 …" is a Russian national number, not +8….
  assert.equal(callCharge(withRussia, "8 (495) 123-45-67", true, 30), 100_000);
  assert.equal(callCharge(table, "1 212 055 0100", true, 30), 100_000);
});
