// Parallel dialing moves to the next number at once after a failed attempt, and waits the retry interval
// only when it comes back round to a number already tried. When the claim passes the next number over (on
// a do-not-call list, say) it goes round from there to the number just rung: that is coming back round too,
// and must wait the interval, not ring the same person again half a minute later.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { editContact } from "../../src/lists/contact-edit.ts";
import { addDncNumbers } from "../../src/store/dnc.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

// 10:00 in New York, where the numbers are: inside any calling hours.
const START = Date.UTC(2026, 0, 5, 15, 0, 0);
const HOME = "+12125550100";
const MOBILE = "+12125550101";
const WORK = "+12125550102";

for (const dialect of dialects()) {
  describe(`parallel dialing round a passed-over number [${dialect.name}]`, () => {
    test("a listed second number sends the contact back to the first after its retry interval", async () => {
      const h = await harness({ start: START, scenario: "always_no_answer", openStore: dialect.open });
      try {
        await addDncNumbers(
          h.store,
          { accountId: h.accountId, campaignId: 0 },
          [{ phone: MOBILE, source: "test", reason: "asked not to be called", expiresAt: null }],
          h.clock.now(),
        );
        const id = await h.campaign(
          { multiNumber: "parallel", maxAttemptsPerContact: 3, retryIntervalSec: 3600 },
          [{ phones: [HOME, MOBILE] }],
        );
        await h.engine.start(h.accountId, id);
        await h.runToEnd(2 * 86_400_000);
        const calls = await h.attempts(id);
        assert.deepEqual(
          calls.map((a) => a.phone),
          [HOME, HOME, HOME],
        );
        const starts = calls.map((a) => Number(a.started_at));
        const ends = calls.map((a) => Number(a.ended_at));
        for (let i = 1; i < calls.length; i++) {
          assert.ok(
            starts[i] - ends[i - 1] >= 3_600_000,
            `call ${i + 1} came ${(starts[i] - ends[i - 1]) / 1000} s after the one before`,
          );
        }
        const [contact] = await h.contacts(id);
        assert.equal(contact.status, "exhausted");
      } finally {
        await h.close();
      }
    });

    test("going round past a listed third number waits the interval; a number not yet tried does not", async () => {
      const h = await harness({ start: START, scenario: "always_no_answer", openStore: dialect.open });
      try {
        await addDncNumbers(
          h.store,
          { accountId: h.accountId, campaignId: 0 },
          [{ phone: WORK, source: "test", reason: "asked not to be called", expiresAt: null }],
          h.clock.now(),
        );
        const id = await h.campaign(
          { multiNumber: "parallel", maxAttemptsPerContact: 4, retryIntervalSec: 3600 },
          [{ phones: [HOME, MOBILE, WORK] }],
        );
        await h.engine.start(h.accountId, id);
        await h.runToEnd(2 * 86_400_000);
        const calls = await h.attempts(id);
        assert.deepEqual(
          calls.map((a) => a.phone),
          [HOME, MOBILE, HOME, MOBILE],
        );
        const gap = (i: number) => Number(calls[i].started_at) - Number(calls[i - 1].ended_at);
        assert.ok(gap(1) < 60_000, `the second number, not yet tried, came ${gap(1) / 1000} s later`);
        assert.ok(gap(2) >= 3_600_000, `back round to the first: ${gap(2) / 1000} s`);
        assert.ok(gap(3) < 60_000, `the second number again in that round: ${gap(3) / 1000} s`);
      } finally {
        await h.close();
      }
    });
  });
}

describe("parallel dialing and a phones edit between two numbers", () => {
  /** A contact whose first number has just been rung (no answer), waiting to move on to its second, when
   *  its phones are edited to `phones`: the calls that follow. */
  async function editedAfterFirstCall(phones: string[]) {
    const h = await harness({ start: START, scenario: "always_no_answer" });
    try {
      const id = await h.campaign(
        { multiNumber: "parallel", maxAttemptsPerContact: 4, retryIntervalSec: 3600 },
        [{ phones: [HOME, MOBILE] }],
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({
        until: h.clock.now() + 600_000,
        stop: () => h.originated.length >= 1 && h.engine.dispatcher.inFlight === 0,
      });
      // Paused (or its channels busy) before the second number goes out; the CRM edits the phones.
      await h.engine.pause(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 5_000 });
      const [c] = await h.contacts(id);
      assert.equal(c.phone_index, 1, "waiting to move on to the second number");
      const edited = await editContact(h.store, h.accountId, c.id, { phones }, { now: h.clock.now() });
      assert.equal(edited.kind, "edited");
      await h.engine.resume(h.accountId, id);
      await h.runToEnd(2 * 86_400_000);
      const calls = await h.attempts(id);
      const gap = (i: number) => Number(calls[i].started_at) - Number(calls[i - 1].ended_at);
      return { phones: calls.map((a) => a.phone), gap };
    } finally {
      await h.close();
    }
  }

  test("a number added after: the pass goes on to the second number, and comes back round after the interval", async () => {
    const { phones, gap } = await editedAfterFirstCall([HOME, MOBILE, WORK]);
    assert.deepEqual(phones, [HOME, MOBILE, WORK, HOME]);
    assert.ok(gap(1) < 60_000, `the second number right after the edit: ${gap(1) / 1000} s`);
    assert.ok(gap(3) >= 3_600_000 - 60_000, `back round to the first: ${gap(3) / 1000} s`);
  });

  test("the second number replaced: the new one is rung, not the first again", async () => {
    const { phones, gap } = await editedAfterFirstCall([HOME, WORK]);
    assert.deepEqual(phones.slice(0, 2), [HOME, WORK]);
    assert.ok(gap(1) < 60_000, `the new number right after the edit: ${gap(1) / 1000} s`);
    assert.ok(gap(2) >= 3_600_000 - 60_000, `back round to the first: ${gap(2) / 1000} s`);
  });

  test("the numbers reordered: the second is rung, and the first, now after it, waits its interval", async () => {
    const { phones, gap } = await editedAfterFirstCall([MOBILE, HOME]);
    assert.deepEqual(phones.slice(0, 3), [HOME, MOBILE, HOME]);
    assert.ok(gap(1) < 60_000, `the second number right after the edit: ${gap(1) / 1000} s`);
    assert.ok(gap(2) >= 3_600_000 - 60_000, `the first number again after ${gap(2) / 1000} s`);
  });

  test("only the first number left: it waits its retry interval", async () => {
    const { phones, gap } = await editedAfterFirstCall([HOME]);
    assert.equal(phones[1], HOME);
    assert.ok(gap(1) >= 3_600_000 - 60_000, `the first number again after ${gap(1) / 1000} s`);
  });
});
