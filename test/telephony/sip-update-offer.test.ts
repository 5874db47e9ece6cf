// The far end's offers mid-call: an UPDATE carrying one gets our answer and a Contact in its 200 (RFC 3311
// §5.2), as a re-INVITE's does, and one without a body an empty 200; an answer takes the direction the
// offer allows (RFC 3264 §6.1: a call put on hold with sendonly is answered recvonly), its o= version one
// up whenever what it says changes (§8).
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { skipWithoutSipp } from "../helpers/sipp.ts";
import { driverFor, FarEnd, headerOf, FAR_SDP as SDP, sippSuite, sleep, until } from "./sip-harness.ts";

const bodyOf = (text: string) => text.slice(text.indexOf("\r\n\r\n") + 4);
const directionOf = (text: string) =>
  /^a=(sendrecv|sendonly|recvonly|inactive)\r?$/m.exec(bodyOf(text))?.[1] ?? "(none)";
const versionOf = (text: string) => Number(/^o=\S+ \S+ (\d+) /m.exec(text)?.[1]);

describe("sip driver: the far end's offers toward a bare UDP far end", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });
  const setUp = async () => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { closeWaitMs: 200 });
    driver = made.driver;
    return made;
  };

  it("an UPDATE with an SDP offer gets an SDP answer and a Contact in its 200 (RFC 3311 §5.2)", async () => {
    const { call } = await setUp();
    const h = call("upd1");
    const invite = await far.answer();
    far.send(far.inDialog(invite, "UPDATE", 2, "far1", SDP), invite.from);
    const ok = await far.next("SIP/2.0 200");
    assert.match(headerOf(ok.text, "CSeq") ?? "", /^2 UPDATE$/);
    assert.match(
      ok.text,
      /^m=audio \d+ RTP\/AVP 0 8 101\r$/m,
      `200 to an UPDATE offer without an answer:\n${ok.text}`,
    );
    assert.equal(headerOf(ok.text, "Content-Type"), "application/sdp");
    assert.match(headerOf(ok.text, "Contact") ?? "", /^<sip:outdial@127\.0\.0\.1:\d+>$/);
    // The session's own o= line (RFC 3264 §8), as a re-INVITE's answer keeps it.
    const origin = (text: string) => /^o=.*$/m.exec(text)?.[0];
    assert.equal(origin(ok.text), origin(invite.text));
    assert.equal(directionOf(ok.text), "sendrecv");
    assert.equal(h.endings.length, 0, "the call goes on");
  });

  it("an UPDATE without a body keeps its empty 200", async () => {
    const { call } = await setUp();
    call("upd2");
    const invite = await far.answer();
    far.send(far.inDialog(invite, "UPDATE", 2), invite.from);
    const ok = await far.next("SIP/2.0 200");
    assert.equal(headerOf(ok.text, "Content-Length"), "0");
    assert.equal(headerOf(ok.text, "Content-Type"), undefined);
    assert.equal(bodyOf(ok.text), "");
  });

  for (const [offered, answered] of [
    ["sendonly", "recvonly"],
    ["inactive", "inactive"],
    ["recvonly", "sendonly"],
  ] as const) {
    it(`a re-INVITE offering ${offered} is answered ${answered}, the o= version one up (RFC 3264 §6.1, §8)`, async () => {
      const { call } = await setUp();
      call(`hold-${offered}`);
      const invite = await far.answer();
      far.send(far.inDialog(invite, "INVITE", 2, "far1", `${SDP}a=${offered}\r\n`), invite.from);
      const ok = await far.next("SIP/2.0 200");
      far.send(far.inDialog(invite, "ACK", 2), invite.from);
      assert.equal(directionOf(ok.text), answered);
      assert.equal(versionOf(ok.text), versionOf(invite.text) + 1);
      // Taken off hold (an UPDATE this time): sendrecv again, and the version up once more.
      far.send(far.inDialog(invite, "UPDATE", 3, "far1", SDP), invite.from);
      const back = await far.next("SIP/2.0 200");
      assert.equal(directionOf(back.text), "sendrecv");
      assert.equal(versionOf(back.text), versionOf(invite.text) + 2);
    });
  }

  it("a media-level direction outweighs the session-level one", async () => {
    const { call } = await setUp();
    call("hold-media");
    const invite = await far.answer();
    const offer = `${SDP.replace("t=0 0\r\n", "t=0 0\r\na=sendrecv\r\n")}a=sendonly\r\n`;
    far.send(far.inDialog(invite, "UPDATE", 2, "far1", offer), invite.from);
    assert.equal(directionOf((await far.next("SIP/2.0 200")).text), "recvonly");
  });
});

describe("sip driver: the far end's offers against SIPp", { skip: skipWithoutSipp }, () => {
  const { against, finished, cleanup } = sippSuite(10);
  after(cleanup);

  it("an UPDATE carrying an SDP offer mid-call is answered with an SDP answer in its 200 (RFC 3311 §5.2)", async () => {
    const { sipp, driver, call } = await against("update-sdp-offer.xml");
    const h = call("up1");
    await until("the answer", () => h.answered.length === 1);
    // SIPp sends its mid-call request 200 ms after our ACK: the hang-up must come after that exchange, with
    // room for a busy machine (a BYE before it would break SIPp's scenario).
    await sleep(1500);
    driver.hangup("up1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });
});
