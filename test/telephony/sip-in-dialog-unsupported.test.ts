// A request the driver does not take, sent inside the live call's dialog (a PBX's REFER to transfer the
// callee, a MESSAGE, a SUBSCRIBE, a PRACK, a PUBLISH), is refused as a method: 405 Method Not Allowed with an
// Allow naming what the driver takes (RFC 3261 §8.2.1, §20.5), or 501 Not Implemented for a method it does
// not know. It used to get 481 Call/Transaction Does Not Exist, which §12.2.1.2 tells the far end to read
// as the dialog's end: a PBX that follows it hung up the callee the dialer had just reached. 481 stays the
// answer in a dialog the driver does not have or that is over, and to a CANCEL matching no transaction.
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { skipWithoutSipp } from "../helpers/sipp.ts";
import { type Datagram, driverFor, FarEnd, headerOf, sippSuite, sleep, until } from "./sip-harness.ts";

const statusOf = (text: string) => Number(text.split("\r\n")[0].split(" ")[1]);
const allowOf = (text: string) => (headerOf(text, "Allow") ?? "").split(/\s*,\s*/);

describe("sip driver: a request it does not take inside a live dialog", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });
  const setUp = async () => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { closeWaitMs: 300 });
    driver = made.driver;
    return made;
  };
  /** The callee's `method` in the dialog of `invite`, and the driver's answer to it. */
  const ask = async (
    invite: Datagram,
    method: string,
    seq: number,
    extra: string[] = [],
  ): Promise<string> => {
    const req = far.inDialog(invite, method, seq);
    far.send(
      extra.length ? req.replace("\r\nContent-Length", `\r\n${extra.join("\r\n")}$&`) : req,
      invite.from,
    );
    return (await far.next("SIP/2.0 ")).text;
  };
  /** Our hang-up, its BYE answered: the call ends as an answered call hung up by us. */
  const hangUp = async (callId: string, ended: Promise<{ cause: string }>) => {
    driver?.hangup(callId);
    far.reply(await far.next("BYE "), 200, "OK");
    assert.equal((await ended).cause, "normal");
  };

  const refer = (port: number) => [`Refer-To: <sip:agent@127.0.0.1:${port}>`];
  for (const [method, extra] of [
    ["REFER", refer],
    ["MESSAGE", () => ["Content-Type: text/plain"]],
    ["SUBSCRIBE", () => ["Event: dialog"]],
    ["PRACK", () => ["RAck: 1 1 INVITE"]],
    ["PUBLISH", () => ["Event: presence"]],
  ] as const) {
    it(`an in-dialog ${method} is answered 405 with an Allow, and the call goes on`, async () => {
      const { call } = await setUp();
      const h = call(`m-${method}`);
      const invite = await far.answer();
      const res = await ask(invite, method, 2, extra(far.port));
      assert.equal(statusOf(res), 405, res);
      assert.match(headerOf(res, "CSeq") ?? "", new RegExp(`^2 ${method}$`));
      const allowed = allowOf(res);
      for (const taken of ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "UPDATE", "INFO", "NOTIFY"]) {
        assert.ok(allowed.includes(taken), `Allow lists ${taken}: ${allowed}`);
      }
      assert.ok(!allowed.includes(method), `Allow does not list ${method}`);
      await sleep(20);
      assert.equal(h.endings.length, 0, "the call is still up");
      await hangUp(`m-${method}`, h.ended);
    });
  }

  it("a method it does not know is answered 501 in the dialog, and the call goes on", async () => {
    const { call } = await setUp();
    const h = call("unknown1");
    const invite = await far.answer();
    const res = await ask(invite, "FROBNICATE", 2);
    assert.equal(statusOf(res), 501, res);
    await sleep(20);
    assert.equal(h.endings.length, 0);
    await hangUp("unknown1", h.ended);
  });

  it("a CANCEL in the live dialog still gets 481: it matches no transaction (§9.2), and ends nothing", async () => {
    const { call } = await setUp();
    const h = call("cancel1");
    const invite = await far.answer();
    assert.equal(statusOf(await ask(invite, "CANCEL", 2)), 481);
    await sleep(20);
    assert.equal(h.endings.length, 0);
    await hangUp("cancel1", h.ended);
  });

  it("a REFER in a dialog that is over gets 481 (the far end must end its side)", async () => {
    const { call } = await setUp();
    const h = call("over1");
    const invite = await far.answer();
    far.send(far.inDialog(invite, "BYE", 2), invite.from);
    await h.ended;
    await far.next("SIP/2.0 200");
    assert.equal(statusOf(await ask(invite, "REFER", 3, refer(far.port))), 481);
  });

  it("a REFER in a dialog it never had gets 481, even with our tag in To, and the call goes on", async () => {
    const { call } = await setUp();
    const h = call("other1");
    const invite = await far.answer();
    // Our tag in To, but the From tag of no callee of ours: another dialog (a forked INVITE's), a stranger's.
    far.send(far.inDialog(invite, "REFER", 2, "someone-else"), invite.from);
    assert.equal(statusOf((await far.next("SIP/2.0 ")).text), 481);
    assert.equal(h.endings.length, 0);
    await hangUp("other1", h.ended);
  });

  it("outside any dialog, a method it knows gets 405 and one it does not know 501", async () => {
    const { call } = await setUp();
    const h = call("out1");
    const invite = await far.answer();
    const outside = (method: string) =>
      far
        .inDialog(invite, method, 9)
        .replace(/^(To: .*?);tag=[^;\r]*/m, "$1")
        .replace(/^Call-ID: .*$/m, "Call-ID: fresh@far");
    far.send(outside("MESSAGE"), invite.from);
    const message = (await far.next("SIP/2.0 ")).text;
    assert.equal(statusOf(message), 405, message);
    assert.ok(allowOf(message).includes("BYE"));
    far.send(outside("FROBNICATE"), invite.from);
    assert.equal(statusOf((await far.next("SIP/2.0 ")).text), 501);
    await hangUp("out1", h.ended);
  });
});

describe("sip driver: a REFER in the dialog, against SIPp", { skip: skipWithoutSipp }, () => {
  const { against, finished, cleanup } = sippSuite(10);
  after(cleanup);

  it("SIPp's in-dialog REFER is answered 405 with an Allow naming BYE, and the call goes on to our BYE", async () => {
    const { sipp, driver, call } = await against("refer-in-dialog.xml");
    const h = call("sr1");
    await until("the answer", () => h.answered.length === 1);
    // SIPp sends its REFER 200 ms after our ACK: our BYE must come after that exchange, with room for a
    // busy machine (a BYE before it would break SIPp's scenario).
    await sleep(1500);
    assert.equal(h.endings.length, 0, "the REFER's answer did not end the call");
    driver.hangup("sr1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });
});
