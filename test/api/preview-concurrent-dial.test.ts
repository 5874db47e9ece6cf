// Whether an agent's dial keeps its attempt reserved until its calls-per-second slot comes is decided from
// the slot it takes, not from one peeked before the dial's awaits: two agents pressing dial together both
// saw the same free slot, both were marked dialed at once, and the second waited a whole gap (20 s here)
// with its attempt already counted (a process killed in that wait recorded it lost, nobody called).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post } = agentShorthands(() => f);

test("two agents dialing together: the one left waiting for a later slot keeps its attempt reserved", async () => {
  const { campaignId, agentIds } = await agentCampaign(f, {
    name: "preview cps together",
    settings: { dialMethod: "preview", callsPerSecond: 0.05 },
    contacts: [{ phone: "+14155554101" }, { phone: "+14155554102" }],
    agents: ["Ann", "Bob"],
  });
  for (const id of agentIds) {
    assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
  }
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  for (const id of agentIds) {
    assert.ok((await post(`/v1/agents/${id}/preview/next`)).json().contact);
  }
  const dialed = () => f.engine.dispatcher.stats.originated;
  const before = dialed();
  // Another request's transaction is open on the SQLite connection as the two presses arrive (an import, a
  // disposition...): markDialed waits it out (noTransactionOpen), and both presses have peeked by then.
  const sqlite = f.store.sqlite;
  assert.ok(sqlite);
  sqlite.exec("BEGIN");
  const pending = Promise.all(agentIds.map((id) => post(`/v1/agents/${id}/preview/dial`)));
  for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
  sqlite.exec("COMMIT");
  const answers = await pending;
  for (const a of answers) assert.equal(a.statusCode, 200, a.body);
  assert.equal(dialed(), before + 1, "one dial goes at once, the other waits 20 s for its slot");
  const waiting = [...f.engine.dispatcher.liveCalls.values()].filter(
    (c) => c.campaign.id === campaignId && !c.originated,
  );
  assert.equal(waiting.length, 1);
  assert.ok(waiting[0].startedAt - f.clock.now() > 2_000, "its slot is more than 2 s away");
  const row = await f.store.db
    .selectFrom("attempts")
    .select(["id", "reserved"])
    .where("id", "=", waiting[0].attemptId)
    .executeTakeFirstOrThrow();
  assert.notEqual(
    row.reserved,
    null,
    `attempt ${row.id} waits ${(waiting[0].startedAt - f.clock.now()) / 1000} s for its slot already marked dialed`,
  );
});
