// GET /metrics: only with the operator's token (an account's key is not enough: the figures span every
// account), absent without one configured; the engine's dialing figures as they stand at the scrape, HTTP
// requests by route pattern, and Node's own figures. A short token is refused at start.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ConfigError, describeConfig, loadConfig } from "../../src/config/config.ts";
import {
  type ApiFixture,
  agentCampaign,
  agentShorthands,
  apiFixture,
  createCampaignViaApi,
  insertContacts,
} from "./helpers.ts";

const TOKEN = "metrics-token-0123456789";

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("metrics", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture(undefined, { OUTDIAL_METRICS_TOKEN: TOKEN });
  });
  after(() => f.close());

  const { post } = agentShorthands(() => f);
  const scrape = (authorization?: string) =>
    f.app.inject({ method: "GET", url: "/metrics", headers: authorization ? { authorization } : {} });

  test("the operator's token only", async () => {
    const bare = await scrape();
    assert.equal(bare.statusCode, 401);
    assert.equal(bare.headers["www-authenticate"], 'Bearer realm="outdial-metrics"', "names its one scheme");
    assert.equal((await scrape(`Bearer ${f.key}`)).statusCode, 401, "an account's key is not the token");
    assert.equal((await scrape(`Bearer ${TOKEN}x`)).statusCode, 401);
    assert.equal((await scrape(`bearer ${TOKEN}`)).statusCode, 200, "the scheme's name in any case");
    assert.equal(
      (await scrape(`Bearer  ${TOKEN}`)).statusCode,
      200,
      "one or more spaces after it (reports13)",
    );
    assert.equal((await scrape(`Bearer ${TOKEN.toUpperCase()}x`)).statusCode, 401);
    const ok = await scrape(`Bearer ${TOKEN}`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.match(String(ok.headers["content-type"]), /^text\/plain/);
  });

  test("dialing figures as the engine has them, requests by route pattern, the process's own", async () => {
    const { id, listId } = await createCampaignViaApi(f, {
      name: "metered",
      settings: { scenario: "all_human", maxConcurrent: 3, maxAttemptsPerContact: 1 },
    });
    await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}, {}, {}, {}, {}]);
    assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
    await f.clock.run({ until: f.clock.now() + 2_000 });
    const during = (await scrape(`Bearer ${TOKEN}`)).body;
    const m = f.engine.metrics();
    assert.ok(m.callsInFlight > 0);
    assert.equal(sample(during, "outdial_calls_in_flight"), m.callsInFlight);
    assert.equal(sample(during, "outdial_dials_total"), m.dials);
    assert.equal(sample(during, 'outdial_campaigns{status="running"}'), 1);
    await f.clock.run({ until: f.clock.now() + 3_600_000 });
    await f.engine.dispatcher.flush();
    const later = (await scrape(`Bearer ${TOKEN}`)).body;
    const done = f.engine.metrics();
    assert.ok(done.dials > m.dials);
    assert.equal(sample(later, "outdial_dials_total"), done.dials);
    assert.equal(sample(later, 'outdial_attempts_ended_total{outcome="human"}'), done.ended.human);
    assert.deepEqual(done.campaigns, {}, "the campaign has completed");
    assert.equal(sample(later, 'outdial_campaigns{status="running"}'), 0, "a status seen before reads 0 now");
    const ended = Object.values(done.ended).reduce((a, b) => a + b, 0);
    assert.equal(ended, done.dials - done.callsInFlight, "every ended call counted once");
    await f.call({ method: "GET", url: `/v1/contacts/${id}` });
    await f.call({ method: "GET", url: "/v1/contacts/999999" });
    const text = (await scrape(`Bearer ${TOKEN}`)).body;
    assert.equal(
      sample(text, 'outdial_http_requests_total{method="GET",route="/v1/contacts/:id",status="404"}'),
      1,
    );
    assert.ok(!text.includes("/v1/contacts/999999"), "paths with ids never become series");
    assert.ok((sample(text, "outdial_process_cpu_user_seconds_total") ?? 0) > 0);
    assert.ok(!text.includes(TOKEN) && !text.includes(f.key));
  });

  test("previews being read are reserved dials, not calls in flight", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview",
      settings: { dialMethod: "preview" },
      contacts: [{ phone: "+14155554001" }, { phone: "+14155554002" }, { phone: "+14155554003" }],
      agents: ["Ann", "Bob", "Cy"],
    });
    for (const id of agentIds)
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const before = (await scrape(`Bearer ${TOKEN}`)).body;
    for (const id of agentIds) {
      const next = await post(`/v1/agents/${id}/preview/next`);
      assert.equal(next.statusCode, 200, next.body);
    }
    const text = (await scrape(`Bearer ${TOKEN}`)).body;
    assert.equal(
      sample(text, "outdial_dials_total"),
      sample(before, "outdial_dials_total"),
      "nothing dialed",
    );
    assert.equal(sample(text, "outdial_calls_in_flight"), 0, "no line in use");
    assert.equal(sample(text, "outdial_dials_reserved"), 3, "three contacts on agents' screens");
    const dial = await post(`/v1/agents/${agentIds[0]}/preview/dial`);
    assert.equal(dial.statusCode, 200, dial.body);
    const after = (await scrape(`Bearer ${TOKEN}`)).body;
    assert.equal(sample(after, "outdial_calls_in_flight"), 1);
    assert.equal(sample(after, "outdial_dials_reserved"), 2);
  });

  test("without a token configured there is no /metrics; a short token is refused at start", async () => {
    const plain = await apiFixture();
    try {
      assert.equal((await plain.app.inject({ method: "GET", url: "/metrics" })).statusCode, 404);
    } finally {
      await plain.close();
    }
    assert.throws(() => loadConfig({ OUTDIAL_METRICS_TOKEN: "short" }), ConfigError);
    assert.equal(describeConfig(loadConfig({ OUTDIAL_METRICS_TOKEN: TOKEN })).metricsToken, "***");
  });
});
