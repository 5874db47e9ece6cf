// Do-not-call suppression at dial time, on the virtual clock and each store dialect: a listed number is
// never handed to the driver, whether it was listed before or after its contact was imported, a listed
// phone of a multi-phone contact is passed over for the next one, a contact with nothing but listed phones
// settles as suppressed without a call, and a number taken off the list (or whose entry lapsed) is dialed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { insertAccount } from "../../src/store/accounts.ts";
import { accountList, addDncNumbers, removeDncNumber } from "../../src/store/dnc.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";
import { forcedOutcomes } from "../helpers/scenarios.ts";
import { dialects } from "../helpers/stores.ts";

// 10:00 in New York, where the numbers are: inside any default calling hours.
const START = Date.UTC(2026, 0, 5, 15, 0, 0);
const MINUTE = 60_000;
const busyRetries = { maxAttemptsPerContact: 6, retry: { busy: { intervalSec: 600, maxRetries: 3 } } };

function list(
  h: Harness,
  phones: string[],
  opts: { accountId?: number; campaignId?: number; expiresAt?: number } = {},
) {
  const entries = phones.map((phone) => ({
    phone,
    source: "test",
    reason: "asked not to be called",
    expiresAt: opts.expiresAt ?? null,
  }));
  const owner = { accountId: opts.accountId ?? h.accountId, campaignId: opts.campaignId ?? 0 };
  return addDncNumbers(h.store, owner, entries, h.clock.now());
}

const dialed = (h: Harness) => h.originated.map((r) => r.to);

