// A running campaign's edited hours reach the contacts already put off by the old ones: those waiting on a
// window, cap or gap the settings set are judged again at once; a retry's own interval stands. Against the
// HTTP API, on both dialects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseSettings } from "../../src/api/native/views.ts";
import { findCampaign, updateCampaign } from "../../src/store/campaigns.ts";
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

    test("a wait named for the contact's own window, which the old hours made longer, is judged again too", async () => {
      const today = Date.UTC(2026, 0, 5);
      // Callee window 08:00-12:30 London (UTC in January): open at 12:00. The contact's own daily window,
      // 13:00-09:00 UTC, is shut: together they next meet tomorrow 08:00, a wait named "daily_window".
      const { id, listId } = await createCampaignViaApi(f, {
        name: "masked",
        settings: { scenario: "all_human", calleeWindow: { from: "08:00", to: "12:30" } },
      });
      assert.ok(f.clock.now() < today + 12.5 * 3600_000, "the fixture's clock is still before 12:30 UTC");
      const [c] = await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        {
          phones: JSON.stringify(["+442071234569"]),
          time_zone: "Europe/London",
          daily_from_sec: 13 * 3600,
          daily_to_sec: 9 * 3600,
          ready: 1,
        },
      ]);
      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
      const [put] = await stepUntil(
        () => contactsOf(id),
        ([one]) => one.wait_reason !== null,
      );
      assert.equal(put.id, c);
      assert.equal(put.wait_reason, "daily_window");
      assert.equal(
        Number(put.next_attempt_at),
        today + 86_400_000 + 8 * 3600_000,
        "put off to tomorrow 08:00",
      );
      const patch = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${id}`,
        payload: { settings: { calleeWindow: { from: "08:00", to: "21:00" } } },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      // Its own window opens at 13:00 today, within the widened hours.
      const [after] = await stepUntil(
        () => contactsOf(id),
        ([one]) => one.wait_reason !== null && Number(one.next_attempt_at) <= today + 13 * 3600_000,
      );
      assert.equal(after.wait_reason, "daily_window");
      assert.equal(Number(after.next_attempt_at), today + 13 * 3600_000);
    });

    test("an edit written by another node: what this node's passes put off under the old hours meanwhile is judged again", async () => {
      const { id, listId } = await createCampaignViaApi(f, {
        name: "elsewhere",
        settings: { scenario: "all_human", calleeWindow: { from: "22:00", to: "23:00" } },
      });
      const [c] = await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        { phones: JSON.stringify(["+442071234570"]), time_zone: "Europe/London", ready: 1 },
      ]);
      assert.equal((await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` })).statusCode, 200);
      await stepUntil(
        () => contactsOf(id),
        ([one]) => one.wait_reason === "callee_window",
      );
      // Another node takes the edit: it is written (with its own re-judging), and this engine is not told.
      const row = await findCampaign(f.store.db, f.accountId, id);
      assert.ok(row);
      const settings = { ...parseSettings(row), calleeWindow: { from: "00:00", to: "24:00" } };
      assert.ok(
        await updateCampaign(f.store.db, f.accountId, id, { settings, basedOn: row, now: f.clock.now() }),
      );
      // A pass here, still under the old hours, puts the contact off again to 22:00.
      f.engine.wake();
      await stepUntil(
        () => contactsOf(id),
        ([one]) => one.wait_reason === "callee_window",
      );
      // This node's maintenance reads the edit; its next pass judges the contact again, and dials it.
      const [after] = await stepUntil(
        () => contactsOf(id),
        ([one]) => one.attempts > 0,
      );
      assert.equal(after.id, c);
      assert.equal(after.attempts, 1, `still put off to ${after.next_attempt_at} (${after.wait_reason})`);
    });
  });
