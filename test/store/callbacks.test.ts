// scheduleCallback on both dialects: a settled contact waits for its callback with one attempt granted
// (retry_counts.callbacks, left out of the counted attempts); refused while the attempt or another of the
// contact is live, for another account's attempt, when a claim changed the contact in between, and (unless
// personal, or in a preview campaign) for a time within 72 h of an abandoned call of the contact. A
// personal callback is held for its agent: promotion, the next waiting time and the dial queue leave it
// out, a claim by its id takes it, and it is released to everyone when its agent no longer serves.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { countedAttempts } from "../../src/model/redial-policy.ts";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import type { ClaimDecision, FinishedAttempt } from "../../src/store/dispatch/types.ts";
import {
  nextPersonalCallback,
  releaseOrphanedCallbacks,
  releaseOverdueCallbacks,
  releasePersonalCallback,
} from "../../src/store/personal-callbacks.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = 1_000_000;
const AT = NOW + 7_200_000;

for (const dialect of dialects()) {
  describe(`scheduleCallback (${dialect.name})`, () => {
    let store: Store;
    let accountId: number;
    let contactId: number;
    let attemptId: number;
    beforeEach(async () => {
      store = await dialect.open();
      accountId = await createAccount(store, "acme");
      const ids = await createCampaign(store, accountId, { maxAttemptsPerContact: 1 });
      [contactId] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
      attemptId = await insertAttempt(store, {
        accountId,
        campaignId: ids.campaignId,
        contactId,
        seq: 1,
        startedAt: NOW - 60_000,
        outcome: "human",
      });
      await store.db
        .updateTable("contacts")
        .set({ status: "succeeded", attempts: 1, retry_counts: '{"human":1}', updated_at: NOW - 1 })
        .where("id", "=", contactId)
        .execute();
    });
    afterEach(() => store.close());

    const contact = () =>
      store.db.selectFrom("contacts").selectAll().where("id", "=", contactId).executeTakeFirstOrThrow();

    test("a settled contact waits for the callback, one attempt granted", async () => {
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW), null);
      const c = await contact();
      assert.equal(c.status, "pending");
      assert.equal(c.ready, 0);
      assert.equal(c.wait_reason, "callback");
      assert.equal(Number(c.next_attempt_at), AT);
      const counts = JSON.parse(c.retry_counts);
      assert.deepEqual(counts, { human: 1, "callbackOf:1": 1, callbacks: 1, callbacksMade: 0 });
      assert.equal(countedAttempts(c.attempts, counts), 0, "the next attempt is within a limit of 1");
      // Set again from the same call ("3 pm… no, 4 pm"), it moves: still the one attempt granted.
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT + 1000, NOW + 1), null);
      const moved = await contact();
      assert.equal(JSON.parse(moved.retry_counts).callbacks, 1);
      assert.equal(Number(moved.next_attempt_at), AT + 1000);
    });

    test("refused while live, for another account, and after a claim in between", async () => {
      const other = await createAccount(store, "other");
      assert.equal(await scheduleCallback(store, other, attemptId, AT, NOW), "not_found");
      await store.db.updateTable("attempts").set({ ended_at: null }).where("id", "=", attemptId).execute();
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW), "call_in_progress");
      await store.db
        .updateTable("attempts")
        .set({ ended_at: NOW - 1 })
        .where("id", "=", attemptId)
        .execute();
      await store.db
        .updateTable("contacts")
        .set({ status: "in_progress" })
        .where("id", "=", contactId)
        .execute();
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW), "call_in_progress");
      assert.equal((await contact()).status, "in_progress", "nothing written");
    });

    test("refused within 72 h of the end of an abandoned call of the contact, unless personal or preview", async () => {
      const { campaign_id: campaignId } = await contact();
      // The contact's next call, an hour later, was answered and abandoned: it waits 72 h from its end.
      const end = NOW + 3_600_000;
      await insertAttempt(store, {
        accountId,
        campaignId,
        contactId,
        seq: 2,
        startedAt: end - 30_000,
        answeredAt: end - 3_000,
        endedAt: end,
        outcome: "abandoned",
      });
      const waitEnd = end + 72 * 3_600_000;
      await store.db
        .updateTable("contacts")
        .set({ status: "pending", attempts: 2, next_attempt_at: waitEnd, wait_reason: "abandoned_72h" })
        .where("id", "=", contactId)
        .execute();
      const now = end + 60_000;
      // The agent's callback on the first call, 10 minutes on: the campaign would dial with no agent.
      const soon = now + 600_000;
      assert.deepEqual(await scheduleCallback(store, accountId, attemptId, soon, now), {
        abandonedWait: waitEnd,
      });
      assert.deepEqual(await scheduleCallback(store, accountId, attemptId, waitEnd - 1, now), {
        abandonedWait: waitEnd,
      });
      let c = await contact();
      assert.deepEqual(
        [c.wait_reason, Number(c.next_attempt_at), c.retry_counts],
        ["abandoned_72h", waitEnd, '{"human":1}'],
        "nothing written",
      );
      assert.equal(await scheduleCallback(store, accountId, attemptId, waitEnd, now), null, "from its end");
      c = await contact();
      assert.deepEqual([c.wait_reason, Number(c.next_attempt_at)], ["callback", waitEnd]);
      // The agent's own: it is reserved before the dial.
      assert.equal(await scheduleCallback(store, accountId, attemptId, soon, now + 1, 7), null);
      c = await contact();
      assert.deepEqual([c.wait_reason, Number(c.next_attempt_at)], ["callback_personal", soon]);
      // Handed to the campaign's other agents (its agent lets it go), it waits out the rest of the 72 h.
      assert.deepEqual(await releasePersonalCallback(store, accountId, 7, contactId, now + 2), {
        campaignId: Number(campaignId),
        at: waitEnd,
      });
      c = await contact();
      assert.deepEqual(
        [c.callback_agent_id, c.wait_reason, Number(c.next_attempt_at)],
        [null, "abandoned_72h", waitEnd],
      );
      // A preview campaign's every dial is an agent's.
      await store.db
        .updateTable("campaigns")
        .set({ settings: JSON.stringify(withDefaults({ dialMethod: "preview" })) })
        .where("id", "=", campaignId)
        .execute();
      assert.equal(await scheduleCallback(store, accountId, attemptId, soon, now + 3), null);
      assert.equal((await contact()).wait_reason, "callback");
    });

    test("a personal callback is held for its agent: out of promotion, claimed by id, released when orphaned", async () => {
      const campaignId = (await contact()).campaign_id;
      const [other] = await addContacts(store, { accountId, campaignId, listId: (await contact()).list_id }, [
        { phones: ["+12125550101"] },
      ]);
      // The other contact waits for later than the callback, so it shows what the waiting time comes from.
      await store.db
        .updateTable("contacts")
        .set({ ready: 0, next_attempt_at: AT + 60_000, wait_reason: "retry" })
        .where("id", "=", other)
        .execute();
      const agentId = 7;
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW, agentId), null);
      const held = await contact();
      assert.equal(held.wait_reason, "callback_personal");
      assert.equal(Number(held.callback_agent_id), agentId);
      assert.deepEqual(await nextPersonalCallback(store, agentId, campaignId), { contactId, at: AT });
      assert.equal(await nextPersonalCallback(store, agentId + 1, campaignId), null);

      const ds = openDispatchStore(store);
      const late = AT + 120_000;
      assert.equal(await ds.promoteDue(campaignId, late), 1, "only the other contact enters the queue");
      assert.equal((await contact()).ready, 0);
      assert.equal(await ds.nextWaitingAt(campaignId), null, "a held contact is no time to wake for");
      const counts = await ds.countByStatus(campaignId);
      assert.equal(counts.pending, 2, "a held contact is still pending (the campaign is not complete)");
      const waiting = await ds.waitingSummary(campaignId, late);
      assert.deepEqual(
        waiting.map((w) => [w.reason, w.count]),
        [
          ["callback_personal", 1],
          ["due", 1],
        ],
      );

      const claim = (only?: number, o: { agent?: number; now?: number; defer?: boolean } = {}) =>
        ds.claim({
          campaignId,
          limit: 5,
          owner: "node-a",
          now: o.now ?? late,
          leaseUntil: late + 60_000,
          recentSince: null,
          decide: (c): ClaimDecision =>
            o.defer
              ? { kind: "defer", until: late + 3_600_000, reason: "callee_window" }
              : {
                  kind: "start",
                  at: late,
                  phoneIndex: 0,
                  phone: (JSON.parse(c.phones) as string[])[0],
                  callerId: null,
                  phoneAttempts: "[1]",
                },
          held: only === undefined ? undefined : { contactId: only, agentId: o.agent ?? agentId },
        });
      assert.deepEqual(
        (await claim()).started.map((s) => s.contact.id),
        [other],
        "the dial queue holds the other contact only",
      );
      assert.equal((await claim(contactId, { agent: agentId + 1 })).examined, 0, "not another agent's claim");
      assert.equal((await claim(contactId, { now: AT - 1 })).examined, 0, "not before its time");
      // The rules may defer it (calling hours, say): it stays held.
      assert.equal((await claim(contactId, { defer: true })).started.length, 0);
      let c = await contact();
      assert.equal(c.wait_reason, "callback_personal");
      assert.equal(Number(c.callback_agent_id), agentId);
      assert.equal(Number(c.next_attempt_at), late + 3_600_000);
      await store.db
        .updateTable("contacts")
        .set({ next_attempt_at: AT })
        .where("id", "=", contactId)
        .execute();

      const mine = await claim(contactId);
      assert.deepEqual(
        mine.started.map((s) => s.contact.id),
        [contactId],
      );
      c = await contact();
      assert.equal(c.status, "in_progress");
      assert.equal(Number(c.callback_agent_id), agentId, "held until the attempt ends");
      assert.equal((await claim(contactId)).examined, 0, "claimed once");
      // Given back undialed (the agent skipped it or logged out): held for the agent again, not queued.
      const started = mine.started[0];
      await ds.release([
        {
          attemptId: started.attemptId,
          contactId,
          owner: "node-a",
          attempts: started.contact.attempts,
          phoneIndex: started.contact.phone_index,
          phoneAttempts: started.contact.phone_attempts,
        },
      ]);
      c = await contact();
      assert.deepEqual(
        [c.status, c.ready, c.wait_reason, Number(c.callback_agent_id)],
        ["pending", 0, "callback_personal", agentId],
      );
      // Claimed again and the call made: the attempt's end uses the hold up.
      const again = (await claim(contactId)).started[0];
      assert.ok(again, "claimed again");
      await ds.finish([
        {
          attemptId: again.attemptId,
          contactId,
          owner: "node-a",
          now: late + 60_000,
          answeredAt: late + 5_000,
          endedAt: late + 60_000,
          outcome: "human",
          cause: null,
          talkSec: 55,
          success: true,
          details: null,
          contact: { status: "succeeded", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "success" },
        } satisfies FinishedAttempt,
      ]);
      c = await contact();
      assert.equal(c.status, "succeeded");
      assert.equal(c.callback_agent_id, null);

      const holdAgain = () =>
        store.db
          .updateTable("contacts")
          .set({ status: "pending", ready: 0, wait_reason: "callback_personal", callback_agent_id: agentId })
          .where("id", "=", contactId)
          .execute();
      // Held again and handed on by its agent (or a supervisor): anyone's.
      await holdAgain();
      assert.equal(await releasePersonalCallback(store, accountId, agentId + 1, contactId, late), null);
      assert.equal(await releasePersonalCallback(store, accountId + 1000, agentId, contactId, late), null);
      assert.deepEqual(await releasePersonalCallback(store, accountId, agentId, contactId, late), {
        campaignId: Number(campaignId),
        at: AT,
      });
      c = await contact();
      assert.deepEqual([c.callback_agent_id, c.wait_reason], [null, "callback"]);
      assert.equal(await releasePersonalCallback(store, accountId, agentId, contactId, late), null, "once");

      // Held again and overdue by longer than the campaign lets it wait for its agent: anyone's.
      await holdAgain();
      assert.equal(await releaseOverdueCallbacks(store, campaignId, AT - 1, late), 0, "not due by then");
      assert.equal(
        await releaseOverdueCallbacks(store, campaignId + 1000, AT, late),
        0,
        "another campaign's",
      );
      assert.equal(await releaseOverdueCallbacks(store, campaignId, AT, late), 1);
      c = await contact();
      assert.deepEqual([c.callback_agent_id, c.wait_reason], [null, "callback"]);
      assert.equal(await releaseOverdueCallbacks(store, campaignId, late, late), 0, "once");

      // Held again, then its agent leaves the campaign: the callback is anyone's.
      await holdAgain();
      const asked: [number, number][] = [];
      const serves = async (c: number, a: number) => {
        asked.push([Number(c), Number(a)]);
        return false;
      };
      assert.equal(
        await releaseOrphanedCallbacks(store, accountId + 1000, serves, late),
        0,
        "another account's",
      );
      assert.equal(
        await releaseOrphanedCallbacks(store, accountId, async () => true, late),
        0,
        "still served",
      );
      assert.equal(await releaseOrphanedCallbacks(store, accountId, serves, late), 1);
      assert.deepEqual(asked, [[Number(campaignId), agentId]]);
      const released = await contact();
      assert.equal(released.callback_agent_id, null);
      assert.equal(released.wait_reason, "callback");
      assert.equal(await ds.promoteDue(campaignId, late), 1, "and promotion takes it now");
    });
  });
}
