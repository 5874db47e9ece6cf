// Redials switched off (or a count lowered) while contacts wait for a retry the old rule granted: that
// retry was placed all the same, the edit ruling only calls that ended after it (twin8: a Twin24 PUT with
// redialStrategyEn false, then the number rung again an hour later). The claim now judges a waiting retry
// by the rule of its last outcome as it is: one no longer allowed is not made, and a contact with numbers
// left (sequential dialing) goes on to the next.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

test("a retry the rule no longer allows is not made; the next number is called instead", async () => {
  const busy = { intervalSec: 3600, maxRetries: 3 };
  const c = await createCampaignViaApi(f, {
    name: "redials off",
    settings: {
      scenario: JSON.stringify({ outcomes: { busy: 1 } }),
      retry: { busy },
      multiNumber: "sequential",
      calleeWindow: { from: "00:00", to: "24:00" },
    },
  });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
    { phones: JSON.stringify(["+14155557001"]) },
    { phones: JSON.stringify(["+14155557002", "+14155557003"]) },
    { phones: JSON.stringify(["+14155557004"]) },
  ]);
  assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${c.id}/start` })).statusCode, 200);
  const dialed = async () =>
    (
      await f.store.db
        .selectFrom("attempts")
        .select("phone")
        .where("campaign_id", "=", c.id)
        .orderBy("id")
        .execute()
    ).map((a) => a.phone);
  await f.clock.run({ until: f.clock.now() + 3_700_000 });
  assert.deepEqual((await dialed()).sort(), [
    "+14155557001",
    "+14155557001",
    "+14155557002",
    "+14155557002",
    "+14155557004",
    "+14155557004",
  ]);

  // Two busy calls each, retries granted: +1 busy retry is allowed at most now, and none for the first.
  const edit = (retry: Record<string, unknown>) =>
    f.call({ method: "PATCH", url: `/v1/campaigns/${c.id}`, payload: { settings: { retry } } });
  assert.equal((await edit({ busy: { ...busy, maxRetries: 1 } })).statusCode, 200);
  await f.clock.run({ until: f.clock.now() + 4 * 3_600_000 });
  const after = await dialed();
  assert.deepEqual(
    after.slice(6),
    ["+14155557003"],
    "the second contact's next number, and no busy retry beyond the new count",
  );
  const statuses = await f.store.db
    .selectFrom("contacts")
    .select(["status", "wait_reason"])
    .where("campaign_id", "=", c.id)
    .orderBy("id")
    .execute();
  assert.deepEqual(
    statuses.map((s) => [s.status, s.wait_reason]),
    [
      ["exhausted", "retries_used_on_busy"],
      // Its third call (the default limit of attempts per contact), on its second number.
      ["exhausted", "max_attempts_per_contact"],
      ["exhausted", "retries_used_on_busy"],
    ],
  );
});
