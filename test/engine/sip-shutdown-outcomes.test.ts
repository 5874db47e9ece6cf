// A node that stops (src/server.ts: stop dialing, close the driver, then shut the engine down) records how
// each call its sip driver hung up ended. The driver dropped its ended events once close() began, so the
// attempt stayed open and the contact in progress, for another node to record lost and dial again; and a
// call close() gave up on (a BYE the trunk never answered) was dropped unreported the same way.
import assert from "node:assert/strict";
import { it } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { openStore } from "../../src/store/db.ts";
import { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { FarEnd } from "../telephony/sip-harness.ts";

/** A node dialing one contact through a sip driver toward a bare far end, the callee on the line; `stop`
 *  runs src/server.ts's closeAll in its order, `answerBye` saying whether the trunk answers our BYE. */
async function nodeWithCallUp(closeWaitMs: number) {
  const far = await FarEnd.open();
  const clock = new WallClock();
  const store = await openStore({ url: ":memory:" });
  const driver = new SipDriver(
    { clock },
    {
      trunk: { host: "127.0.0.1", port: far.port },
      bindHost: "127.0.0.1",
      bindPort: 0,
      t1Ms: 100,
      warn: () => {},
      closeWaitMs,
    },
  );
  await driver.start();
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: "node-1",
    leaseMs: 60_000,
    onError: (e) => errors.push(e),
  });
  const now = clock.now();
  const accountId = await createAccount(store, "acme", now);
  const ids = await createCampaign(
    store,
    accountId,
    { calleeWindow: { from: "00:00", to: "24:00" }, ringTimeoutSec: 20 },
    { now },
  );
  await addContacts(store, { accountId, ...ids }, [{ phones: ["+12025550101"] }], now);
  await engine.run();
  await engine.start(accountId, ids.campaignId);
  await far.answer(); // the callee is on the line
  await new Promise((r) => setTimeout(r, 200));
  return {
    errors,
    async stop(answerBye: boolean) {
      await engine.stopDialing();
      const closing = driver.close();
      const bye = await far.next("BYE ");
      if (answerBye) far.reply(bye, 200, "OK");
      await closing;
      await engine.shutdown();
      const attempts = await store.db
        .selectFrom("attempts")
        .select(["outcome", "ended_at", "talk_sec"])
        .execute();
      const contacts = await store.db.selectFrom("contacts").select(["status", "lease_owner"]).execute();
      return { attempts, contacts };
    },
    async cleanup() {
      await driver.close();
      await store.close();
      await far.close();
    },
  };
}

it("server.ts's close order records the outcome of a sip call the driver hangs up", {
  timeout: 20_000,
}, async () => {
  const node = await nodeWithCallUp(2000);
  try {
    const { attempts, contacts } = await node.stop(true);
    assert.deepEqual(node.errors, []);
    assert.equal(attempts.length, 1);
    assert.notEqual(attempts[0].ended_at, null, "the hung-up call's attempt was recorded");
    assert.notEqual(contacts[0].status, "in_progress");
  } finally {
    await node.cleanup();
  }
});

it("server.ts's close order records an answered sip call whose BYE the trunk never answers", {
  timeout: 20_000,
}, async () => {
  const node = await nodeWithCallUp(500);
  try {
    const { attempts, contacts } = await node.stop(false);
    assert.deepEqual(node.errors, []);
    assert.equal(attempts.length, 1);
    assert.notEqual(attempts[0].ended_at, null, "the answered call's attempt was recorded");
    // The callee talked to us until we hung up: a person reached, not a call lost with its node.
    assert.equal(attempts[0].outcome, "human");
    assert.ok((attempts[0].talk_sec ?? 0) > 0, `talk ${attempts[0].talk_sec}`);
    assert.notEqual(contacts[0].status, "in_progress");
  } finally {
    await node.cleanup();
  }
});
