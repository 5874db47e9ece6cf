// A running campaign's edited hours reach the contacts already put off by the old ones: those waiting on a
// window, cap or gap the settings set are judged again at once; a retry's own interval stands. Against the
// HTTP API, on both dialects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  advanceClockUntil,
  apiFixture,
  createCampaignViaApi,
  insertContacts,
} from "./helpers.ts";

const LONDON = "+442071234567";

for (const dialect of dialects())
  describe(`editing a campaign's hours re-judges the contacts they put off [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const contactsOf = (campaignId: number) =>
      f.store.db
        .selectFrom("contacts")
        .select(["id", "next_attempt_at", "wait_reason", "attempts"])
        .where("campaign_id", "=", campaignId)
        .orderBy("id")
        .execute();

    /** Steps the virtual clock a second at a time until `ok` holds of what `read` gives (or 120 steps). */
    async function stepUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
      for (let i = 0; i < 120; i++) {
        const v = await read();
        if (ok(v)) return v;
        await f.clock.run({ until: f.clock.now() + 1000 });
        await new Promise((r) => setTimeout(r, 5));
      }
      return read();
    }

    test("a widened callee window dials at once the contact the old one put off; a retry keeps its time", async () => {
      // Monday 12:00 UTC (12:00 in London); the callee window opens at 20:00.
      const { id, listId } = await createCampaignViaApi(f, {
        name: "widen",
        settings: { scenario: "all_human", calleeWindow: { from: "20:00", to: "21:00" } },
      });
      const now = f.clock.now();
      const retryAt = now + 6 * 3600_000;
      const [windowed, retrying] = await insertContacts(
        f.store,
        { accountId: f.accountId, campaignId: id, listId },
        [
          { phones: JSON.stringify([LONDON]), time_zone: "Europe/London", ready: 1 },
          {
            phones: JSON.stringify(["+442071234568"]),
            time_zone: "Europe/London",
            ready: 0,
            attempts: 1,
            next_attempt_at: retryAt,
            wait_reason: "retry",
          },
        ],
      );
      const start = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
      assert.equal(start.statusCode, 200, start.body);
      const put = (
        await stepUntil(
          () => contactsOf(id),
          (cs) => cs.some((c) => c.id === windowed && c.wait_reason !== null),
        )
      ).find((c) => c.id === windowed);
      assert.equal(put?.wait_reason, "callee_window", "put off by the closed callee window");
      assert.equal(Number(put?.next_attempt_at), Date.UTC(2026, 0, 5, 20, 0, 0));

      const dialed = f.engine.dispatcher.stats.originated;
      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${id}`,
        payload: { settings: { calleeWindow: { from: "08:00", to: "21:00" } } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      await advanceClockUntil(f, () => f.engine.dispatcher.stats.originated > dialed, 1000, 120);
      const after = await contactsOf(id);
      const w = after.find((c) => c.id === windowed);
      assert.equal(
        w?.attempts,
        1,
        `not dialed under the widened window: waits until ${w?.next_attempt_at} (${w?.wait_reason})`,
      );
      const r = after.find((c) => c.id === retrying);
      assert.equal(r?.attempts, 1, "the retry was not brought forward");
      assert.equal(Number(r?.next_attempt_at), retryAt);
      assert.equal(r?.wait_reason, "retry");
    });

    test("a narrowed window puts the contact off again, to the new opening", async () => {
      const { id, listId } = await createCampaignViaApi(f, {
        name: "narrow",
        settings: { scenario: "all_human", calleeWindow: { from: "20:00", to: "21:00" } },
      });
      const [c] = await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        { phones: JSON.stringify([LONDON]), time_zone: "Europe/London", ready: 1 },
      ]);
      const start = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
      assert.equal(start.statusCode, 200, start.body);
      await stepUntil(
        () => contactsOf(id),
        ([one]) => one.wait_reason === "callee_window",
      );
      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${id}`,
        payload: { settings: { calleeWindow: { from: "20:30", to: "21:00" } } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      const [after] = await stepUntil(
        () => contactsOf(id),
        ([one]) => one.wait_reason !== null && Number(one.next_attempt_at) > Date.UTC(2026, 0, 5, 20, 0, 0),
      );
      assert.equal(after.id, c);
      assert.equal(after.attempts, 0);
      assert.equal(after.wait_reason, "callee_window");
      const opening = new Date(Number(after.next_attempt_at)).toISOString();
      assert.equal(opening.slice(11, 16), "20:30", `put off to ${opening}`);
    });
  });
