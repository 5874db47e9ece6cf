// maxConcurrent is 10 by default for a robot campaign and 200 for one with agents (README, "Dialing for
// agents"). The default is written into the stored settings at creation and a PATCH merges onto them, so a
// campaign switched between robot and an agent method kept the other kind's default (audit readme11): a
// robot campaign made predictive stayed at 10 lines, a predictive one made robot dialed 200 at once. A cap
// still at the old kind's default now follows the switch; a cap the caller chose, or one the edit gives,
// stays.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "./helpers.ts";

describe("a campaign's default line cap follows a switch between robot and agent dialing", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const create = async (settings: Record<string, unknown>) => {
    const res = await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "cap", settings } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: number; settings: { maxConcurrent: number } };
  };
  const edit = async (id: number, settings: Record<string, unknown>) => {
    const res = await f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings } });
    assert.equal(res.statusCode, 200, res.body);
    const stored = await f.call({ method: "GET", url: `/v1/campaigns/${id}` });
    return stored.json().settings.maxConcurrent as number;
  };

  test("robot → predictive → robot, no cap ever given: 10, 200, 10", async () => {
    const c = await create({});
    assert.equal(c.settings.maxConcurrent, 10);
    assert.equal(await edit(c.id, { dialMethod: "predictive" }), 200);
    assert.equal(await edit(c.id, { dialMethod: "progressive" }), 200, "agents to agents: no switch");
    assert.equal(await edit(c.id, { dialMethod: "robot" }), 10);
  });

  test("a cap the caller chose stays through the switch", async () => {
    const c = await create({ maxConcurrent: 30 });
    assert.equal(await edit(c.id, { dialMethod: "predictive" }), 30);
    assert.equal(await edit(c.id, { dialMethod: "robot" }), 30);
  });

  test("a cap given with the switch is the one kept", async () => {
    const c = await create({ dialMethod: "predictive" });
    assert.equal(c.settings.maxConcurrent, 200);
    assert.equal(await edit(c.id, { dialMethod: "robot", maxConcurrent: 50 }), 50);
  });
});
