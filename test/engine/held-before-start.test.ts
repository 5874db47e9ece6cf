// A campaign held (stopped, or paused) before its start time never began: when it runs, its lifetime
// counts from then (a resume two hours after the start time was refused as ended, having made no call).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "../api/helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

for (const how of ["stop→start (fixed by d89b5be)", "pause→resume"] as const) {
  test(`${how}: a campaign held before its start time never began; its lifetime counts from when it runs`, async () => {
    const startAt = f.clock.now() + 3600_000;
    const { id, listId } = await createCampaignViaApi(f, {
      name: `held ${how}`,
      settings: { lifetimeSec: 3600, startAt },
    });
    await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}]);
    const st = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
    assert.equal(st.statusCode, 200, st.body);
    assert.equal(st.json().status, "scheduled");
    const pausing = how === "pause→resume";
    const hold = await f.call({ method: "POST", url: `/v1/campaigns/${id}/${pausing ? "pause" : "stop"}` });
    assert.equal(hold.statusCode, 200, hold.body);
    // Held until two hours after its start time: it never dialed.
    await f.clock.advance(3 * 3600_000);
    const go = await f.call({ method: "POST", url: `/v1/campaigns/${id}/${pausing ? "resume" : "start"}` });
    assert.equal(go.statusCode, 200, `${go.statusCode} ${go.body}`);
  });
}
