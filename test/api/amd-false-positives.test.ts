// AMD false positives in the abandonment rate, against the running HTTP server on the virtual clock: people
// AMD takes for a machine are hung up on, which regulators count as abandoned calls, and nothing on the
// line tells them apart. So amd.falsePositiveShare of the machine verdicts counts as people abandoned, in
// the figures the API reports (from the attempts on record) and in the tracker the pacer answers to (seeded
// from the same record, then live).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { formatPacing } from "../../src/cli/pacing.ts";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  abandonmentOf,
  agentCampaign,
  agentShorthands,
  apiFixture,
  insertAttempt,
  pacingView,
} from "./helpers.ts";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} against ${expected}`);

for (const dialect of dialects())
  describe(`AMD false positives in the abandonment rate [${dialect.name}]`, () => {
    let f: ApiFixture;
    const { post, advanceUntil, state, startDialing } = agentShorthands(() => f);
    const abandonment = (id: number) => abandonmentOf(f, id);
    const pacing = (id: number) => pacingView(f, id);

    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const contacts = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ phone: `+1415555${String(from + i).padStart(4, "0")}` }));

    test("machine verdicts on record count their estimated share of people abandoned, and the pacer holds to it", async () => {
      const { campaignId, agentIds, contactIds } = await agentCampaign(f, {
        name: "amd estimate",
        settings: {
          dialMethod: "predictive",
          // Nobody answers: nothing but the decisions themselves brings the edit below to the pacer.
          scenario: JSON.stringify({ outcomes: { no_answer: 1 } }),
          amd: { enabled: true, mode: "background", falsePositiveShare: 0.05 },
        },
        contacts: contacts(300, 0),
        agents: ["Agent 0", "Agent 1"],
      });
      const now = f.clock.now();
      let seq = 100;
      const attempt = (at: number, outcome: string, details: object | null = null) =>
        insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId,
          contactId: contactIds[seq % contactIds.length],
          seq: seq++,
          startedAt: at - 5000,
          answeredAt: at,
          outcome,
          details: details && JSON.stringify(details),
          agentId: outcome === "human" ? 424242 : null, // put through to an agent
        });
      // As the engine writes AMD's verdicts (outcomes.ts).
      const amdVerdict = { answeredBy: "machine", ringSec: 12, amd: true };
      // In the last hour: 97 people connected, 1 abandoned, 40 machine verdicts. Two days ago: 20 more
      // machine verdicts, outside the 24 h window. Unanswered calls count for nothing, and neither do
      // machines told apart without AMD (dialed with it off: nobody was hung up on).
      for (let i = 0; i < 97; i++) await attempt(now - 3600_000 + i * 1000, "human");
      await attempt(now - 1800_000, "abandoned");
      for (let i = 0; i < 40; i++) await attempt(now - 1200_000 + i * 1000, "machine", amdVerdict);
      for (let i = 0; i < 20; i++) await attempt(now - 48 * 3600_000 + i * 1000, "machine", amdVerdict);
      for (let i = 0; i < 10; i++) await attempt(now - 600_000 + i * 1000, "no_answer");
      for (let i = 0; i < 10; i++)
        await attempt(now - 500_000 + i * 1000, "machine", { answeredBy: "machine" });

      const r = await abandonment(campaignId);
      assert.equal(r.amd_false_positive_share, 0.05);
      // 24 h: 40 × 5 % = 2 people among the machine verdicts: (1 + 2) / (98 + 2) = 3 %.
      assert.equal(r.rolling_24h.amd_machine_verdicts, 40);
      close(r.rolling_24h.amd_false_positives_estimated, 2, "24 h estimate");
      close(r.rolling_24h.live_answers, 100, "24 h live answers");
      close(r.rolling_24h.abandoned, 3, "24 h abandoned");
      close(r.rolling_24h.rate, 0.03, "24 h rate");
      // The campaign: 60 × 5 % = 3: (1 + 3) / (98 + 3).
      assert.equal(
        r.campaign.amd_machine_verdicts,
        60,
        "the 10 machines told apart without AMD count for nothing",
      );
      close(r.campaign.rate, 4 / 101, "campaign rate");
      assert.deepEqual(r.rolling_30d, r.campaign);

      // The pacer's tracker is seeded from the same record: the campaign window is over 3 %, so the
      // predictive pacer dials progressively.
      await startDialing(campaignId, agentIds);
      const v = await pacing(campaignId);
      assert.ok(v.abandonment);
      assert.equal(v.abandonment.window, "campaign");
      assert.equal(v.abandonment.amd_machine_verdicts, 60);
      close(v.abandonment.amd_false_positives, 3, "the pacer's estimate");
      close(v.abandonment.rate, 4 / 101, "the pacer's rate");
      assert.equal(v.latest?.predictive?.mode, "fallback", "over the cap once the estimate counts");
      const printed = formatPacing(v);
      assert.match(printed, /abandoned 4 of 101 live answers = 3\.96% \(campaign window\)/);
      assert.match(printed, /of which 3 estimated AMD false positives \(people among 60 machine verdicts\)/);

      // A campaign that measured its AMD sets 0, while it runs: only the known abandon counts, on the whole
      // record, and the pacer's next decisions answer to that (nothing else has to touch the tracker).
      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${campaignId}`,
        payload: { settings: { amd: { enabled: true, mode: "background", falsePositiveShare: 0 } } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      const patchedAt = f.clock.now();
      const measured = await abandonment(campaignId);
      assert.equal(measured.campaign.amd_machine_verdicts, 60);
      assert.equal(measured.campaign.amd_false_positives_estimated, 0);
      close(measured.campaign.rate, 1 / 98, "rate with no estimate");
      await advanceUntil(() => f.clock.now() - patchedAt >= 20_000, 500, 100);
      // The latest decision was made before this read (which refreshes the tracker itself).
      const after = await pacing(campaignId);
      assert.ok(after.latest && Date.parse(after.latest.at) > patchedAt, "a decision since the edit");
      assert.equal(after.latest.predictive?.mode, "model", "1 / 98 is under the cap: dialing ahead again");
      await post(`/v1/campaigns/${campaignId}/stop`);
      for (const id of agentIds) await post(`/v1/agents/${id}/logout`);

      // Turning AMD off does not take back the people it hung up on: their estimate still counts.
      const setAmd = async (enabled: boolean) => {
        const res = await f.call({
          method: "PATCH",
          url: `/v1/campaigns/${campaignId}`,
          payload: { settings: { amd: { enabled, mode: "background", falsePositiveShare: 0.05 } } },
        });
        assert.equal(res.statusCode, 200, res.body);
        return abandonment(campaignId);
      };
      const on = await setAmd(true);
      close(on.campaign.rate, 4 / 101, "rate with AMD on");
      const withoutAmd = await setAmd(false);
      assert.equal(withoutAmd.amd_false_positive_share, 0.05);
      assert.deepEqual(withoutAmd.campaign, on.campaign, "the same figures with AMD off");
      close(
        withoutAmd.campaign.amd_false_positives_estimated,
        on.campaign.amd_machine_verdicts * 0.05,
        "× 5 %",
      );
    });

    test("without a figure, 2 % of machine verdicts count; the live tracker counts every verdict the calls give", async () => {
      const { campaignId, agentIds } = await agentCampaign(f, {
        name: "amd default",
        settings: {
          dialMethod: "progressive",
          scenario: "default",
          wrapUpSec: 5,
          amd: { enabled: true, mode: "background" },
        },
        contacts: contacts(400, 1000),
        agents: ["Agent A", "Agent B", "Agent C"],
      });
      for (const id of agentIds)
        assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
      const start = f.clock.now();
      await advanceUntil(() => f.clock.now() - start >= 40 * 60_000, 2000, 1500);
      await post(`/v1/campaigns/${campaignId}/pause`);
      // Every line out rings down, and every call an agent took ends, so that its attempt is on record.
      await advanceUntil(
        () => f.clock.now() - start >= 45 * 60_000 && agentIds.every((id) => state(id) !== "on_call"),
        2000,
        3000,
      );

      const machines = await f.store.db
        .selectFrom("attempts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("campaign_id", "=", campaignId)
        .where("outcome", "=", "machine")
        .where("answered_at", "is not", null)
        .executeTakeFirstOrThrow();
      const verdicts = Number(machines.n);
      assert.ok(verdicts >= 5, `the default scenario's machines answered (${verdicts})`);

      const r = await abandonment(campaignId);
      assert.equal(r.amd_false_positive_share, 0.02);
      assert.equal(r.campaign.amd_machine_verdicts, verdicts);
      close(r.campaign.amd_false_positives_estimated, verdicts * 0.02, "the default estimate");
      const v = await pacing(campaignId);
      assert.ok(v.abandonment);
      assert.equal(v.abandonment.amd_machine_verdicts, verdicts, "the live tracker heard every verdict");
      close(v.abandonment.amd_false_positives, verdicts * 0.02, "the live tracker's estimate");
      close(v.abandonment.live_answers, r.campaign.live_answers, "live answers, live and on record");
      close(v.abandonment.rate, r.campaign.rate, "rate, live and on record");
      await post(`/v1/campaigns/${campaignId}/stop`);
      for (const id of agentIds) await post(`/v1/agents/${id}/logout`);
    });

    test("machines told apart without AMD (the simulator knows them) hung up on nobody: they count for nothing", async () => {
      const { campaignId, agentIds } = await agentCampaign(f, {
        name: "no amd",
        settings: { dialMethod: "progressive", scenario: "default", wrapUpSec: 5 },
        contacts: contacts(200, 2000),
        agents: ["Agent X", "Agent Y"],
      });
      for (const id of agentIds)
        assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
      const start = f.clock.now();
      await advanceUntil(() => f.clock.now() - start >= 30 * 60_000, 2000, 1500);
      const machines = await f.store.db
        .selectFrom("attempts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("campaign_id", "=", campaignId)
        .where("outcome", "=", "machine")
        .executeTakeFirstOrThrow();
      assert.ok(Number(machines.n) > 0, "the simulator's machines were told apart");
      const v = await pacing(campaignId);
      assert.equal(v.abandonment?.amd_machine_verdicts, 0, "the live tracker heard no AMD verdict");
      assert.equal((await abandonment(campaignId)).campaign.amd_machine_verdicts, 0, "nor does the record");
      await post(`/v1/campaigns/${campaignId}/stop`);
      for (const id of agentIds) await post(`/v1/agents/${id}/logout`);
    });

    test("a falsePositiveShare outside 0–1 is a 400 naming the field", async () => {
      const res = await f.call({
        method: "POST",
        url: "/v1/campaigns",
        payload: {
          name: "bad estimate",
          settings: { amd: { enabled: true, mode: "background", falsePositiveShare: 1.5 } },
        },
      });
      assert.equal(res.statusCode, 400, res.body);
      const error = (res.json() as { error: { code: string; field?: string } }).error;
      assert.match(error.field ?? "", /falsePositiveShare/);
    });
  });
