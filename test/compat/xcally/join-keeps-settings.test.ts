// Linking users to a queue (POST /api/voice/queues/{id}/users) switches it from robot-style to its dialMethod
// and nothing else: a line cap, abandonment target, power ratio or agent selection set through /v1 stays
// (xcally-joincap audit: the cap went to 200 lines and the target back to the queue's 3 %).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

for (const d of dialects()) {
  describe(`agents joining a queue keep its settings (${d.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => d.open());
    });
    after(() => f.close());
    const ok = async (method: string, url: string, payload: unknown, status: number) => {
      const res = await f.call({
        method: method as "GET",
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      assert.equal(res.statusCode, status, res.body);
      return res.json();
    };
    const settingsOf = async (id: number) =>
      (await ok("GET", `/v1/campaigns/${id}`, undefined, 200)).settings;
    const joinAgent = async (queueId: number, name: string) => {
      const agent = await ok("POST", "/v1/agents", { name }, 201);
      await ok(
        "POST",
        `/api/voice/queues/${queueId}/users`,
        { id: queueId, ids: [agent.id], penalty: "0" },
        200,
      );
    };

    test("a line cap, abandonment target, power ratio and agent selection set through /v1 survive the link", async () => {
      const q = await ok(
        "POST",
        "/api/voice/queues",
        { name: "capped", type: "outbound", dialMethod: "predictive", dialActive: false },
        201,
      );
      const edit = { maxConcurrent: 5, targetAbandonRate: 0.01, powerRatio: 2.5, agentSelection: "random" };
      await ok("PATCH", `/v1/campaigns/${q.id}`, { settings: edit }, 200);
      await joinAgent(q.id, "ann");
      const s = await settingsOf(q.id);
      assert.equal(s.dialMethod, "predictive");
      assert.deepEqual(
        {
          maxConcurrent: s.maxConcurrent,
          targetAbandonRate: s.targetAbandonRate,
          powerRatio: s.powerRatio,
          agentSelection: s.agentSelection,
        },
        edit,
      );
    });

    test("without /v1 edits the queue's own fields dial, and the default cap follows the agent method", async () => {
      const q = await ok(
        "POST",
        "/api/voice/queues",
        {
          name: "defaults",
          type: "outbound",
          dialMethod: "power",
          dialPowerLevel: 2,
          dialPredictiveOptimization: "dropRate",
          dialPredictiveOptimizationPercentage: 2,
          strategy: "rrmemory",
          dialActive: false,
        },
        201,
      );
      const robot = await settingsOf(q.id);
      assert.deepEqual([robot.dialMethod, robot.maxConcurrent], ["robot", 10]);
      await joinAgent(q.id, "bob");
      const s = await settingsOf(q.id);
      assert.deepEqual(
        {
          dialMethod: s.dialMethod,
          maxConcurrent: s.maxConcurrent,
          powerRatio: s.powerRatio,
          targetAbandonRate: s.targetAbandonRate,
          agentSelection: s.agentSelection,
        },
        {
          dialMethod: "power",
          maxConcurrent: 200,
          powerRatio: 2,
          targetAbandonRate: 0.02,
          agentSelection: "round_robin",
        },
      );
    });
  });
}
