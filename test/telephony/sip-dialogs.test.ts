// The sip driver against SIPp (scenarios in test/telephony/sipp/) where RFC 3261 is easy to get wrong: a 2xx
// that crosses our CANCEL or comes again after our BYE, a forked INVITE answered twice, a route set given
// in one header line, digest challenges beyond the first (a choice of algorithms, a proxy then the PBX,
// a stale nonce, a challenged BYE), a re-INVITE whose 200 is never ACKed.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { skipWithoutSipp } from "../helpers/sipp.ts";
import { sippSuite, sleep, until } from "./sip-harness.ts";

const alice = { username: "alice", password: "s3cret" };

describe("sip driver dialogs against SIPp", { skip: skipWithoutSipp }, () => {
  const { against, finished, cleanup } = sippSuite(10);
  after(cleanup);

  it("a 2xx crossing our CANCEL is ACKed and hung up, and ACKed again when it comes after our BYE", async () => {
    const { sipp, driver, call } = await against("cancel-crossing.xml");
    const h = call("x1");
    await until("ringing", () => h.ringing === 1);
    driver.hangup("x1");
    const ended = await h.ended;
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.code, 487);
    assert.equal(ended.answeredAfterCancel, true, "the callee answered and was hung up on");
    assert.deepEqual(h.answered, []);
    await finished(sipp);
    assert.equal(h.endings.length, 1);
  });

  it("a hang-up before any response waits for the first provisional to send its CANCEL (§9.1)", async () => {
    const { sipp, driver, call } = await against("ring.xml");
    const h = call("e1");
    driver.hangup("e1");
    const ended = await h.ended;
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.code, 487);
    await finished(sipp);
  });

  it("a forked INVITE answered twice: the second 2xx is ACKed in its own dialog and hung up", async () => {
    const { sipp, driver, call } = await against("fork.xml");
    const h = call("k1");
    await until("the answer", () => h.answered.length === 1);
    // forkB's dialog is ACKed, hung up, and its own BYE answered meanwhile; none of it ends the call.
    await sleep(600);
    assert.equal(h.endings.length, 0, "the call with forkA is still up");
    driver.hangup("k1");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.deepEqual(h.answered, ["human"]);
    await finished(sipp);
  });

  it("takes a Record-Route line naming two proxies as two routes, in reverse order", async () => {
    const { sipp, driver, call } = await against("record-route.xml");
    const h = call("rr1");
    await until("the answer", () => h.answered.length === 1);
    driver.hangup("rr1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });

  it("resends its 200 to a re-INVITE never ACKed, then ends the session with a BYE at 64·T1 (§13.3.1.4)", async () => {
    const { sipp, call } = await against("reinvite.xml", { t1Ms: 20 });
    const h = call("ri1");
    await until("the answer", () => h.answered.length === 1);
    // Nobody hangs up here: only the driver's giving up on the ACK (64·T1 = 1.28 s) ends the call.
    await until("the driver's BYE answered", () => h.endings.length > 0, 5000);
    assert.equal(h.endings[0].cause, "normal");
    const exit = await sipp.exited;
    assert.equal(exit.code, 0, exit.output.slice(-1500));
    // SIPp's screen counts the 200s it took after the first as retransmissions: at 20, 60, 140, 300, 620 and
    // 1260 ms (T2 is 4 s), six of them.
    const resent = Number(/-{10}> 200\s+1\s+(\d+)/.exec(exit.output)?.[1]);
    assert.ok(
      resent >= 4 && resent <= 7,
      `${resent} retransmissions of the 200 (${exit.output.slice(-1500)})`,
    );
  });

  it("answers the first challenge it can when the trunk offers several (SHA-256, then MD5)", async () => {
    const { sipp, driver, call } = await against("auth-choice.xml", alice);
    const h = call("ac1");
    await until("the answer", () => h.answered.length === 1 || h.endings.length > 0);
    assert.deepEqual(h.endings, []);
    driver.hangup("ac1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });

  it("answers a proxy's 407 and then the PBX's 401, keeping both credentials (the ACK too)", async () => {
    const { sipp, driver, call } = await against("auth-proxy.xml", alice);
    const h = call("ap1");
    await until("the answer", () => h.answered.length === 1 || h.endings.length > 0);
    assert.deepEqual(h.endings, []);
    driver.hangup("ap1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });

  it("answers a stale=true re-challenge with its new nonce", async () => {
    const { sipp, driver, call } = await against("auth-stale.xml", alice);
    const h = call("as1");
    await until("the answer", () => h.answered.length === 1 || h.endings.length > 0);
    assert.deepEqual(h.endings, []);
    driver.hangup("as1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });

  it("answers a challenge to its BYE: the call is not over until the callee took the BYE", async () => {
    const { sipp, driver, call } = await against("bye-auth.xml", alice);
    const h = call("ba1");
    await until("the answer", () => h.answered.length === 1);
    driver.hangup("ba1");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    await finished(sipp);
  });
});
