// A request in a dialog that is over on our side gets 481 (RFC 3261 §12.2.2), whatever its method: the far
// end then ends its side. A session-timer refresh (UPDATE, RFC 4028) from a PBX that missed our BYE used to
// get a 200 with an SDP answer, keeping the callee and the trunk's channel up.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { driverFor, FAR_SDP, FarEnd, headerOf, sleep } from "./sip-harness.ts";

describe("SIP: in-dialog requests after our BYE ended the call", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });

  for (const method of ["UPDATE", "INFO", "INVITE"]) {
    it(`an ${method} in the ended dialog gets 481`, async () => {
      far = await FarEnd.open();
      const made = await driverFor(far.port, { closeWaitMs: 300 });
      driver = made.driver;
      const h = made.call(`u-${method}`);
      const invite = await far.answer();
      await sleep(20);
      made.driver.hangup(`u-${method}`);
      far.reply(await far.next("BYE "), 200, "OK");
      assert.equal((await h.ended).cause, "normal");
      const body = method === "INFO" ? "" : FAR_SDP;
      far.send(far.inDialog(invite, method, 7, "far1", body), invite.from);
      const answer = await far.next("SIP/2.0 ");
      assert.match(answer.text, /^SIP\/2\.0 481 /, answer.text.split("\r\n")[0]);
    });
  }
});

describe("SIP: an IPv6 From domain", () => {
  let far: FarEnd;
  let close: () => Promise<void> = async () => {};
  afterEach(async () => {
    await close();
    await far.close();
  });

  it("is bracketed in the INVITE's From URI (RFC 3261 §25.1)", async () => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { fromDomain: "2001:db8::1", closeWaitMs: 200 });
    close = () => made.driver.close();
    made.call("v6from");
    const from = headerOf((await far.next("INVITE ")).text, "From") ?? "";
    assert.match(from, /<sip:\+15550199@\[2001:db8::1\]>/, `From: ${from}`);
  });
});
