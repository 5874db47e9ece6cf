// Values loadConfig took that could not mean what the operator wrote, now refused naming the variable:
// an OUTDIAL_SIM_SEED outside 0…4294967295 (the sim driver's hash folds it to 32 bits, so -1 replayed
// seed 0 call for call; `simulate --seed` already took that range only), a webhook backoff whose first
// retry is later than its ceiling (run as retries every ceiling), and an OUTDIAL_SIM_SCENARIO the sim
// driver cannot read (it failed the start after the database was migrated, naming no variable).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.ts";

test("OUTDIAL_SIM_SEED takes 0…4294967295, as simulate --seed does", () => {
  for (const value of ["-1", "4294967296", "9007199254740991"])
    assert.throws(
      () => loadConfig({ OUTDIAL_SIM_SEED: value }),
      /invalid configuration: OUTDIAL_SIM_SEED must be between 0 and 4294967295/,
      value,
    );
  assert.equal(loadConfig({ OUTDIAL_SIM_SEED: "0" }).simSeed, 0);
  assert.equal(loadConfig({ OUTDIAL_SIM_SEED: "4294967295" }).simSeed, 4_294_967_295);
});

test("a webhook backoff whose first retry is later than its ceiling is refused naming both", () => {
  assert.throws(
    () => loadConfig({ OUTDIAL_WEBHOOK_BACKOFF_BASE_MS: "600000", OUTDIAL_WEBHOOK_BACKOFF_MAX_MS: "60000" }),
    /OUTDIAL_WEBHOOK_BACKOFF_BASE_MS \(600000\) must not be above OUTDIAL_WEBHOOK_BACKOFF_MAX_MS \(60000\)/,
  );
  // The default first retry (10 s) against a ceiling set alone below it.
  assert.throws(() => loadConfig({ OUTDIAL_WEBHOOK_BACKOFF_MAX_MS: "5000" }), /\(10000\) must not be above/);
  const equal = loadConfig({
    OUTDIAL_WEBHOOK_BACKOFF_BASE_MS: "60000",
    OUTDIAL_WEBHOOK_BACKOFF_MAX_MS: "60000",
  });
  assert.deepEqual([equal.webhookBackoffBaseMs, equal.webhookBackoffMaxMs], [60_000, 60_000]);
});

test("an OUTDIAL_SIM_SCENARIO the sim driver cannot read is refused naming the variable", () => {
  const cases: [string, RegExp][] = [
    ["demmo", /OUTDIAL_SIM_SCENARIO is not a sim scenario: unknown name "demmo" \(known: default, demo/],
    ["{oops", /OUTDIAL_SIM_SCENARIO is not a sim scenario: not valid JSON/],
    ['{"outcomes":{"maybe":1}}', /OUTDIAL_SIM_SCENARIO is not a sim scenario: scenario\.outcomes\.maybe/],
  ];
  for (const [value, message] of cases)
    assert.throws(() => loadConfig({ OUTDIAL_SIM_SCENARIO: value }), message, value);
  assert.equal(loadConfig({ OUTDIAL_SIM_SCENARIO: "demo" }).simScenario, "demo");
});