for (const dialect of dialects()) {
  describe(`do-not-call at dial time [${dialect.name}]`, () => {
    const open = (scenario: string | Record<string, unknown> = "all_human") =>
      harness({ start: START, scenario, openStore: dialect.open });

    test("a listed number is never originated; the contact settles as suppressed, with its event", async () => {
      const h = await open();
      const hook = await insertWebhook(h.store.db, {
        accountId: h.accountId,
        campaignId: null,
        url: "http://127.0.0.1:9/hook",
        secret: "s",
        events: ["contact.status_changed"],
        delaySec: 0,
        partialResults: true,
        maxAttempts: 1,
        active: true,
        now: h.clock.now(),
      });
      await list(h, ["+12125550100"]);
      // Another account's list is not this one's.
      const other = await insertAccount(h.store.db, "other", h.clock.now());
      await list(h, ["+12125550101"], { accountId: other });
      const id = await h.campaign({}, [
        { phones: ["+12125550100"] },
        { phones: ["+12125550101"] },
        { phones: ["+12125550102"] },
      ]);
      await h.engine.start(h.accountId, id);
      await h.runToEnd();

      assert.deepEqual(dialed(h).sort(), ["+12125550101", "+12125550102"]);
      const [listed, ...rest] = await h.contacts(id);
      assert.equal(listed.status, "suppressed");
      assert.equal(listed.wait_reason, "dnc");
      assert.equal(listed.attempts, 0);
      assert.deepEqual(
        rest.map((c) => c.status),
        ["succeeded", "succeeded"],
      );
      assert.equal((await h.attempts(id)).length, 2);
      const events = await h.store.db
        .selectFrom("webhook_deliveries")
        .select("payload")
        .where("webhook_id", "=", hook.id)
        .execute();
      const suppressed = events.map((e) => JSON.parse(e.payload).data).filter((d) => d.to === "suppressed");
      assert.equal(suppressed.length, 1);
      assert.deepEqual(
        { id: suppressed[0].contact.id, reason: suppressed[0].contact.reason },
        { id: listed.id, reason: "dnc" },
      );
      await h.close();
    });

    test("a number listed after its contact was imported, even between two attempts, is not dialed again", async () => {
      const h = await open(forcedOutcomes({ "+12125550200": "busy" }, "all_human"));
      const id = await h.campaign(busyRetries, [
        { phones: ["+12125550200"] },
        { phones: ["+12125550201"], startAt: START + 30 * MINUTE },
      ]);
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: START + 5 * MINUTE });
      assert.deepEqual(dialed(h), ["+12125550200"], "the first attempt went out before the listing");

      await list(h, ["+12125550200", "+12125550201"]);
      await h.runToEnd();
      assert.deepEqual(dialed(h), ["+12125550200"]);
      const contacts = await h.contacts(id);
      assert.deepEqual(
        contacts.map((c) => [c.status, c.wait_reason, c.attempts]),
        [
          ["suppressed", "dnc", 1],
          ["suppressed", "dnc", 0],
        ],
      );
      await h.close();
    });

    for (const multiNumber of ["sequential", "parallel"] as const) {
      test(`a two-phone contact with phone 1 listed is dialed on phone 2 only (${multiNumber})`, async () => {
        const h = await open(forcedOutcomes({ "+12125550301": "busy" }, "all_human"));
        await list(h, ["+12125550300"]);
        const id = await h.campaign({ ...busyRetries, multiNumber }, [
          { phones: ["+12125550300", "+12125550301"] },
        ]);
        await h.engine.start(h.accountId, id);
        await h.runToEnd();
        assert.deepEqual(dialed(h), Array(4).fill("+12125550301"), "first try and its 3 busy retries");
        assert.ok((await h.attempts(id)).every((a) => a.phone_index === 1));
        const [contact] = await h.contacts(id);
        // Sequential has nothing after phone 2; parallel comes back round to phone 1, which is listed.
        const settled =
          multiNumber === "sequential" ? ["exhausted", "retries_used_on_busy"] : ["suppressed", "dnc"];
        assert.deepEqual([contact.status, contact.wait_reason], settled);
        assert.deepEqual(JSON.parse(contact.phone_attempts), [0, 4]);
        await h.close();
      });
    }

    test("a contact whose phones are all listed ends suppressed without a call", async () => {
      const h = await open();
      await list(h, ["+12125550400", "+12125550401"]);
      const id = await h.campaign({}, [{ phones: ["+12125550400", "+12125550401"] }]);
      await h.engine.start(h.accountId, id);
      await h.runToEnd();
      assert.deepEqual(dialed(h), []);
      const [contact] = await h.contacts(id);
      assert.deepEqual([contact.status, contact.wait_reason, contact.attempts], ["suppressed", "dnc", 0]);
      assert.deepEqual(await h.engine.dispatch.countByStatus(id), { suppressed: 1 });
      await h.close();
    });

    test("a number taken off the list, or whose entry lapsed, is dialed again", async () => {
      const h = await open();
      await list(h, ["+12125550500"]);
      await list(h, ["+12125550501"], { expiresAt: START + 20 * MINUTE });
      const id = await h.campaign({}, [
        { phones: ["+12125550500"], startAt: START + 30 * MINUTE },
        { phones: ["+12125550501"], startAt: START + 30 * MINUTE },
      ]);
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: START + 10 * MINUTE });
      assert.equal(
        await removeDncNumber(h.store.db, accountList(h.accountId), "+12125550500", h.clock.now()),
        true,
      );
      await h.runToEnd();
      assert.deepEqual(dialed(h).sort(), ["+12125550500", "+12125550501"]);
      assert.deepEqual(
        (await h.contacts(id)).map((c) => c.status),
        ["succeeded", "succeeded"],
      );
      await h.close();
    });

    test("a campaign's own list keeps that campaign from a number; other campaigns still dial it", async () => {
      const h = await open();
      const people = [{ phones: ["+12125550600"] }, { phones: ["+12125550601"] }];
      const first = await h.campaign({}, people, "first");
      const second = await h.campaign({}, people, "second");
      assert.deepEqual(await list(h, ["+12125550600"], { campaignId: first }), {
        added: 1,
        alreadyListed: 0,
      });
      // Listed again for the same campaign: a refresh of its entry, not a second one.
      assert.deepEqual(await list(h, ["+12125550600"], { campaignId: first }), {
        added: 0,
        alreadyListed: 1,
      });
      await h.engine.start(h.accountId, first);
      await h.engine.start(h.accountId, second);
      await h.runToEnd();
      const calls = h.originated.map((r) => [r.to, r.callId]);
      assert.equal(
        calls.filter(([to]) => to === "+12125550600").length,
        1,
        "dialed once: by the second only",
      );
      assert.deepEqual(
        (await h.contacts(first)).map((c) => c.status),
        ["suppressed", "succeeded"],
      );
      assert.deepEqual(
        (await h.contacts(second)).map((c) => c.status),
        ["succeeded", "succeeded"],
      );
      await h.close();
    });
  });
}
