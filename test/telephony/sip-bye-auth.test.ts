// Our BYE challenged (RFC 3261 §22): answered as an INVITE's challenges are (a proxy's realm, then the
// PBX's, a new nonce when one goes stale, a few tries at most), and a BYE that still does not get through
// ends the call all the same (its channel is freed) with a warning: the callee may still be on the line.
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import { authParams } from "../../src/telephony/sip/digest.ts";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { skipWithoutSipp } from "../helpers/sipp.ts";
import { driverFor, FarEnd, headerOf, sippSuite, sleep, until } from "./sip-harness.ts";

const alice = { username: "alice", password: "s3cret" };

describe("sip driver: a challenged BYE toward a bare UDP far end", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });
  const setUp = async (extra: Parameters<typeof driverFor>[1] = {}) => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { closeWaitMs: 500, ...alice, ...extra });
    driver = made.driver;
    return made;
  };
  /** An answered call, hung up by us: its first BYE. */
  const hungUp = async (id: string, extra: Parameters<typeof driverFor>[1] = {}) => {
    const made = await setUp(extra);
    const h = made.call(id);
    await far.answer();
    await sleep(20);
    made.driver.hangup(id);
    return { ...made, h, bye: await far.next("BYE ") };
  };
  const realmOf = (value: string | undefined) => authParams(value ?? "").get("realm");

  it("a BYE challenged by the proxy (407) and then the PBX (401) goes a third time with both credentials", async () => {
    const { h, bye, warnings } = await hungUp("bye2");
    far.reply(bye, 407, "Proxy Authentication Required", {
      headers: ['Proxy-Authenticate: Digest realm="proxy.test", nonce="p1"'],
    });
    const bye2 = await far.next("BYE ");
    assert.equal(realmOf(headerOf(bye2.text, "Proxy-Authorization")), "proxy.test");
    far.reply(bye2, 401, "Unauthorized", {
      headers: ['WWW-Authenticate: Digest realm="pbx.test", nonce="b1"'],
    });
    const bye3 = await far.next("BYE ", 1000);
    assert.equal(realmOf(headerOf(bye3.text, "Proxy-Authorization")), "proxy.test");
    assert.equal(realmOf(headerOf(bye3.text, "Authorization")), "pbx.test");
    assert.match(headerOf(bye3.text, "CSeq") ?? "", /^4 BYE$/);
    // The BYE has not reached the callee yet: they are still on the line, holding a trunk channel.
    await sleep(100);
    assert.equal(
      h.endings.length,
      0,
      `reported ended while the callee is still up: ${JSON.stringify(h.endings[0])}`,
    );
    far.reply(bye3, 200, "OK");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.equal(ended.answeredBy, "human");
    assert.equal(ended.result, undefined);
    assert.deepEqual(warnings, []);
  });

  it("a stale nonce on the BYE is answered with the new one", async () => {
    const { h, bye, warnings } = await hungUp("bye3");
    far.reply(bye, 401, "Unauthorized", {
      headers: ['WWW-Authenticate: Digest realm="pbx.test", nonce="n1"'],
    });
    const bye2 = await far.next("BYE ");
    assert.match(headerOf(bye2.text, "Authorization") ?? "", /nonce="n1"/);
    far.reply(bye2, 401, "Unauthorized", {
      headers: ['WWW-Authenticate: Digest realm="pbx.test", nonce="n2", stale=true'],
    });
    const bye3 = await far.next("BYE ");
    assert.match(headerOf(bye3.text, "Authorization") ?? "", /nonce="n2"/);
    far.reply(bye3, 200, "OK");
    assert.equal((await h.ended).cause, "normal");
    assert.deepEqual(warnings, []);
  });

  it("credentials the realm refuses again end the call, with a warning and the BYE's code", async () => {
    const { h, bye, warnings } = await hungUp("bye4");
    const challenge = { headers: ['WWW-Authenticate: Digest realm="pbx.test", nonce="n1"'] };
    far.reply(bye, 401, "Unauthorized", challenge);
    const bye2 = await far.next("BYE ");
    far.reply(bye2, 401, "Unauthorized", challenge);
    const ended = await h.ended;
    // The callee was reached and talked: the call ended at our hang-up, as far as we can know.
    assert.equal(ended.cause, "normal");
    assert.equal(ended.answeredBy, "human");
    assert.deepEqual(ended.result, { reason: "bye_unconfirmed", code: 401 });
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /call bye4 .*BYE was answered 401.*may still be on the line/);
    await sleep(300);
    assert.equal(far.all("BYE ").length, 2, "no third BYE with the refused password");
    assert.equal(h.endings.length, 1);
  });

  it("a challenge that keeps coming stale is answered a few times, then given up with a warning", async () => {
    const { h, bye, warnings } = await hungUp("bye5");
    let n = 0;
    let next = bye;
    for (;;) {
      far.reply(next, 401, "Unauthorized", {
        headers: [`WWW-Authenticate: Digest realm="pbx.test", nonce="n${++n}", stale=true`],
      });
      const more = await Promise.race([far.next("BYE ", 400).catch(() => null), h.ended.then(() => null)]);
      if (!more) break;
      next = more;
    }
    assert.equal(far.all("BYE ").length, 4, "the BYE, then three with credentials");
    const ended = await h.ended;
    assert.deepEqual(ended.result, { reason: "bye_unconfirmed", code: 401 });
    assert.equal(warnings.length, 1, warnings.join("\n"));
  });

  for (const [status, reason] of [
    [481, "Call/Transaction Does Not Exist"],
    [404, "Not Found"],
    [500, "Server Internal Error"],
  ] as const) {
    it(`a BYE answered ${status} ends the call with a warning: the callee may still be up`, async () => {
      const { h, bye, warnings } = await hungUp(`f${status}`);
      far.reply(bye, status, reason);
      const ended = await h.ended;
      assert.equal(ended.cause, "normal");
      assert.deepEqual(ended.result, { reason: "bye_unconfirmed", code: status });
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], new RegExp(`call f${status} .*BYE was answered ${status}`));
    });
  }

  it("a BYE never answered ends the call at 64·T1 with a warning", async () => {
    const { h, warnings } = await hungUp("t1", { t1Ms: 10 });
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.deepEqual(ended.result, { reason: "bye_unconfirmed" });
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /BYE was never answered/);
  });

  it("our BYE crossing the callee's and answered 481 is no cause for a warning", async () => {
    const { h, bye, warnings } = await hungUp("cb1");
    const invite = far.all("INVITE ")[0];
    far.send(far.inDialog(invite, "BYE", 2), invite.from);
    await until("our 200 to the callee's BYE", () => far.all("SIP/2.0 200").length === 1);
    far.reply(bye, 481, "Call/Transaction Does Not Exist");
    assert.equal((await h.ended).cause, "normal");
    await sleep(100);
    assert.deepEqual(warnings, []);
    assert.equal(h.endings.length, 1);
  });
});

describe("sip driver: a challenged BYE against SIPp", { skip: skipWithoutSipp }, () => {
  const { against, finished, cleanup } = sippSuite(10);
  after(cleanup);

  it("answers a proxy's challenge to its BYE and then the PBX's: the call ends with the BYE carrying both", async () => {
    const { sipp, driver, call } = await against("bye-auth-proxy.xml", alice);
    const h = call("bp1");
    await until("the answer", () => h.answered.length === 1);
    driver.hangup("bp1");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.equal(ended.result, undefined);
    await finished(sipp);
  });
});
