// An agent's talk time in GET /v1/campaigns/{id}/agent-report is its own time on the line. talk_sec runs
// from the person's answer to the hang-up, and on a call dialed for agents the person first waits wait_ms
// for one: the report summed talk_sec, so each wait counted twice, in mean_wait_ms and inside the agent's
// talk (audit reports12). A call answered at +5 s, put through to Ann after 30 s and ended at +95 s gave
// her 90 s of talk; she was on the line 60 s. The campaign report's talk stays the callee's (90 s), the
// wait included. A wait longer than the talk measured (the driver and the engine time them apart) counts
// 0 s, never less.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const PERIOD = "from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z";

interface AgentRow {
  agent_id: number;
  calls: number;
  talk_sec: number;
  mean_talk_sec: number | null;
  mean_wait_ms: number | null;
}

/** An ended human call of `talkSec` s from its answer at +5 s, put through to `agentId` after `waitMs`. */
async function agentCall(
  f: ApiFixture,
  scope: { campaignId: number; contactId: number },
  seq: number,
  agentId: number,
  talkSec: number,
  waitMs: number,
): Promise<void> {
  const startedAt = T0 + seq * 600_000;
  const attemptId = await insertAttempt(f.store, {
    accountId: f.accountId,
    ...scope,
    seq,
    startedAt,
    answeredAt: startedAt + 5_000,
    endedAt: startedAt + 5_000 + talkSec * 1000,
    outcome: "human",
    talkSec,
    success: 1,
  });
  // As recordAgentOnAttempt writes them on connecting: agent_id and wait_ms together.
  await f.store.db
    .updateTable("attempts")
    .set({ agent_id: agentId, wait_ms: waitMs })
    .where("id", "=", attemptId)
    .execute();
}

for (const dialect of dialects())
  describe(`agent report talk time [${dialect.name}]`, () => {
    test("an agent's talk leaves out the person's wait before it joined; the campaign's keeps it", async () => {
      const f = await apiFixture(dialect.open);
      try {
        const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "agents" });
        const [contactId] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
          {},
        ]);
        const agent = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "Ann" } });
        assert.equal(agent.statusCode, 201, agent.body);
        const ann = (agent.json() as { id: number }).id;
        const scope = { campaignId, contactId };
        await agentCall(f, scope, 1, ann, 90, 30_000); // the audit's call: on the line 60 s
        await agentCall(f, scope, 2, ann, 40.25, 250); // 40 s
        await agentCall(f, scope, 3, ann, 2, 3_000); // the wait measured past the talk: 0 s, not −1

        const res = await f.call({
          method: "GET",
          url: `/v1/campaigns/${campaignId}/agent-report?${PERIOD}`,
        });
        assert.equal(res.statusCode, 200, res.body);
        const [row] = (res.json() as { data: AgentRow[] }).data;
        assert.equal(row.agent_id, ann);
        assert.equal(row.calls, 3);
        assert.equal(row.talk_sec, 100, "60 + 40 + 0 s on the line");
        assert.equal(row.mean_talk_sec, 100 / 3);
        assert.equal(row.mean_wait_ms, 11_083, "the waits count here, and only here");

        const report = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/report?${PERIOD}` });
        assert.equal(report.statusCode, 200, report.body);
        assert.equal(report.json().talk_sec, 132.25, "the callees' talk, answer → hang-up, waits included");
      } finally {
        await f.close();
      }
    });
  });
