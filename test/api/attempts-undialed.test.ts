// GET /v1/campaigns/:id/attempts listed a dial claimed but still waiting for its calls-per-second slot (its
// started_at ahead of the clock); a pause gives such a dial back and deletes its row, so an attempt the API
// had listed vanished (reports9). It is listed once its slot has come, as a preview's attempt once dialed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

test("an attempt the listing showed is not deleted afterwards by a pause", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, {
    name: "slots",
    settings: {
      scenario: "all_human",
      calleeWindow: { from: "00:00", to: "24:00" },
      callsPerSecond: 0.2,
      maxConcurrent: 5,
    },
  });
  await insertContacts(
    f.store,
    { accountId: f.accountId, campaignId, listId },
    Array.from({ length: 5 }, (_, i) => ({ phones: JSON.stringify([`+1415555${3100 + i}`]) })),
  );
  const start = await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/start` });
  assert.equal(start.statusCode, 200, start.body);
  // Step until a claimed dial waits for its slot (a row whose start lies ahead of the clock).
  let waiting = false;
  for (let i = 0; i < 200 && !waiting; i++) {
    await f.clock.run({ until: f.clock.now() + 100 });
    await new Promise((r) => setTimeout(r, 2));
    const rows = await f.store.db
      .selectFrom("attempts")
      .select(["id", "started_at"])
      .where("campaign_id", "=", campaignId)
      .where("ended_at", "is", null)
      .execute();
    waiting = rows.some((r) => Number(r.started_at) > f.clock.now());
  }
  assert.ok(waiting, "a dial claimed ahead of its slot");
  const listUrl = `/v1/campaigns/${campaignId}/attempts?limit=100`;
  const before = (await f.call({ method: "GET", url: listUrl })).json().data as {
    id: number;
    started_at: string;
  }[];
  const now = f.clock.now();
  const pause = await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/pause` });
  assert.equal(pause.statusCode, 200, pause.body);
  const afterPause = (await f.call({ method: "GET", url: listUrl })).json().data as { id: number }[];
  const vanished = before.filter((a) => !afterPause.some((b) => b.id === a.id));
  assert.deepEqual(
    vanished,
    [],
    `attempts listed at ${new Date(now).toISOString()} (the future ones not dialed yet), gone after the pause`,
  );
});
