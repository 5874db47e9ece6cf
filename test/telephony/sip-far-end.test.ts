// The sip driver against a bare UDP socket playing the far end on 127.0.0.1: hostile datagrams, responses in
// an order SIPp will not send, and what is left of a call the driver has already given up.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { SipTransport } from "../../src/telephony/sip/transport.ts";
import { driverFor, FarEnd, headerOf, FAR_SDP as SDP, sleep, until } from "./sip-harness.ts";

describe("sip driver toward a bare UDP far end", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });
  /** A far end and a driver whose trunk it is. */
  const setUp = async (extra: Parameters<typeof driverFor>[1] = {}, host = "127.0.0.1") => {
    far = await FarEnd.open(host);
    // A call left up (no far end answers its BYE) holds afterEach's close() for this long, not 4 s.
    const made = await driverFor(far.port, { bindHost: host, closeWaitMs: 500, ...extra });
    driver = made.driver;
    return made;
  };
  const answer = (toTag?: string) => far.answer(toTag);
  const inDialog = (...args: Parameters<FarEnd["inDialog"]>) => far.inDialog(...args);

  it("drops a datagram whose header holds a bare line feed, and lives on to answer the next", async () => {
    await setUp();
    const to = { address: "127.0.0.1", port: driver!.address!.port };
    const options = (via: string) =>
      `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: ${via}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@c>\r\n` +
      "Call-ID: q1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    // Echoed into the response, the LF would make a line of its own: a header injected, or a throw.
    far.send(options(`SIP/2.0/UDP 127.0.0.1:${far.port};branch=z9hG4bKa\nX-Evil: 1`), to);
    far.send(options(`SIP/2.0/UDP 127.0.0.1:${far.port};branch=z9hG4bKb`), to);
    const ok = await far.next("SIP/2.0 200");
    assert.match(ok.text, /branch=z9hG4bKb/);
    await sleep(100);
    assert.equal(far.all("SIP/2.0").length, 1, "the malformed one got no answer");
  });

  it("drops a response whose Content-Length claims more bytes than came, whatever bytes they are", async () => {
    const { call } = await setUp();
    const h = call("cl1");
    const invite = await far.next("INVITE ");
    far.reply(invite, 180, "Ringing", { toTag: "far1" });
    // 8 bytes that are not UTF-8, announced as 12: a truncated datagram (RFC 3261 §18.3).
    const headers = ["Content-Type: application/sdp", `Contact: <sip:far@127.0.0.1:${far.port}>`];
    far.reply(invite, 200, "OK", { toTag: "far1", headers, body: Buffer.alloc(8, 0xff), contentLength: 12 });
    await sleep(300);
    assert.deepEqual(h.answered, [], "the truncated 200 was not taken");
    far.reply(invite, 200, "OK", { toTag: "far1", headers, body: SDP });
    await until("the answer", () => h.answered.length === 1);
  });

  it("a 183 is not ringing (early media may come before the handset rings); the 180 that follows is", async () => {
    const { call } = await setUp();
    const h = call("em1");
    const invite = await far.next("INVITE ");
    far.reply(invite, 183, "Session Progress", { toTag: "far1", body: SDP });
    await sleep(200);
    assert.equal(h.ringing, 0, "no ringing at the 183");
    far.reply(invite, 180, "Ringing", { toTag: "far1" });
    await until("the 180", () => h.ringing === 1);
    driver!.hangup("em1");
    const cancel = await far.next("CANCEL ");
    far.reply(cancel, 200, "OK");
    far.reply(invite, 487, "Request Terminated", { toTag: "far1" });
    const ended = await h.ended;
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.answeredAfterCancel, undefined, "nobody answered");
  });

  it("after 100 Trying and silence the ring timeout ends the call; a 2xx after that is ACKed and hung up", async () => {
    const { call } = await setUp({ t1Ms: 25 });
    const h = call("late1", "+15550100", 1);
    const invite = await far.next("INVITE ");
    far.reply(invite, 100, "Trying");
    await far.next("CANCEL ");
    const ended = await h.ended; // no 200 to the CANCEL, no 487: given up 64·T1 after the CANCEL
    assert.equal(ended.cause, "no_answer");
    assert.equal(ended.code, 487);
    // The callee picks up after all: it must hear a BYE, not silence until its own timers give up.
    const contact = `Contact: <sip:far@127.0.0.1:${far.port}>`;
    far.reply(invite, 200, "OK", { toTag: "far1", headers: [contact], body: SDP });
    const ack = await far.next("ACK ");
    assert.match(headerOf(ack.text, "To") ?? "", /;tag=far1$/);
    const bye = await far.next("BYE ");
    far.reply(bye, 200, "OK");
    await sleep(100);
    assert.equal(h.endings.length, 1, "the engine heard of the call once");
  });

  it("a final failure after the answer does not end the answered call", async () => {
    const { call } = await setUp();
    const h = call("f1");
    const invite = await answer();
    assert.deepEqual(h.answered, ["human"]);
    far.reply(invite, 486, "Busy Here", { toTag: "far1" });
    await sleep(200);
    assert.equal(h.endings.length, 0, "the call is still up");
    driver!.hangup("f1");
    far.reply(await far.next("BYE "), 200, "OK");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.equal(ended.answeredBy, "human");
  });

  it("a trunk that calls every nonce stale gets a few tries, not one INVITE per round trip until the ring timeout", async () => {
    const { call } = await setUp({ username: "alice", password: "s3cret" });
    const started = Date.now();
    const h = call("st1", "+15550100", 5);
    let n = 0;
    const challenge = async () => {
      for (;;) {
        const invite = await far.next("INVITE ", 6000).catch(() => null);
        if (!invite) return;
        n++;
        const auth = `WWW-Authenticate: Digest realm="t", nonce="n${n}", qop="auth"${n > 1 ? ", stale=true" : ""}`;
        far.reply(invite, 401, "Unauthorized", { toTag: `t${n}`, headers: [auth] });
      }
    };
    void challenge();
    const ended = await h.ended;
    assert.equal(ended.cause, "failed");
    assert.equal(ended.code, 401);
    assert.ok(Date.now() - started < 2000, `ended after ${Date.now() - started} ms`);
    assert.ok(far.all("INVITE ").length <= 4, `${far.all("INVITE ").length} INVITEs`);
  });

  it("a call refused for maxChannels holds no channel: the next call goes out once the one up has ended", async () => {
    far = await FarEnd.open();
    const clock = new VirtualClock(Date.now());
    const made = await driverFor(far.port, { maxChannels: 1 }, clock);
    try {
      const a = made.call("m1");
      const b = made.call("m2"); // refused: its 503 comes at the clock's next turn
      far.reply(await far.next("INVITE "), 486, "Busy Here", { toTag: "far1" });
      assert.equal((await a.ended).cause, "busy");
      const c = made.call("m3");
      const invite = await far.next("INVITE ", 1000);
      assert.match(invite.text, /^INVITE sip:\+15550100@/);
      await clock.advance(1);
      assert.equal((await b.ended).code, 503);
      far.reply(invite, 486, "Busy Here", { toTag: "far2" });
      assert.equal((await c.ended).cause, "busy");
    } finally {
      // close() waits on the driver's clock for calls still up: this one moves only when told.
      let closed = false;
      const closing = made.driver.close().then(() => {
        closed = true;
      });
      while (!closed) await clock.advance(50).then(() => sleep(1));
      await closing;
    }
  });

  it("a request the clock refuses (a NaN ring timeout) throws before anything goes out", async () => {
    const { call } = await setUp();
    assert.throws(() => call("nan1", "+15550100", Number.NaN), RangeError);
    await assert.rejects(far.next("INVITE ", 300));
  });

  it("a caller id with a character beyond the BMP (an emoji) goes out escaped as UTF-8; half of one as U+FFFD", async () => {
    const { call } = await setUp();
    assert.doesNotThrow(() => call("cid-emoji", "+15550100", 20, "ACME \u{1F4DE}"));
    const invite = await far.next("INVITE ", 1000);
    assert.match(invite.text, /^From: .*sip:ACME%20%F0%9F%93%9E@/m);
    assert.doesNotThrow(() => call("cid-half", "+15550101", 20, "ACME \ud83d"));
    const second = await far.next("INVITE ", 1000);
    assert.match(second.text, /^From: .*sip:ACME%20%EF%BF%BD@/m);
  });

  it("a callee who answers as we cancel holds the channel until the trunk answers our BYE (maxChannels)", async () => {
    const { call } = await setUp({ maxChannels: 1 });
    const first = call("glare1");
    const invite = await far.next("INVITE ");
    far.reply(invite, 180, "Ringing", { toTag: "t1" });
    await sleep(30);
    driver!.hangup("glare1");
    const cancel = await far.next("CANCEL ");
    // The callee picked up as we cancelled: the 2xx crosses the CANCEL.
    const headers = [`Contact: <sip:far@127.0.0.1:${far.port}>`, "Content-Type: application/sdp"];
    far.reply(invite, 200, "OK", { toTag: "t1", headers, body: SDP });
    far.reply(cancel, 200, "OK");
    far.reply(invite, 487, "Request Terminated", { toTag: "t1" }); // late, after the 2xx: only ACKed
    await far.next("ACK ");
    const bye = await far.next("BYE ");
    assert.equal(await Promise.race([first.ended.then(() => "ended"), sleep(300).then(() => "up")]), "up");
    // A call placed meanwhile finds the trunk's only channel taken: refused by the driver, as the trunk would.
    const second = await call("glare2").ended;
    assert.equal(second.cause, "failed");
    assert.equal(far.all("INVITE ").length, 1, "no second INVITE while the channel is held");
    far.reply(bye, 200, "OK");
    const ended = await first.ended;
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.answeredAfterCancel, true, "the callee answered and was hung up on");
  });

  /** A call whose callee picked up as we cancelled it: the 2xx crosses the CANCEL; our BYE is out. */
  const answeredAsCancelled = async (made: Awaited<ReturnType<typeof setUp>>, id: string) => {
    const h = made.call(id);
    const invite = await far.next("INVITE ");
    far.reply(invite, 180, "Ringing", { toTag: "far1" });
    await sleep(30);
    driver!.hangup(id);
    far.reply(await far.next("CANCEL "), 200, "OK");
    const headers = [`Contact: <sip:far@127.0.0.1:${far.port}>`, "Content-Type: application/sdp"];
    far.reply(invite, 200, "OK", { toTag: "far1", headers, body: SDP });
    await far.next("ACK ");
    return { h, invite, bye: await far.next("BYE ") };
  };

  it("answered as we cancelled, then the callee's BYE crosses ours: still answered and hung up on, no warning", async () => {
    const made = await setUp();
    const { h, invite, bye } = await answeredAsCancelled(made, "cross1");
    far.send(inDialog(invite, "BYE", 1, "far1"), { address: "127.0.0.1", port: driver!.address!.port });
    await far.next("SIP/2.0 200");
    far.reply(bye, 481, "Call/Transaction Does Not Exist"); // its dialog is gone when ours arrives
    const ended = await h.ended;
    await sleep(100);
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.answeredAfterCancel, true, "the callee answered and was hung up on");
    assert.equal(ended.result, undefined, "not a BYE before the answer: a 2xx came");
    assert.deepEqual(made.warnings, [], "the callee hung up: nobody left on the line to warn of");
  });

  it("answered as we cancelled, BYEs crossed, ours unanswered when the driver closes: no warning", async () => {
    const made = await setUp({ closeWaitMs: 300 });
    const { h, invite } = await answeredAsCancelled(made, "cross3");
    far.send(inDialog(invite, "BYE", 1, "far1"), { address: "127.0.0.1", port: driver!.address!.port });
    await far.next("SIP/2.0 200");
    assert.equal((await h.ended).answeredAfterCancel, true);
    await driver!.close();
    driver = null;
    assert.deepEqual(made.warnings, [], "the callee hung up: nobody left on the line to warn of");
  });

  it("answered as we cancelled, our BYE unanswered when the driver closes: still answered and hung up on", async () => {
    const made = await setUp({ closeWaitMs: 300 });
    const { h } = await answeredAsCancelled(made, "cross2");
    await driver!.close();
    driver = null;
    const ended = await h.ended;
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.answeredAfterCancel, true, "the callee answered and was hung up on");
  });

  it("a challenge resent after the INVITE went again with credentials (our ACK lost) is ACKed again (§17.1.1.2)", async () => {
    const { call } = await setUp({ username: "alice", password: "s3cret" });
    call("auth-retx");
    const first = await far.next("INVITE ");
    const challenge = {
      toTag: "px1",
      headers: ['Proxy-Authenticate: Digest realm="proxy.test", nonce="n1"'],
    };
    far.reply(first, 407, "Proxy Authentication Required", challenge);
    await far.next("ACK ");
    const second = await far.next("INVITE ");
    far.reply(second, 100, "Trying");
    // The proxy never got that ACK: its INVITE server transaction resends the 407 until Timer H (64·T1).
    far.reply(first, 407, "Proxy Authentication Required", challenge);
    await until("the second ACK", () => far.all("ACK ").length === 2, 1000);
    const [, again] = far.all("ACK ");
    assert.equal(
      headerOf(again.text, "via"),
      headerOf(first.text, "via"),
      "in the first INVITE's transaction",
    );
    assert.match(again.text, /^CSeq: 1 ACK/m);
    assert.equal(far.all("INVITE ").length, 2, "the call goes on with the second INVITE, not a third");
  });

  it("writes an IPv6 trunk's address in brackets in the From URI", async () => {
    const { call } = await setUp({}, "::1");
    call("v6");
    const invite = await far.next("INVITE ");
    assert.match(invite.text, /^INVITE sip:\+15550100@\[::1\]:\d+ SIP\/2\.0\r\n/);
    assert.match(headerOf(invite.text, "From") ?? "", /^"\+15550199" <sip:\+15550199@\[::1\]>;tag=/);
  });

  it("answers the far end's re-INVITE with the session's own o= line (RFC 3264 §8)", async () => {
    const { call } = await setUp();
    call("re1");
    const invite = await answer();
    await sleep(20);
    far.send(inDialog(invite, "INVITE", 1, "far1", SDP), invite.from);
    const ok = await far.next("SIP/2.0 200");
    assert.match(headerOf(ok.text, "CSeq") ?? "", /^1 INVITE$/);
    const origin = (text: string) => /^o=.*$/m.exec(text)?.[0];
    assert.equal(origin(ok.text), origin(invite.text));
  });

  it("resends its 200 to a re-INVITE at T1, 2·T1, … up to T2 until the ACK, then no more (§13.3.1.4)", async () => {
    const { call } = await setUp({ t1Ms: 50, t2Ms: 200 });
    const h = call("re2");
    const invite = await answer();
    const reinvite = inDialog(invite, "INVITE", 7, "far1", SDP);
    far.send(reinvite, invite.from);
    await until("six 200s", () => far.all("SIP/2.0 200").length >= 6, 3000);
    // The same INVITE again (as if our 200 was slow): absorbed, not a second series of 200s.
    far.send(reinvite, invite.from);
    far.send(inDialog(invite, "ACK", 7), invite.from);
    await sleep(40);
    const oks = far.all("SIP/2.0 200");
    await sleep(400);
    assert.equal(far.all("SIP/2.0 200").length, oks.length, "no 200 after the ACK");
    assert.ok(oks.every((ok) => /^CSeq: 7 INVITE\r$/m.test(ok.text)));
    // Sent at 0, 50, 150, 350, 550 … ms: doubling from T1, then every T2. T1 and T2 are large enough that
    // a busy machine's late timers (tens of ms) stay inside the bounds, which still tell 50 from 100 and a
    // gap held at T2 (200) from one that went on doubling (400).
    const gaps = oks.slice(1).map((ok, i) => ok.at - oks[i].at);
    assert.ok(gaps[0] >= 35 && gaps[0] < 95, `gaps ${gaps.join(", ")}`);
    assert.ok(gaps[1] >= 80 && gaps[1] < 170, `gaps ${gaps.join(", ")}`);
    for (const gap of gaps.slice(2, 5)) assert.ok(gap >= 170 && gap < 320, `gaps ${gaps.join(", ")}`);
    assert.equal(h.endings.length, 0, "the call is still up");
  });

  it("a 200 to a re-INVITE never ACKed goes out until 64·T1, then the call ends with our BYE", async () => {
    const { call } = await setUp({ t1Ms: 20, t2Ms: 80 });
    const h = call("re3");
    const invite = await answer();
    const sent = Date.now();
    far.send(inDialog(invite, "INVITE", 7, "far1", SDP), invite.from);
    const bye = await far.next("BYE ", 3000);
    const took = bye.at - sent;
    assert.ok(took >= 64 * 20 - 20 && took < 64 * 20 + 500, `BYE after ${took} ms`);
    // At 0, 20, 60, then every 80 ms up to 1280: 18 in all, give or take the timers' slack.
    const oks = far.all("SIP/2.0 200").length;
    assert.ok(oks >= 12 && oks <= 19, `${oks} 200s`);
    far.reply(bye, 200, "OK");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.equal(ended.answeredBy, "human");
    await sleep(200);
    assert.equal(far.all("SIP/2.0 200").length, oks, "no 200 after giving up");
  });

  it("our BYE crossing the callee's: both answered, the call ended once at our hang-up", async () => {
    const { call } = await setUp();
    const h = call("cb1");
    const invite = await answer();
    await sleep(200);
    driver!.hangup("cb1");
    const ours = await far.next("BYE ");
    far.send(inDialog(invite, "BYE", 2), invite.from);
    assert.match((await far.next("SIP/2.0 200")).text, /CSeq: 2 BYE/);
    far.reply(ours, 481, "Call/Transaction Does Not Exist");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.ok(ended.talkSec >= 0.15 && ended.talkSec < 1, `talk ${ended.talkSec}`);
    await sleep(100);
    assert.equal(h.endings.length, 1);
  });

  it("a BYE before any 2xx reached us ends the call failed, not answered; the late 2xx is ACKed, not hung up", async () => {
    const { call } = await setUp();
    const h = call("eb1");
    const invite = await far.next("INVITE ");
    far.reply(invite, 180, "Ringing", { toTag: "far1" });
    await until("the 180", () => h.ringing === 1);
    // The callee's 200 was lost on the way: never ACKed, the far end ends the session (§13.3.1.4).
    far.send(inDialog(invite, "BYE", 1, "far1"), invite.from);
    assert.match((await far.next("SIP/2.0 200")).text, /CSeq: 1 BYE/);
    const ended = await h.ended;
    // "normal" would be a person reached: a success, and the contact never called again.
    assert.equal(ended.cause, "failed");
    assert.deepEqual(ended.result, { reason: "bye_before_answer" });
    assert.equal(ended.answeredBy, undefined);
    assert.equal(ended.talkSec, 0);
    assert.deepEqual(h.answered, []);
    // A retransmission of that 200 still gets its ACK, but no BYE: its dialog is over already.
    const contact = `Contact: <sip:far@127.0.0.1:${far.port}>`;
    far.reply(invite, 200, "OK", { toTag: "far1", headers: [contact], body: SDP });
    const ack = await far.next("ACK ");
    assert.match(headerOf(ack.text, "To") ?? "", /;tag=far1$/);
    await sleep(200);
    assert.equal(far.all("BYE ").length, 0, "no BYE for a dialog the far end ended");
    assert.equal(h.endings.length, 1);
  });

  it("a BYE before any 2xx on a call cancelled at its ring timeout ends no_answer; the 487 after it is ACKed", async () => {
    const { call } = await setUp();
    const h = call("eb2", "+15550100", 0.3);
    const invite = await far.next("INVITE ");
    far.reply(invite, 180, "Ringing", { toTag: "far1" });
    far.reply(await far.next("CANCEL "), 200, "OK");
    far.send(inDialog(invite, "BYE", 1, "far1"), invite.from);
    const ended = await h.ended;
    assert.equal(ended.cause, "no_answer");
    assert.deepEqual(ended.result, { reason: "bye_before_answer" });
    assert.equal(ended.answeredBy, undefined);
    // The INVITE's own final answer: unacknowledged, the trunk would resend it until its timer ran out.
    far.reply(invite, 487, "Request Terminated", { toTag: "far1" });
    const ack = await far.next("ACK ");
    assert.match(headerOf(ack.text, "CSeq") ?? "", /^1 ACK$/);
    await sleep(100);
    assert.equal(h.endings.length, 1);
  });

  it("a hang-up while the INVITE is challenged leaves the challenge unanswered and ends cancelled", async () => {
    const { call } = await setUp({ username: "alice", password: "s3cret" });
    const h = call("hc1");
    const invite = await far.next("INVITE ");
    driver!.hangup("hc1"); // a campaign stopped as the call went out: no response yet, so no CANCEL
    const challenge = 'Proxy-Authenticate: Digest realm="trunk", nonce="n1"';
    far.reply(invite, 407, "Proxy Authentication Required", { toTag: "px", headers: [challenge] });
    await far.next("ACK ");
    const ended = await h.ended;
    // Withdrawn before its answer, as a 487 would say: the attempt goes back, not spent as failed.
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.code, 407);
    await sleep(200);
    const answered = far.all("INVITE ").filter((d) => headerOf(d.text, "Proxy-Authorization") !== undefined);
    assert.equal(answered.length, 0, "no INVITE with credentials for a call hung up");
  });

  it("a BYE from another dialog of the call (a fork we hung up) does not end the call", async () => {
    const { call } = await setUp();
    const h = call("fb1");
    const invite = await answer("far1");
    far.send(inDialog(invite, "BYE", 5, "far2"), invite.from);
    await far.next("SIP/2.0 ");
    await sleep(100);
    assert.equal(h.endings.length, 0, "the call with far1 is still up");
    far.send(inDialog(invite, "BYE", 6, "far1"), invite.from);
    assert.equal((await h.ended).cause, "normal");
  });
});

describe("sip transport", () => {
  it("lives on when an answer would go to port 0 (a spoofed source): the datagram is lost, nothing throws", async () => {
    // Node's send() throws for port 0; a request spoofed from there reached it through respond() and took
    // the process down. The transport now loses such a datagram like any other.
    const transport = new SipTransport(new WallClock(), 100);
    await transport.open("127.0.0.1", 0, () => {});
    try {
      assert.doesNotThrow(() =>
        transport.send("OPTIONS sip:x SIP/2.0\r\n\r\n", { host: "127.0.0.1", port: 0 }),
      );
    } finally {
      await transport.close();
    }
  });
});
