// Abandonment groups (settings.abandonGroup), against the running HTTP server on the virtual clock: the
// campaigns of a group share one abandonment rate, pooled over their live answers, which each one's pacer
// answers to (a VICIdial drop-rate group, or the call centre Ofcom judges). On both dialects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
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

for (const dialect of dialects()) {
  describe(`abandonment groups [${dialect.name}]`, () => {
    let f: ApiFixture;
    const { post, advanceUntil, startDialing } = agentShorthands(() => f);
    /** Takes the campaign out of its group and runs the clock past the groups' next re-read (30 s). */
    const leaveGroup = async (campaignId: number) => {
      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${campaignId}`,
        payload: { settings: { abandonGroup: null } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      const left = f.clock.now();
      await advanceUntil(() => f.clock.now() - left >= 30_000, 500, 200);
    };
    const abandonment = (id: number) => abandonmentOf(f, id);
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const contacts = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ phone: `+1415555${String(from + i).padStart(4, "0")}` }));
    const predictive = { dialMethod: "predictive", scenario: "default", wrapUpSec: 5 };

    test("a campaign's pacer answers to its group's pooled rate, and to its own once it leaves the group", async () => {
      // B has dialed already: 100 live answers, 10 abandoned (10 %). A and C have no history; A shares B's group.
      const b = await agentCampaign(f, {
        name: "floor B",
        settings: { ...predictive, abandonGroup: "floor" },
        contacts: contacts(10, 0),
        agents: [],
      });
      const now = f.clock.now();
      for (let i = 0; i < 100; i++) {
        await insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: b.campaignId,
          contactId: b.contactIds[i % b.contactIds.length],
          seq: 100 + i,
          startedAt: now - 3600_000 + i * 1000,
          answeredAt: now - 3600_000 + i * 1000 + 5000,
          outcome: i % 10 === 0 ? "abandoned" : "human",
          agentId: i % 10 === 0 ? null : 424242, // put through to an agent (the engine writes its id)
        });
      }
      const a = await agentCampaign(f, {
        name: "floor A",
        settings: { ...predictive, abandonGroup: "floor" },
        contacts: contacts(300, 100),
        agents: ["A0", "A1", "A2", "A3"],
      });
      const c = await agentCampaign(f, {
        name: "on its own",
        settings: predictive,
        contacts: contacts(300, 500),
        agents: ["C0", "C1", "C2", "C3"],
      });
      // Another account's campaign of the same group name pools nothing with these.
      const other = await f.newAccount("someone else");
      const res = await f.call({
        method: "POST",
        url: "/v1/campaigns",
        payload: { name: "elsewhere", settings: { ...predictive, abandonGroup: "floor" } },
        key: other.key,
      });
      assert.equal(res.statusCode, 201, res.body);

      const reported = await abandonment(a.campaignId);
      assert.equal(reported.campaign.live_answers, 0, "A's own record is empty");
      assert.ok(reported.group);
      assert.equal(reported.group.name, "floor");
      assert.deepEqual([...reported.group.campaign_ids].sort(), [a.campaignId, b.campaignId].sort());
      assert.deepEqual(
        { live: reported.group.campaign.live_answers, abandoned: reported.group.campaign.abandoned },
        { live: 100, abandoned: 10 },
      );
      assert.equal(reported.group.campaign.rate, 0.1);
      assert.equal((await abandonment(c.campaignId)).group, null);

      for (const id of [...a.agentIds, ...c.agentIds]) {
        const login = await post(`/v1/agents/${id}/login`, {
          campaignId: a.agentIds.includes(id) ? a.campaignId : c.campaignId,
        });
        assert.equal(login.statusCode, 200, login.body);
      }
      const dialed = f.engine.dispatcher.stats.originated;
      assert.equal((await post(`/v1/campaigns/${a.campaignId}/start`)).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${c.campaignId}/start`)).statusCode, 200);
      await advanceUntil(() => f.engine.dispatcher.stats.originated > dialed + 8, 500, 200);

      const pooled = await pacingView(f, a.campaignId);
      assert.ok(pooled.abandonment && pooled.latest?.predictive);
      assert.ok(pooled.abandonment.live_answers >= 100, "B's answers count in A's tracker");
      assert.ok(pooled.abandonment.rate > 0.03, `pooled rate ${pooled.abandonment.rate}`);
      assert.equal(pooled.latest.predictive.mode, "fallback", "over the cap as a group: progressive");
      const alone = await pacingView(f, c.campaignId);
      assert.equal(alone.latest?.predictive?.mode, "model", "the campaign outside the group dials ahead");

      // A leaves the group: from the next re-read its pacer counts its own answers only.
      await leaveGroup(a.campaignId);
      const own = await pacingView(f, a.campaignId);
      assert.ok(own.abandonment);
      assert.ok(own.abandonment.live_answers < 100, `own answers only (${own.abandonment.live_answers})`);
      assert.equal(own.latest?.predictive?.mode, "model");
      assert.equal((await abandonment(a.campaignId)).group, null);

      for (const id of [a.campaignId, c.campaignId]) await post(`/v1/campaigns/${id}/stop`);
      for (const id of [...a.agentIds, ...c.agentIds]) await post(`/v1/agents/${id}/logout`);
    });

    test("a robot campaign in the group abandons nobody, so its answers do not dilute the group's rate", async () => {
      const agents = await agentCampaign(f, {
        name: "desk",
        settings: { ...predictive, abandonGroup: "mixed" },
        contacts: contacts(10, 900),
        agents: [],
      });
      const robot = await agentCampaign(f, {
        name: "robot",
        settings: { dialMethod: "robot", abandonGroup: "mixed" },
        contacts: contacts(10, 950),
        agents: [],
      });
      const now = f.clock.now();
      let seq = 1;
      const answer = async (c: typeof agents, outcome: string) =>
        insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: c.campaignId,
          contactId: c.contactIds[seq % c.contactIds.length],
          seq: seq++,
          startedAt: now - 600_000,
          answeredAt: now - 590_000,
          outcome,
          agentId: c === agents && outcome === "human" ? 424242 : null, // the desk's calls had an agent
        });
      for (let i = 0; i < 10; i++) await answer(agents, i === 0 ? "abandoned" : "human");
      for (let i = 0; i < 90; i++) await answer(robot, "human");
      const group = (await abandonment(agents.campaignId)).group;
      assert.ok(group);
      // A member still (its agent calls, had it dialed for agents before, would count), its robot answers not.
      assert.deepEqual(group.campaign_ids.sort(), [agents.campaignId, robot.campaignId].sort());
      assert.equal(group.campaign.rate, 0.1, "1 of the desk's 10, not 1 of 100");
    });

    test("a group answers to the strictest cap of its campaigns, and a campaign that leaves to its own", async () => {
      await agentCampaign(f, {
        name: "strict B",
        settings: { ...predictive, abandonGroup: "strict", targetAbandonRate: 0.02 },
        contacts: contacts(5, 1000),
        agents: [],
      });
      const a = await agentCampaign(f, {
        name: "loose A",
        settings: { ...predictive, abandonGroup: "strict", targetAbandonRate: 0.05 },
        contacts: contacts(200, 1100),
        agents: ["S0", "S1"],
      });
      await startDialing(a.campaignId, a.agentIds, 2, 200);
      assert.equal((await pacingView(f, a.campaignId)).abandonment?.target_rate, 0.02, "B's 2 % binds A");

      await leaveGroup(a.campaignId);
      assert.equal((await pacingView(f, a.campaignId)).abandonment?.target_rate, 0.05, "its own cap again");
      await post(`/v1/campaigns/${a.campaignId}/stop`);
      for (const id of a.agentIds) await post(`/v1/agents/${id}/logout`);
    });

    test("a member's pacing view counts the machine verdicts behind the group's estimated false positives", async () => {
      const settings = { ...predictive, abandonGroup: "verdicts" };
      const b = await agentCampaign(f, { name: "B", settings, contacts: contacts(10, 5000), agents: [] });
      // B's record: 200 people connected and 500 AMD machine verdicts (2% of them counted as people: 10).
      const now = f.clock.now();
      for (let i = 0; i < 700; i++) {
        await insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: b.campaignId,
          contactId: b.contactIds[i % 10],
          seq: 1000 + i,
          startedAt: now - 3_600_000 + i * 1000,
          answeredAt: now - 3_600_000 + i * 1000 + 5000,
          outcome: i < 200 ? "human" : "machine",
          details: i < 200 ? null : JSON.stringify({ amd: true }),
        });
      }
      const a = await agentCampaign(f, {
        name: "A",
        settings,
        contacts: contacts(200, 5100),
        agents: ["v0", "v1"],
      });
      await startDialing(a.campaignId, a.agentIds, 0, 100);
      const view = await pacingView(f, a.campaignId);
      await post(`/v1/campaigns/${a.campaignId}/stop`);
      for (const id of a.agentIds) await post(`/v1/agents/${id}/logout`);
      assert.ok(view.abandonment, "A's pacer tracks the group's rate");
      const { amd_false_positives: fps, amd_machine_verdicts: verdicts } = view.abandonment;
      assert.ok(fps >= 10 && verdicts >= 500, `${fps} false positives estimated among ${verdicts} verdicts`);
    });

    test("a group name must be 1–64 characters", async () => {
      for (const abandonGroup of ["", "x".repeat(65)]) {
        const res = await f.call({
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: "bad group", settings: { abandonGroup } },
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.match((res.json() as { error: { field?: string } }).error.field ?? "", /abandonGroup/);
      }
    });

    test("a member switched to robot keeps its agent calls' abandons in the group's rate, not its robot answers", async () => {
      const members: Awaited<ReturnType<typeof agentCampaign>>[] = [];
      for (const name of ["switch A", "switch B"]) {
        members.push(
          await agentCampaign(f, {
            name,
            settings: { ...predictive, abandonGroup: "switch" },
            contacts: contacts(10, name === "switch A" ? 900 : 950),
            agents: [`${name} agent`],
          }),
        );
      }
      const now = f.clock.now();
      // A: 5 abandoned and 45 put through an hour ago; B: 50 put through.
      for (const [m, member] of members.entries()) {
        for (let i = 0; i < 50; i++) {
          const abandoned = m === 0 && i < 5;
          await insertAttempt(f.store, {
            accountId: f.accountId,
            campaignId: member.campaignId,
            contactId: member.contactIds[i % 10],
            seq: 200 + i,
            startedAt: now - 3600_000 + i * 1000,
            answeredAt: now - 3600_000 + i * 1000 + 5000,
            outcome: abandoned ? "abandoned" : "human",
            agentId: abandoned ? null : member.agentIds[0],
          });
        }
      }
      const group = async () => (await abandonment(members[1].campaignId)).group;
      assert.deepEqual(
        [(await group())?.rolling_24h.abandoned, (await group())?.rolling_24h.live_answers],
        [5, 100],
      );
      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${members[0].campaignId}`,
        payload: { settings: { dialMethod: "robot" } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      // As a robot, A's people answer with no agent: they would only dilute the group's rate.
      for (let i = 0; i < 20; i++) {
        await insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: members[0].campaignId,
          contactId: members[0].contactIds[i % 10],
          seq: 300 + i,
          startedAt: now + i * 1000,
          answeredAt: now + i * 1000 + 5000,
          outcome: "human",
        });
      }
      const after = await group();
      assert.deepEqual(after?.campaign_ids.sort(), [members[0].campaignId, members[1].campaignId].sort());
      assert.equal(after?.rolling_24h.abandoned, 5, "the people abandoned an hour ago still were");
      assert.equal(after?.rolling_24h.live_answers, 100, "robot answers not counted");
      // The campaign's own figures count as the group does: its 5 abandons against its 50 agent answers.
      const own = await abandonment(members[0].campaignId);
      assert.equal(own.rolling_24h.abandoned, 5);
      assert.equal(own.rolling_24h.live_answers, 50, "its robot answers not counted in its own rate either");
      assert.equal(own.rolling_24h.amd_false_positives_estimated, 0);
    });
  });
}
