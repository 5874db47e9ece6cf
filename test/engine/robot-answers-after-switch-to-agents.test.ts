// A campaign's robot answers (people who heard its message: outcome human, no agent) count in no
// abandonment rate, whatever the campaign dials now. They were left out while it dialed as a robot, and all
// came back as live answers once it was PATCHed to predictive: in its own rate, in its pacer's tracker
// (rebuilt from answerHistory) and in its group's pooled rate. A group at 10 % (over its 3 % cap, pacers in
// fallback) read 0.9 % straight after the switch, and every member's pacer spent that surplus on drops.
// Only abandons and people put through to an agent count (store/abandonment.ts countsForAbandonment), and
// AMD's machine verdicts still count their estimated share of people. On both dialects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { answerHistory } from "../../src/store/agent-calls.ts";
import {
  type ApiFixture,
  abandonmentOf,
  agentCampaign,
  agentShorthands,
  apiFixture,
  insertAttempt,
  pacingView,
} from "../api/helpers.ts";
import { dialects } from "../helpers/stores.ts";

const contacts = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => ({ phone: `+1415555${String(from + i).padStart(4, "0")}` }));
const predictive = { dialMethod: "predictive", scenario: "default", wrapUpSec: 5 };

for (const dialect of dialects()) {
  describe(`robot answers after a switch to agents [${dialect.name}]`, () => {
    let f: ApiFixture;
    const { post, startDialing } = agentShorthands(() => f);
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("a member switched from robot to predictive does not dilute its group's rate", async () => {
      const a = await agentCampaign(f, {
        name: "agents A",
        settings: { ...predictive, abandonGroup: "mix" },
        contacts: contacts(10, 0),
        agents: ["A0"],
      });
      const b = await agentCampaign(f, {
        name: "robot B",
        settings: { dialMethod: "robot", abandonGroup: "mix" },
        contacts: contacts(10, 100),
        agents: ["B0"],
      });
      const now = f.clock.now();
      // A: 100 people answered an hour or two ago, 10 of them abandoned (10 %).
      for (let i = 0; i < 100; i++) {
        const abandoned = i % 10 === 0;
        await insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: a.campaignId,
          contactId: a.contactIds[i % 10],
          seq: i + 1,
          startedAt: now - 7200_000 + i * 1000,
          answeredAt: now - 7200_000 + i * 1000 + 5000,
          outcome: abandoned ? "abandoned" : "human",
          agentId: abandoned ? null : a.agentIds[0],
        });
      }
      // B, as a robot: 1,000 people heard its message.
      for (let i = 0; i < 1000; i++) {
        await insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: b.campaignId,
          contactId: b.contactIds[i % 10],
          // Above the seq the engine gives the contacts' next calls.
          seq: 1000 + i,
          startedAt: now - 7200_000 + i * 1000,
          answeredAt: now - 7200_000 + i * 1000 + 5000,
          outcome: "human",
        });
      }
      assert.equal((await abandonmentOf(f, a.campaignId)).group?.campaign.rate, 0.1, "A's 10 of 100");

      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${b.campaignId}`,
        payload: { settings: { dialMethod: "predictive", wrapUpSec: 5 } },
      });
      assert.equal(patch.statusCode, 200, patch.body);

      const mine = await abandonmentOf(f, b.campaignId);
      assert.equal(mine.campaign.live_answers, 0, "B's robot answers are not live answers of its own rate");
      assert.ok(mine.group);
      assert.deepEqual(
        { live: mine.group.campaign.live_answers, rate: mine.group.campaign.rate },
        { live: 100, rate: 0.1 },
        "the group's pooled rate is still A's",
      );
      const history = await answerHistory(f.store, b.campaignId);
      assert.equal(history.length, 0, "B's tracker is rebuilt with none of its robot answers");

      // B's pacer answers to the group's 10 %: over the 3 % cap, it falls back to one line per agent.
      await startDialing(b.campaignId, b.agentIds, 0, 100);
      const view = await pacingView(f, b.campaignId);
      await post(`/v1/campaigns/${b.campaignId}/stop`);
      for (const id of b.agentIds) await post(`/v1/agents/${id}/logout`);
      assert.ok(view.abandonment && view.latest?.predictive);
      assert.ok(view.abandonment.live_answers < 200, `${view.abandonment.live_answers} live answers`);
      assert.ok(view.abandonment.rate > 0.03, `pooled rate ${view.abandonment.rate}`);
      assert.equal(view.latest.predictive.mode, "fallback");
    });

    test("an agent campaign counts its agents' calls, its abandons and its AMD estimate, not its robot answers", async () => {
      const c = await agentCampaign(f, {
        name: "AMD desk",
        settings: { ...predictive, amd: { enabled: true, mode: "background", falsePositiveShare: 0.02 } },
        contacts: contacts(10, 500),
        agents: ["C0"],
      });
      const now = f.clock.now();
      let seq = 1;
      const attempt = (outcome: string, o: { agentId?: number; details?: object } = {}) =>
        insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: c.campaignId,
          contactId: c.contactIds[seq % 10],
          seq: seq++,
          startedAt: now - 3600_000 + seq * 1000,
          answeredAt: now - 3600_000 + seq * 1000 + 5000,
          outcome,
          agentId: o.agentId ?? null,
          details: o.details ? JSON.stringify(o.details) : null,
        });
      // 49 put through, 1 abandoned, 50 AMD machine verdicts (2 %: 1 person), and 30 robot answers from
      // when the campaign dialed as a robot.
      for (let i = 0; i < 49; i++) await attempt("human", { agentId: c.agentIds[0] });
      await attempt("abandoned");
      for (let i = 0; i < 50; i++)
        await attempt("machine", { details: { answeredBy: "machine", amd: true } });
      for (let i = 0; i < 30; i++) await attempt("human");

      const r = await abandonmentOf(f, c.campaignId);
      assert.equal(r.rolling_24h.amd_machine_verdicts, 50);
      assert.ok(
        Math.abs(r.rolling_24h.live_answers - 51) < 1e-9,
        `live answers ${r.rolling_24h.live_answers}`,
      );
      assert.ok(Math.abs(r.rolling_24h.abandoned - 2) < 1e-9, `abandoned ${r.rolling_24h.abandoned}`);
      const events: Record<string, number> = {};
      for (const h of await answerHistory(f.store, c.campaignId))
        events[h.event] = (events[h.event] ?? 0) + 1;
      assert.deepEqual(events, { connected: 49, no_agent: 1, machine: 50 });
    });
  });
}
