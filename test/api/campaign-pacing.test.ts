// GET /v1/campaigns/{id}/pacing against the running HTTP server on the virtual clock: a predictive
// campaign's decisions with what they rested on, the fallback to progressive once a window is over the
// abandonment target, the other methods, and the 404 for another account's campaign.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  type ApiFixture,
  agentCampaign,
  agentShorthands,
  apiFixture,
  errorOf,
  insertAttempt,
  pacingView,
} from "./helpers.ts";

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

describe("campaign pacing view", () => {
  let f: ApiFixture;
  let base: string;
  const { post, advanceUntil, startDialing } = agentShorthands(() => f);
  const pacing = (id: number) => pacingView(f, id);

  before(async () => {
    f = await apiFixture();
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => f.close());

  const contacts = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => ({ phone: `+1415555${String(from + i).padStart(4, "0")}` }));

  test("a predictive campaign shows each decision that dialed, newest first, with the forecast behind it", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "predictive view",
      settings: { dialMethod: "predictive", scenario: "default", wrapUpSec: 5, maxConcurrent: 35 },
      contacts: contacts(600, 0),
      agents: Array.from({ length: 10 }, (_, i) => `Agent ${i}`),
    });
    const before = await pacing(campaignId);
    assert.equal(before.active, false, "not dispatched before the start");
    assert.equal(before.dial_method, "predictive");
    assert.equal(before.latest, null);
    assert.deepEqual(before.decisions, []);

    for (const id of agentIds)
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const start = f.clock.now();
    await advanceUntil(() => f.clock.now() - start >= 30 * 60_000, 2000, 1000);

    const v = await pacing(campaignId);
    assert.equal(v.active, true);
    assert.equal(v.campaign_id, campaignId);
    assert.ok(v.latest, "a latest decision");
    assert.equal(Date.parse(v.latest.at) <= f.clock.now(), true);
    assert.ok(v.decisions.length > 0 && v.decisions.length <= 100, `${v.decisions.length} decisions`);
    const times = v.decisions.map((d) => Date.parse(d.at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      "newest first",
    );
    let ahead = 0;
    for (const d of v.decisions) {
      assert.equal(sum(d.agents), 10, "every logged-in agent counted once");
      assert.ok(d.placed !== null && d.placed <= d.dials, JSON.stringify(d));
      assert.ok(d.placed > 0 || d.predictive?.mode === "fallback", "logged: placed lines or changed mode");
      if (d.placed < d.dials) assert.ok(d.held_by, "says what held back the lines not placed");
      else assert.equal(d.held_by, null);
      const p = d.predictive;
      assert.ok(p, "a predictive decision says what it rested on");
      if (p.mode !== "model") continue;
      // The model places dials while the next one's forecast drop chance stays within the threshold.
      if (p.last_dial_drop_chance !== null) {
        ahead++;
        assert.ok(p.last_dial_drop_chance <= p.threshold, JSON.stringify(p));
        assert.ok(d.dials > d.agents.ready - sum(d.lines), "a dial beyond one per ready agent");
      }
      if (p.next_dial_drop_chance !== null)
        assert.ok(p.next_dial_drop_chance > p.threshold, JSON.stringify(p));
      assert.ok(p.threshold > 0 && p.threshold <= 0.08, `threshold ${p.threshold}`);
    }
    assert.ok(ahead > 0, "the model dialed ahead of the agents at least once");
    // After 30 minutes the estimates come from the shift itself: the default scenario's people answer
    // about a third of the dials and talk for minutes.
    const p = v.latest.predictive;
    assert.ok(p);
    assert.ok(p.dial_results > 40, `dial results ${p.dial_results}`);
    assert.ok(p.human_share > 0.05 && p.human_share < 0.9, `human share ${p.human_share}`);
    assert.ok(p.mean_talk_sec > 5, `mean talk ${p.mean_talk_sec}`);
    assert.ok(v.abandonment, "the live counts the pacer answers to");
    assert.equal(v.abandonment.target_rate, 0.03);
    assert.ok(Number(v.abandonment.live_answers) > 0);

    // The CLI prints the same decisions as a table, newest first, over the running server.
    const cli = await promisify(execFile)(
      process.execPath,
      ["bin/outdial.mjs", "pacing", String(campaignId), "--limit", "3", "--url", base, "--key", f.key],
      { env: { ...process.env, OUTDIAL_API_KEY: "" } },
    );
    const lines = cli.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `campaign ${campaignId} (predictive), dispatched on this node`);
    assert.match(
      lines[1],
      /^ {2}abandoned \d+ of \d+ live answers = \d+\.\d\d% \(\w+ window\), target 3\.00%$/,
    );
    assert.match(lines[2], /^ {2}estimates: \d+\.\d\d% of dials reach a person, talk /);
    assert.match(
      lines[3],
      /^ {2}time +ready +busy +lines +asked +placed +mode +threshold +last dial +next dial( +held by)?$/,
    );
    assert.equal(lines.length, 7, cli.stdout);
    // The latest decision first, logged or not (one that placed no line is only in `latest`).
    const top = v.latest;
    const cells = lines[4].trim().split(/ +/);
    assert.equal(cells[0], top.at);
    assert.equal(Number(cells[4]), top.dials);
    assert.equal(cells[5], top.placed === null ? "-" : String(top.placed));
    assert.equal(cells[6], top.predictive?.mode);
    await post(`/v1/campaigns/${campaignId}/stop`);
    for (const id of agentIds) await post(`/v1/agents/${id}/logout`);
  });

  test("over the target the view shows the fallback to one line per ready agent", async () => {
    const { campaignId, agentIds, contactIds } = await agentCampaign(f, {
      name: "predictive fallback",
      settings: { dialMethod: "predictive", scenario: "default", wrapUpSec: 5 },
      contacts: contacts(50, 1000),
      agents: ["Dee", "Eve"],
    });
    // 100 live answers on record, 10 of them abandoned: 10% against the 3% target.
    const now = f.clock.now();
    for (let i = 0; i < 100; i++) {
      await insertAttempt(f.store, {
        accountId: f.accountId,
        campaignId,
        contactId: contactIds[i % contactIds.length],
        seq: 100 + i,
        startedAt: now - 3600_000 + i * 1000,
        answeredAt: now - 3600_000 + i * 1000 + 5000,
        outcome: i % 10 === 0 ? "abandoned" : "human",
        agentId: i % 10 === 0 ? null : agentIds[0],
      });
    }
    await startDialing(campaignId, agentIds);
    const v = await pacing(campaignId);
    assert.deepEqual(v.abandonment, {
      window: "campaign",
      live_answers: 100,
      abandoned: 10,
      drops: 10,
      amd_machine_verdicts: 0,
      amd_false_positives: 0,
      rate: 0.1,
      target_rate: 0.03,
    });
    const first = v.decisions.at(-1);
    assert.ok(first?.predictive);
    assert.equal(first.predictive.mode, "fallback");
    assert.equal(first.predictive.last_dial_drop_chance, null);
    assert.equal(first.dials, first.agents.ready - sum(first.lines), "progressive: one line per ready agent");
    await post(`/v1/campaigns/${campaignId}/stop`);
    for (const id of agentIds) await post(`/v1/agents/${id}/logout`);
  });

  test("a progressive campaign's decisions carry no forecast; another account's campaign is a 404", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "progressive view",
      settings: { dialMethod: "progressive", wrapUpSec: 5 },
      contacts: contacts(5, 2000),
      agents: ["Flo"],
    });
    await startDialing(campaignId, [agentIds[0]]);
    const v = await pacing(campaignId);
    assert.equal(v.dial_method, "progressive");
    const d = v.decisions[0];
    assert.ok(d);
    assert.deepEqual(
      { dials: d.dials, predictive: d.predictive, ready: d.agents.ready },
      {
        dials: 1,
        predictive: null,
        ready: 1,
      },
    );
    await post(`/v1/campaigns/${campaignId}/stop`);
    // Once its calls are over the campaign is no longer dispatched, and its pacing state goes: started
    // again, it shows only the new run's decisions.
    await advanceUntil(() => !f.engine.dispatcher.campaigns.has(campaignId), 1000, 900);
    const restartAt = f.clock.now();
    const again = f.engine.dispatcher.stats.originated;
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => f.engine.dispatcher.stats.originated > again, 500, 100);
    const rerun = await pacing(campaignId);
    assert.ok(rerun.decisions.length > 0);
    for (const d of rerun.decisions)
      assert.ok(Date.parse(d.at) >= restartAt, `a decision of the first run: ${d.at}`);
    await post(`/v1/campaigns/${campaignId}/stop`);
    await post(`/v1/agents/${agentIds[0]}/logout`);

    const { key: other } = await f.newAccount("rival");
    const res = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/pacing`, key: other });
    assert.equal(res.statusCode, 404);
    assert.equal(errorOf(res).code, "not_found");
  });
});
