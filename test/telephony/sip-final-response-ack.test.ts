// A final failure over UDP, both ways (RFC 3261 §17). Our INVITE goes again at T1, 2·T1, … until a response
// comes (Timer A); a far end that misses our ACK resends its 488 until Timer H, and each copy is ACKed again
// in the INVITE's transaction (§17.1.1.2), else the far end resends it for 32 s. The far end's re-INVITE we
// refuse 488 is answered statelessly (§8.2.7): we send no 1xx, so the far end (or the proxy's transaction
// on the way) resends its INVITE until our answer reaches it, and each copy gets the 488 again.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { driverFor, FarEnd, headerOf, sleep, until } from "./sip-harness.ts";

/** A re-INVITE switching the call to T.38 fax: no audio to take, refused 488. */
const T38 =
  "v=0\r\no=far 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
  "m=image 9 udptl t38\r\na=T38FaxVersion:0\r\n";

describe("sip driver: final failures over UDP", () => {
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

  it("resends its INVITE until the 488, then ACKs the 488 and each copy of it in the INVITE's transaction", async () => {
    const { call } = await setUp();
    const h = call("refused");
    const invite = await far.next("INVITE ");
    await far.next("INVITE "); // resent at T1 (100 ms here): no response yet
    far.reply(invite, 488, "Not Acceptable Here", { toTag: "far1" });
    assert.equal((await h.ended).code, 488);
    // Our ACK lost: the far end resends its 488, twice.
    far.reply(invite, 488, "Not Acceptable Here", { toTag: "far1" });
    far.reply(invite, 488, "Not Acceptable Here", { toTag: "far1" });
    await until("an ACK for each 488", () => far.all("ACK ").length === 3, 2000);
    for (const ack of far.all("ACK ")) {
      assert.equal(headerOf(ack.text, "Via"), headerOf(invite.text, "Via"), "the INVITE's branch");
      assert.match(ack.text, /^CSeq: 1 ACK\r$/m);
      assert.match(ack.text, /^To: .*;tag=far1\r$/m);
    }
    const invites = far.all("INVITE ").length;
    await sleep(400); // 4·T1: a third INVITE would have gone by now
    assert.equal(far.all("INVITE ").length, invites, "no INVITE after the 488");
    assert.equal(h.endings.length, 1, "ended once");
  });

  it("refuses the far end's re-INVITE 488 again when its INVITE comes again (our 488 lost)", async () => {
    const { call } = await setUp();
    call("fax");
    const invite = await far.answer();
    const reinvite = far.inDialog(invite, "INVITE", 2, "far1", T38);
    far.send(reinvite, invite.from);
    await far.next("SIP/2.0 488");
    far.send(reinvite, invite.from);
    const again = await far.next("SIP/2.0 488");
    assert.match(again.text, /^CSeq: 2 INVITE\r$/m);
    far.send(far.inDialog(invite, "ACK", 2), invite.from);
  });
});
