// Talk time in the campaign and agent reports is summed as whole milliseconds. It was a sum of fractional
// seconds, whose last digits depend on the order of the additions, and the dialects add differently
// (SQLite's sum() compensates rounding errors, PostgreSQL's adds in scan order): three calls of 65.288,
// 48.35 and 56.729 s made 170.367 s on SQLite and 170.36700000000002 on PostgreSQL (audit parity11). Both
// now answer the figure a person adds up.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { apiFixture, createCampaignViaApi, insertAttempt, insertContacts } from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const TALKS = [65.288, 48.35, 56.729];
const PERIOD = "from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z";

for (const dialect of dialects())
  describe(`report talk time in whole milliseconds [${dialect.name}]`, () => {
    test("three calls of 65.288 + 48.35 + 56.729 s make 170.367 s in both reports", async () => {
      const f = await apiFixture(dialect.open);
      try {
        const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "talk" });
        const agent = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "Ann" } });
        assert.equal(agent.statusCode, 201, agent.body);
        const agentId = agent.json().id as number;
        const scope = { accountId: f.accountId, campaignId, listId };
        const ids = await insertContacts(
          f.store,
          scope,
          TALKS.map(() => ({})),
        );
        for (const [i, talkSec] of TALKS.entries()) {
          const startedAt = T0 + i * 60_000;
          const attemptId = await insertAttempt(f.store, {
            accountId: f.accountId,
            campaignId,
            contactId: ids[i],
            seq: 1,
            startedAt,
            answeredAt: startedAt + 5_000,
            outcome: "human",
            talkSec,
            success: 1,
            agentId,
          });
          // Put through to the agent (recordAgentOnAttempt writes agent_id and wait_ms together).
          await f.store.db
            .updateTable("attempts")
            .set({ wait_ms: 300 })
            .where("id", "=", attemptId)
            .execute();
        }
        const report = await f.call({
          method: "GET",
          url: `/v1/campaigns/${campaignId}/report?${PERIOD}&bucket=day`,
        });
        assert.equal(report.statusCode, 200, report.body);
        const r = report.json();
        assert.equal(r.talk_sec, 170.367);
        assert.equal(r.buckets[0].talk_sec, 170.367);
        assert.equal(r.mean_talk_sec, 170.367 / 3);
        const agents = await f.call({
          method: "GET",
          url: `/v1/campaigns/${campaignId}/agent-report?${PERIOD}`,
        });
        assert.equal(agents.statusCode, 200, agents.body);
        const ann = agents.json().data.find((a: { agent_id: number }) => a.agent_id === agentId);
        // The agent's talk leaves out the people's 0.3 s waits for her: 170.367 − 0.9, still whole ms.
        assert.equal(ann?.talk_sec, 169.467, agents.body);
      } finally {
        await f.close();
      }
    });
  });
