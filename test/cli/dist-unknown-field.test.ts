// A time distribution with a field its kind does not take ("mx" for "max", "maxx") is refused, naming the
// field, wherever a distribution is written: a campaign file's agents and scenario, OUTDIAL_SIM_SCENARIO,
// and a campaign's inline sim scenario through the API (a 400 blaming settings.scenario). Such a typo used
// to be dropped without a word, and the distribution ran unclipped (agents talking for hours).
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCampaignFile } from "../../src/cli/campaign-file.ts";
import { loadConfig } from "../../src/config/config.ts";
import { apiFixture, errorOf } from "../api/helpers.ts";

const LOGNORMAL_TYPO = { kind: "lognormal", median: 120, sigma: 0.6, min: 10, mx: 600 };
const UNIFORM_TYPO = { kind: "uniform", min: 5, max: 30, maxx: 20 };

test("a campaign file's distribution with an unknown field is refused, naming it and what the kind takes", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { agents: { count: 2, talkSec: LOGNORMAL_TYPO } },
      /c\.json: agents\.talkSec\.mx: unknown field of a lognormal distribution \(it takes kind, median, sigma, min, max\)/,
    ],
    [
      { agents: { count: 2, wrapSec: { kind: "fixed", value: 5, min: 1 } } },
      /agents\.wrapSec\.min: unknown field/,
    ],
    [{ scenario: { talkSec: UNIFORM_TYPO } }, /c\.json: scenario\.talkSec\.maxx: unknown field of a uniform/],
    [{ scenario: { ringSec: { kind: "exponential", mean: 9, median: 9 } } }, /scenario\.ringSec\.median/],
  ];
  for (const [file, message] of cases)
    assert.throws(() => parseCampaignFile(JSON.stringify(file), "c.json"), message, JSON.stringify(file));
  const good = {
    agents: { count: 2, talkSec: { kind: "lognormal", median: 120, sigma: 0.6, min: 10, max: 600 } },
  };
  assert.equal(parseCampaignFile(JSON.stringify(good), "c.json").agents?.count, 2);
});

test("OUTDIAL_SIM_SCENARIO with a distribution typo is refused naming the variable and the field", () => {
  assert.throws(
    () => loadConfig({ OUTDIAL_SIM_SCENARIO: JSON.stringify({ talkSec: LOGNORMAL_TYPO }) }),
    /invalid configuration: OUTDIAL_SIM_SCENARIO is not a sim scenario: scenario\.talkSec\.mx: unknown field/,
  );
});

test("the API answers a campaign's inline scenario with a distribution typo 400, blaming settings.scenario", async (t) => {
  const f = await apiFixture();
  t.after(() => f.close());
  const res = await f.call({
    method: "POST",
    url: "/v1/campaigns",
    payload: { name: "typo", settings: { scenario: JSON.stringify({ talkSec: UNIFORM_TYPO }) } },
  });
  assert.equal(res.statusCode, 400, res.body);
  const error = errorOf(res);
  assert.equal(error.field, "body.settings.scenario");
  assert.match(error.message, /talkSec\.maxx: unknown field of a uniform distribution/);
});
