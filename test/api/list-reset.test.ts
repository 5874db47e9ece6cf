// POST /v1/campaigns/{id}/lists/{listId}/reset: a list's finished contacts go back to pending for another
// round, with fresh attempt counts and their history kept; do-not-call contacts, contacts on a call, other
// lists and (by default) successes stay as they are; an abandoned callee still waits 72 h from that call's
// end; the campaign dials them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { NewContact } from "../../src/store/schema.ts";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  errorOf,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

const HOUR = 3_600_000;

for (const dialect of dialects()) {
  describe(`list reset [${dialect.name}]`, () => {
    let f: ApiFixture;
    let campaignId: number;
    let listId: number;
    let otherList: number;
    const ids: Record<string, number> = {};

    before(async () => {
      f = await apiFixture(dialect.open);
      ({ id: campaignId, listId } = await createCampaignViaApi(f, {
        name: "reset",
        settings: { maxAttemptsPerContact: 3 },
      }));
      otherList = (
        await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/lists`, payload: { name: "B" } })
      ).json().id;
      const now = f.clock.now();
      const finished = (status: string, more: Partial<NewContact> = {}): Partial<NewContact> => ({
        status,
        attempts: 3,
        phone_attempts: "[3]",
        retry_counts: '{"busy":2}',
        last_outcome: "busy",
        last_attempt_at: now - 2 * HOUR,
        ...more,
      });
      const specs: [string, Partial<NewContact>][] = [
        [
          "failed",
          finished("failed", {
            phones: '["+12125550101","+12125550102"]',
            phone_attempts: "[2,1]",
            phone_index: 1,
          }),
        ],
        ["exhausted", finished("exhausted")],
        ["succeeded", finished("succeeded", { last_outcome: "human" })],
        ["suppressed", finished("suppressed")],
        ["inProgress", { status: "in_progress", attempts: 1 }],
        ["pending", { status: "pending", attempts: 1, next_attempt_at: now + HOUR, wait_reason: "retry" }],
        ["abandoned", finished("exhausted", { last_outcome: "abandoned", last_attempt_at: now - HOUR })],
        // Abandoned, then not answered on a later call (the agent's personal callback, say).
        [
          "abandonedBefore",
          finished("exhausted", { last_outcome: "no_answer", last_attempt_at: now - 2 * HOUR }),
        ],
      ];
      const at = { accountId: f.accountId, campaignId, listId };
      const made = await insertContacts(
        f.store,
        at,
        specs.map(([, s], i) => ({ phones: JSON.stringify([`+1212555${String(2000 + i)}`]), ...s })),
      );
      specs.forEach(([name], i) => {
        ids[name] = made[i];
      });
      [ids.otherList] = await insertContacts(f.store, { ...at, listId: otherList }, [finished("failed")]);
      // Their three attempts on record: the next round numbers its attempts after them.
      for (const name of ["failed", "exhausted", "succeeded"]) {
        for (let seq = 1; seq <= 3; seq++) {
          await insertAttempt(f.store, {
            ...at,
            contactId: ids[name],
            seq,
            startedAt: now - (5 - seq) * HOUR,
            outcome: "busy",
          });
        }
      }
      // The abandoned calls: dialed, answered 20 s later, hung up on 2 s after that (last_attempt_at is
      // the dial).
      const abandonedCall = (name: string, seq: number, startedAt: number) =>
        insertAttempt(f.store, {
          ...at,
          contactId: ids[name],
          seq,
          startedAt,
          answeredAt: startedAt + 20_000,
          endedAt: startedAt + 22_000,
          outcome: "abandoned",
        });
      await abandonedCall("abandoned", 3, now - HOUR);
      await abandonedCall("abandonedBefore", 2, now - 3 * HOUR);
      await insertAttempt(f.store, {
        ...at,
        contactId: ids.abandonedBefore,
        seq: 3,
        startedAt: now - 2 * HOUR,
        outcome: "no_answer",
      });
    });
    after(() => f.close());

    const reset = (body?: object, list = listId, campaign = campaignId) =>
      f.call({
        method: "POST",
        url: `/v1/campaigns/${campaign}/lists/${list}/reset`,
        ...(body === undefined ? {} : { payload: body }),
      });
    const row = (name: string) =>
      f.store.db.selectFrom("contacts").selectAll().where("id", "=", ids[name]).executeTakeFirstOrThrow();

    test("refusals name the field, and touch nothing", async () => {
      const cases: [object, number, string?][] = [
        [{ statuses: ["suppressed"] }, 400, "body.statuses"],
        [{ statuses: [] }, 400, "body.statuses"],
        [{ startAt: "tomorrow" }, 400, "body.startAt"],
        [{ everything: true }, 400, "body"],
      ];
      for (const [body, status, field] of cases) {
        const res = await reset(body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        if (field) assert.match(errorOf(res).field ?? "", new RegExp(`^${field.replace(/\./g, "\\.")}`));
      }
      assert.equal((await reset({}, 999_999)).statusCode, 404);
      const other = await createCampaignViaApi(f, { name: "other" });
      assert.equal((await reset({}, listId, other.id)).statusCode, 404, "a list of another campaign");
      const stranger = await f.newAccount("stranger");
      const foreign = await f.call({
        method: "POST",
        url: `/v1/campaigns/${campaignId}/lists/${listId}/reset`,
        payload: {},
        key: stranger.key,
      });
      assert.equal(foreign.statusCode, 404);
      assert.equal((await row("failed")).status, "failed");
    });

    test("failed and exhausted contacts go back with fresh counts; the rest stay", async () => {
      const now = f.clock.now();
      const res = await reset();
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { list_id: listId, reset: 4, campaign_status: "draft" });
      const failed = await row("failed");
      assert.deepEqual(
        [failed.status, failed.attempts, failed.phone_index, failed.phone_attempts, failed.retry_counts],
        ["pending", 3, 0, "[0,0]", '{"earlierRounds":3}'],
      );
      assert.equal(Number(failed.next_attempt_at), now);
      assert.equal(failed.wait_reason, null);
      assert.equal((await row("exhausted")).status, "pending");
      const abandoned = await row("abandoned");
      assert.equal(abandoned.status, "pending");
      assert.equal(
        Number(abandoned.next_attempt_at),
        now - HOUR + 22_000 + 72 * HOUR,
        "72 h from the abandoned call's end, not its dial",
      );
      assert.equal(abandoned.wait_reason, "abandoned_72h");
      const before = await row("abandonedBefore");
      assert.deepEqual(
        [before.status, Number(before.next_attempt_at), before.wait_reason],
        ["pending", now - 3 * HOUR + 22_000 + 72 * HOUR, "abandoned_72h"],
        "an abandoned call before the last one still counts",
      );
      for (const [name, status] of [
        ["succeeded", "succeeded"],
        ["suppressed", "suppressed"],
        ["inProgress", "in_progress"],
        ["otherList", "failed"],
      ]) {
        assert.equal((await row(name)).status, status, name);
      }
      const lists = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/lists` })).json().data;
      assert.deepEqual(
        lists.map((l: { id: number; contact_count: number; status_counts: object }) => [
          l.id,
          l.contact_count,
          l.status_counts,
        ]),
        [
          [listId, 8, { pending: 5, succeeded: 1, suppressed: 1, in_progress: 1 }],
          [otherList, 1, { failed: 1 }],
        ],
        "each list's contacts by status",
      );
      const pending = await row("pending");
      assert.deepEqual(
        [pending.attempts, Number(pending.next_attempt_at)],
        [1, now + HOUR],
        "a pending one as it was",
      );
    });

    test("chosen statuses, from a start time; the campaign then dials them", async () => {
      const now = f.clock.now();
      const res = await reset({ statuses: ["succeeded"], startAt: new Date(now + HOUR).toISOString() });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().reset, 1);
      const succeeded = await row("succeeded");
      assert.deepEqual([succeeded.status, Number(succeeded.next_attempt_at)], ["pending", now + HOUR]);
      assert.equal(succeeded.wait_reason, "start_at");

      await f.store.db
        .updateTable("contacts")
        .set({ status: "failed" })
        .where("id", "=", ids.inProgress)
        .execute();
      assert.equal(
        (await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/start` })).statusCode,
        200,
      );
      await f.clock.run({ until: now + 10 * 60_000 });
      await f.engine.dispatcher.flush();
      const dialed = await f.store.db
        .selectFrom("attempts")
        .select("contact_id")
        .where("campaign_id", "=", campaignId)
        .where("started_at", ">=", now)
        .execute();
      const called = new Set(dialed.map((a) => Number(a.contact_id)));
      const fresh = await f.store.db
        .selectFrom("attempts")
        .select(["contact_id", "seq"])
        .where("campaign_id", "=", campaignId)
        .where("seq", ">", 3)
        .orderBy("contact_id")
        .execute();
      assert.ok(
        fresh.some((a) => Number(a.contact_id) === ids.failed && a.seq === 4),
        "the new round's first attempt follows the three on record",
      );
      assert.ok(called.has(ids.failed) && called.has(ids.exhausted), "reset contacts were dialed again");
      assert.ok(!called.has(ids.abandoned), "not within 72 h of the abandoned call");
      assert.ok(!called.has(ids.abandonedBefore), "nor of an abandoned call before its last one");
      assert.ok(!called.has(ids.succeeded), "not before its start time");
      assert.ok(!called.has(ids.suppressed) && !called.has(ids.otherList));
    });
  });
}
