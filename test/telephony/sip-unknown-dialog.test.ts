// A request inside a dialog the driver no longer has (the call ended, or was never ours) gets 481 Call/
// Transaction Does Not Exist (RFC 3261 §12.2.2), so the far end tears its side down; only a new INVITE,
// outside any dialog, is declined (603): a dialer takes no incoming calls.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { driverFor, FarEnd, headerOf, FAR_SDP as SDP } from "./sip-harness.ts";

describe("sip driver: requests in a dialog it does not have", () => {
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

  it("a re-INVITE after the far end's BYE gets 481, not a decline", async () => {
    const { call } = await setUp();
    const h = call("gone1");
    const invite = await far.answer();
    far.send(far.inDialog(invite, "BYE", 2), invite.from);
    await h.ended;
    await far.next("SIP/2.0 200");
    far.send(far.inDialog(invite, "INVITE", 3, "far1", SDP), invite.from);
    const reinvite = await far.next("SIP/2.0 ");
    assert.match(reinvite.text, /^SIP\/2\.0 481 /, reinvite.text);
    assert.match(headerOf(reinvite.text, "CSeq") ?? "", /^3 INVITE$/);
  });

  it("a request naming a dialog it never had gets 481; a new INVITE without a To tag is declined", async () => {
    const { call } = await setUp();
    call("other1");
    // Where the driver listens: where its INVITE came from.
    const to = (await far.next("INVITE ")).from;
    const { address, port } = to;
    const request = (method: string, toTag: string | null) =>
      [
        `${method} sip:outdial@${address}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${far.port};branch=z9hG4bK${method}${toTag ?? "new"}`,
        "From: <sip:far@127.0.0.1>;tag=farX",
        `To: <sip:outdial@${address}>${toTag === null ? "" : `;tag=${toTag}`}`,
        "Call-ID: never-ours@127.0.0.1",
        `CSeq: 1 ${method}`,
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
    far.send(request("INVITE", "unknown"), to);
    assert.match((await far.next("SIP/2.0 ")).text, /^SIP\/2\.0 481 /);
    far.send(request("NOTIFY", "unknown"), to);
    assert.match((await far.next("SIP/2.0 ")).text, /^SIP\/2\.0 481 /);
    far.send(request("INVITE", null), to);
    assert.match((await far.next("SIP/2.0 ")).text, /^SIP\/2\.0 603 /);
  });
});
