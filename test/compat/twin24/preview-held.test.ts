// Twin24 candidates do not list an attempt held for an agent's preview and not dialed (it showed as an
// IN_PROGRESS call and vanished when the agent skipped), as the native attempts API does not.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";
let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

test("a previewed, undialed contact has no call in Twin24 candidates", async () => {
  const uuid = await f.createTask(manualTask());
  await f.addCandidates(uuid, [{ phone: "+79161234567" }]);
  const { campaignId } = await f.task(uuid);
  const post = (url: string, payload: unknown = {}) =>
    f.call({ method: "POST", url, payload: payload as object });
  const patch = await f.call({
    method: "PATCH",
    url: `/v1/campaigns/${campaignId}`,
    payload: { settings: { dialMethod: "preview" } },
  });
  assert.equal(patch.statusCode, 200, patch.body);
  const agent = (await post("/v1/agents", { name: "Ann" })).json().id as number;
  const put = await f.call({
    method: "PUT",
    url: `/v1/campaigns/${campaignId}/agents`,
    payload: { agents: [{ agentId: agent, penalty: 0 }] },
  });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal((await post(`/v1/agents/${agent}/login`, { campaignId })).statusCode, 200);
  assert.equal((await f.command(uuid, "start")).statusCode, 200);
  const next = await post(`/v1/agents/${agent}/preview/next`);
  assert.ok(next.json().contact, next.body);
  assert.equal(f.originated.length, 0, "nothing dialed");
  const native = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/attempts` })).json();
  assert.deepEqual(native.data, [], "native API: no attempt yet");
  const cands = (await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` })).json();
  assert.deepEqual(
    cands.data[0].calls,
    [],
    `Twin24 lists the held preview as a call: ${JSON.stringify(cands.data[0].calls)}`,
  );
});
