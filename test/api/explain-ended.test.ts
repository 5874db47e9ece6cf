// A campaign whose endAt has passed: explain told it to "recover it to dial", the dashboard offered only
// that, and the recover was refused 409 "change its endAt first" (web8). Explain now says to change its
// endAt, for a halted campaign and for one stopped or completed past its end; once endAt moves, the
// recover it then names is taken.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

async function campaignEndingSoon(name: string): Promise<number> {
  const c = await createCampaignViaApi(f, {
    name,
    settings: {
      endAt: f.clock.now() + 60_000,
      calleeWindow: { from: "00:00", to: "24:00" },
    },
  });
  await insertContacts(
    f.store,
    { accountId: f.accountId, campaignId: c.id, listId: c.listId },
    Array.from({ length: 300 }, (_, i) => ({ phones: JSON.stringify([`+1415555${6000 + i}`]) })),
  );
  assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${c.id}/start` })).statusCode, 200);
  return c.id;
}
const explain = async (id: number) =>
  (await f.call({ method: "GET", url: `/v1/campaigns/${id}/explain` })).json() as {
    status: string;
    reasons: { code: string; message: string }[];
  };
const recover = (id: number) => f.call({ method: "POST", url: `/v1/campaigns/${id}/recover` });

test("a campaign halted by its endAt is told to change its endAt, and is recovered once it has", async () => {
  const halted = await campaignEndingSoon("halted at its end");
  const stopped = await campaignEndingSoon("stopped before its end");
  assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${stopped}/stop` })).statusCode, 200);
  await f.clock.run({ until: f.clock.now() + 5 * 60_000 });

  const why = await explain(halted);
  assert.equal(why.status, "halted");
  assert.match(why.reasons[0].message, /change its endAt, then recover it/);
  assert.equal((await recover(halted)).statusCode, 409, "refused while its end has passed");

  const stoppedWhy = await explain(stopped);
  assert.equal(stoppedWhy.status, "stopped");
  assert.deepEqual(
    stoppedWhy.reasons.map((r) => r.code),
    ["not_running", "ended"],
  );
  assert.equal((await recover(stopped)).statusCode, 409);

  const later = f.clock.now() + 3_600_000;
  const moved = await f.call({
    method: "PATCH",
    url: `/v1/campaigns/${halted}`,
    payload: { settings: { endAt: later } },
  });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.match((await explain(halted)).reasons[0].message, /recover it to dial$/);
  assert.equal((await recover(halted)).statusCode, 200);
});
