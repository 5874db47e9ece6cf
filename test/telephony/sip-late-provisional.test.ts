// A provisional response that comes after the INVITE's 2xx says nothing of the call: UDP delivers a 180 sent
// before the 200 after it, and a forking proxy passes on another branch's 180 after one branch answered. Taken
// as news, it fired `ringing` for a call already answered (or being hung up after a 2xx that crossed our
// CANCEL), so the engine's and drivers' listeners saw a ringing answered call. Once a 2xx or a final failure
// came, a 1xx rings nothing. Each test sends the late 1xx and then an OPTIONS: the driver reads datagrams in
// order, so the OPTIONS' 200 says the 1xx was read.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { type Datagram, driverFor, FarEnd, FAR_SDP as SDP, until } from "./sip-harness.ts";

describe("sip driver: a provisional response after the final one", () => {
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
  const contact = () => [`Contact: <sip:far@127.0.0.1:${far.port}>`, "Content-Type: application/sdp"];
  /** Sends `invite` a late 180 from `toTag`, then waits until the driver has read it. */
  const lateRinging = async (invite: Datagram, toTag: string, seq: number) => {
    far.reply(invite, 180, "Ringing", { toTag });
    far.send(far.inDialog(invite, "OPTIONS", seq), invite.from);
    await far.next("SIP/2.0 200");
  };

  it("a 180 that comes after the 200 (reordered on the way) does not ring the answered call", async () => {
    const { call } = await setUp();
    const h = call("late-180");
    const invite = await far.next("INVITE ");
    far.reply(invite, 200, "OK", { toTag: "far1", headers: contact(), body: SDP });
    await far.next("ACK ");
    await until("the answer", () => h.answered.length === 1);
    await lateRinging(invite, "far1", 2);
    assert.equal(h.ringing, 0, "no ringing after the answer");
    assert.deepEqual(h.answered, ["human"]);
    assert.equal(h.endings.length, 0, "the call is still up");
  });

  it("another fork's 180 after one branch answered does not ring the answered call", async () => {
    const { call } = await setUp();
    const h = call("fork-180");
    const invite = await far.next("INVITE ");
    far.reply(invite, 200, "OK", { toTag: "forkA", headers: contact(), body: SDP });
    await until("the answer", () => h.answered.length === 1);
    await lateRinging(invite, "forkB", 2);
    assert.equal(h.ringing, 0, "no ringing after the answer");
  });

  it("a 180 after a 2xx that crossed our CANCEL does not ring the call being hung up", async () => {
    const { call } = await setUp();
    const h = call("cancel-180");
    const invite = await far.next("INVITE ");
    // Early media, not ringing: the CANCEL may go, and nothing has rung yet.
    far.reply(invite, 183, "Session Progress", { toTag: "far1", body: SDP });
    driver!.hangup("cancel-180");
    const cancel = await far.next("CANCEL ");
    far.reply(invite, 200, "OK", { toTag: "far1", headers: contact(), body: SDP });
    const bye = await far.next("BYE ");
    await lateRinging(invite, "far1", 2);
    assert.equal(h.ringing, 0, "no ringing after the 2xx");
    far.reply(cancel, 200, "OK");
    far.reply(bye, 200, "OK");
    const ended = await h.ended;
    assert.equal(ended.answeredAfterCancel, true);
    assert.equal(h.ringing, 0);
  });

  it("a 180 after a final failure does not ring the ended call", async () => {
    const { call } = await setUp();
    const h = call("busy-180");
    const invite = await far.next("INVITE ");
    far.reply(invite, 486, "Busy Here", { toTag: "far1" });
    assert.equal((await h.ended).cause, "busy");
    await lateRinging(invite, "far1", 2);
    assert.equal(h.ringing, 0, "no ringing after the end");
  });
});
