// A target refresh (RFC 3261 §12.2.2): a re-INVITE or UPDATE from the far end that names a Contact moves
// the dialog's remote target there, so what we send in the dialog afterwards (our BYE) goes to it.
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { skipWithoutSipp } from "../helpers/sipp.ts";
import { driverFor, FarEnd, FAR_SDP as SDP, sippSuite, sleep, until } from "./sip-harness.ts";

describe("sip driver: target refresh toward a bare UDP far end", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });
  const setUp = async () => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { closeWaitMs: 500 });
    driver = made.driver;
    return made;
  };
  /** A request of the far end's in the call's dialog, naming `contact` as where it now is. */
  const moving = (text: string, contact: string) =>
    text.replace("\r\nContent-Length", `\r\nContact: <${contact}>\r\nContent-Length`);
  const requestUri = (text: string) => text.split("\r\n")[0].split(" ")[1];

  it("a re-INVITE with a new Contact: our BYE goes to it", async () => {
    const { call } = await setUp();
    const h = call("r1");
    const invite = await far.answer();
    const moved = `sip:moved@127.0.0.1:${far.port}`;
    far.send(moving(far.inDialog(invite, "INVITE", 2, "far1", SDP), moved), invite.from);
    await far.next("SIP/2.0 200");
    far.send(far.inDialog(invite, "ACK", 2), invite.from);
    await sleep(30);
    driver!.hangup("r1");
    const bye = await far.next("BYE ");
    assert.equal(requestUri(bye.text), moved);
    far.reply(bye, 200, "OK");
    assert.equal((await h.ended).cause, "normal");
  });

  it("an UPDATE with a new Contact: our BYE goes to it", async () => {
    const { call } = await setUp();
    const h = call("u1");
    const invite = await far.answer();
    const moved = `sip:updated@127.0.0.1:${far.port};transport=udp`;
    far.send(moving(far.inDialog(invite, "UPDATE", 2), moved), invite.from);
    await far.next("SIP/2.0 200");
    driver!.hangup("u1");
    const bye = await far.next("BYE ");
    assert.equal(requestUri(bye.text), moved);
    far.reply(bye, 200, "OK");
    assert.equal((await h.ended).cause, "normal");
  });

  it("a re-INVITE without a Contact, or one refused as out of order, leaves the target where it was", async () => {
    const { call } = await setUp();
    const h = call("r2");
    const invite = await far.answer();
    const reinvite = far.inDialog(invite, "INVITE", 5, "far1", SDP);
    far.send(reinvite, invite.from);
    await far.next("SIP/2.0 200");
    far.send(far.inDialog(invite, "ACK", 5), invite.from);
    // An older one, out of order (§12.2.2), is refused: it moves nothing either.
    far.send(moving(far.inDialog(invite, "INVITE", 4, "far1", SDP), "sip:stale@127.0.0.1:9"), invite.from);
    await far.next("SIP/2.0 500");
    driver!.hangup("r2");
    const bye = await far.next("BYE ");
    assert.equal(requestUri(bye.text), `sip:far@127.0.0.1:${far.port}`);
    far.reply(bye, 200, "OK");
    await h.ended;
  });
});

describe("sip driver: target refresh against SIPp", { skip: skipWithoutSipp }, () => {
  const { against, finished, cleanup } = sippSuite(10);
  after(cleanup);

  it("a re-INVITE that moves the far end's Contact: our BYE goes to the new target (§12.2.2)", async () => {
    const { sipp, driver, call } = await against("reinvite-target-refresh.xml");
    const h = call("tr1");
    await until("the answer", () => h.answered.length === 1);
    // SIPp sends its mid-call request 200 ms after our ACK: the hang-up must come after that exchange, with
    // room for a busy machine (a BYE before it would break SIPp's scenario).
    await sleep(1500);
    driver.hangup("tr1");
    assert.equal((await h.ended).cause, "normal");
    await finished(sipp);
  });
});
