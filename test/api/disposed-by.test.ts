// Who took a call and who disposed of it, apart, on both dialects, against the running HTTP server: an
// agent who sets the disposition of a preview nobody answered is its disposed_by, not its agent_id (the
// call was never connected to it), in the attempts API, the agent report and the results export; a call
// the agent took and disposed of names it in both. The engine runs on the virtual clock, which the test
// advances.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../helpers/child.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`disposed_by apart from agent_id [${dialect.name}]`, () => {
    let f: ApiFixture;
    let base: string;

    before(async () => {
      f = await apiFixture(dialect.open);
      base = await f.app.listen({ host: "127.0.0.1", port: 0 });
    });
    after(() => f.close());

    async function http(method: string, path: string, body?: unknown) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${f.key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text) };
    }

    async function ok(method: string, path: string, body?: unknown) {
      const res = await http(method, path, body);
      assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      return res.json();
    }

    /** Advances the virtual clock a second at a time until `done` holds (or 10 virtual minutes). */
    async function advanceUntil(done: () => boolean): Promise<void> {
      for (let i = 0; i < 600 && !done(); i++) {
        await f.clock.run({ until: f.clock.now() + 1000 });
        await new Promise((r) => setTimeout(r, 3));
      }
      await waitFor("the engine to catch up", () => done(), 5000);
    }

    /** A preview campaign with one contact and one agent in its queue, logged in, and started. */
    async function previewCampaign(scenario: string, agentName: string) {
      const { id, listId } = await createCampaignViaApi(f, {
        name: `preview ${scenario}`,
        settings: {
          scenario,
          dialMethod: "preview",
          wrapUpSec: 60,
          calleeWindow: { from: "00:00", to: "24:00" },
        },
      });
      await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        { phones: JSON.stringify(["+14155552000"]) },
      ]);
      const agent = (await ok("POST", "/v1/agents", { name: agentName })) as { id: number };
      await ok("PUT", `/v1/campaigns/${id}/agents`, { agents: [{ agentId: agent.id, penalty: 0 }] });
      await ok("POST", `/v1/agents/${agent.id}/login`, { campaignId: id });
      await ok("POST", `/v1/campaigns/${id}/start`);
      return { campaignId: id, agentId: agent.id };
    }

    async function attemptsOf(campaignId: number, query = "") {
      return (await ok("GET", `/v1/campaigns/${campaignId}/attempts${query}`)).data as Record<
        string,
        unknown
      >[];
    }

    test("a preview nobody answered: the agent who disposed of it did not take it", async () => {
      const { campaignId, agentId } = await previewCampaign("always_no_answer", "Ann");
      const attemptId = (await ok("POST", `/v1/agents/${agentId}/preview/next`)).contact.attempt_id as number;
      await ok("POST", `/v1/agents/${agentId}/preview/dial`);
      // Nobody answers: the call ends without reaching the agent, who is ready again with it as its last.
      await advanceUntil(() => f.engine.board.get(agentId)?.lastAttemptId === attemptId);
      assert.equal(f.engine.board.get(agentId)?.state, "ready");
      const disp = await ok("POST", `/v1/agents/${agentId}/disposition`, { disposition: "no answer" });
      assert.equal(disp.attempt_id, attemptId);

      const [seen] = await attemptsOf(campaignId);
      assert.equal(seen.id, attemptId);
      assert.equal(seen.outcome, "no_answer");
      assert.equal(seen.disposition, "no answer");
      assert.equal(seen.disposed_by, agentId, "the agent who set the disposition");
      assert.equal(seen.agent_id, null, "the call was never connected to an agent");
      assert.equal(seen.wait_ms, null);
      assert.deepEqual(
        await attemptsOf(campaignId, `?agent_id=${agentId}`),
        [],
        "no call taken by the agent",
      );

      // The report counts the disposition for the agent, but no call taken.
      const report = await ok("GET", `/v1/campaigns/${campaignId}/agent-report`);
      assert.equal(report.data.length, 1);
      assert.equal(report.data[0].agent_id, agentId);
      assert.equal(report.data[0].calls, 0);
      assert.equal(report.data[0].mean_talk_sec, null, "no call: no mean talk time, not 0 s");
      assert.deepEqual(report.data[0].dispositions, { "no answer": 1 });

      // The export: no agent took the contact's call; the disposition and who set it are there.
      const [row] = (await ok("GET", `/v1/campaigns/${campaignId}/export?format=json`)) as Record<
        string,
        unknown
      >[];
      assert.equal(row.last_agent_id ?? null, null);
      assert.equal(row.last_disposition, "no answer");
      assert.equal(row.last_disposed_by, agentId);
      await ok("POST", `/v1/agents/${agentId}/logout`);
    });

    test("a preview answered: the agent took the call and disposed of it", async () => {
      const { campaignId, agentId } = await previewCampaign("all_human", "Bob");
      const attemptId = (await ok("POST", `/v1/agents/${agentId}/preview/next`)).contact.attempt_id as number;
      await ok("POST", `/v1/agents/${agentId}/preview/dial`);
      await advanceUntil(() => f.engine.board.get(agentId)?.state === "on_call");
      await ok("POST", `/v1/agents/${agentId}/hangup`);
      await advanceUntil(() => f.engine.board.get(agentId)?.state === "wrap_up");
      await ok("POST", `/v1/agents/${agentId}/disposition`, { disposition: "sale" });
      // The connection is written without waiting on it: let it land before reading.
      await waitFor(
        "the connection to be recorded",
        async () => (await attemptsOf(campaignId))[0]?.agent_id === agentId,
        5000,
      );

      const [seen] = await attemptsOf(campaignId, `?agent_id=${agentId}`);
      assert.equal(seen.id, attemptId);
      assert.equal(seen.outcome, "human");
      assert.equal(seen.agent_id, agentId);
      assert.equal(seen.disposed_by, agentId);
      assert.equal(seen.disposition, "sale");

      const report = await ok("GET", `/v1/campaigns/${campaignId}/agent-report`);
      assert.equal(report.data.length, 1);
      assert.equal(report.data[0].agent_id, agentId);
      assert.equal(report.data[0].calls, 1);
      assert.deepEqual(report.data[0].dispositions, { sale: 1 });

      const [row] = (await ok("GET", `/v1/campaigns/${campaignId}/export?format=json`)) as Record<
        string,
        unknown
      >[];
      assert.equal(row.last_agent_id, agentId);
      assert.equal(row.last_disposition, "sale");
      assert.equal(row.last_disposed_by, agentId);
      await ok("POST", `/v1/agents/${agentId}/ready`);
      await ok("POST", `/v1/agents/${agentId}/logout`);
    });
  });
}
