// A Contact's display name may hold '<' and '>' and an escaped quote (RFC 3261 §25.1: a quoted-string holds
// any character, '"' and '\' escaped): the URI is the one in the angle brackets after it, so a 2xx from
// `"Front <Desk>" <sip:far@…>` has its ACK and our BYE sent to sip:far@…, not to "Desk". Skipping the
// quoted name is one pass over the header: any datagram brings one, so it must read in linear time.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { uriOf } from "../../src/telephony/sip/message.ts";
import { driverFor, FAR_SDP, FarEnd } from "./sip-harness.ts";

/** Four times the largest datagram: read quadratically a few seconds at least, linearly milliseconds. */
const SIZE = 1 << 18;

describe("a Contact whose quoted display name holds '<'", () => {
  it("uriOf reads the URI after the display name", () => {
    assert.equal(uriOf('"Desk <12>" <sip:far@10.0.0.5:5060>'), "sip:far@10.0.0.5:5060");
    assert.equal(uriOf('"a \\"<b>\\" c" <sip:x@h>;expires=60'), "sip:x@h", "an escaped quote ends nothing");
    assert.equal(uriOf('"back\\\\" <sip:x@h>'), "sip:x@h", "an escaped backslash escapes nothing after it");
    assert.equal(uriOf("Bob <sip:bob@h>"), "sip:bob@h", "a display name as a token");
  });

  it("reads a 256 KB Contact of quotes, escapes and brackets in linear time", () => {
    for (const [what, value] of Object.entries({
      "quoted brackets": `"${"<".repeat(SIZE)}" <sip:x@h>`,
      "quotes and brackets": '"<'.repeat(SIZE / 2),
      "unclosed quote of escapes": `"${'\\"'.repeat(SIZE / 2)}`,
    })) {
      const started = performance.now();
      uriOf(value);
      const took = performance.now() - started;
      assert.ok(took < 1000, `${what}: ${value.length} characters read in ${took.toFixed(0)} ms`);
    }
  });

  let far: FarEnd | undefined;
  let close: () => Promise<void> = async () => {};
  after(async () => {
    await close();
    await far?.close();
  });

  it("the driver ACKs the 2xx and sends its BYE to the URI, not into the display name", async () => {
    far = await FarEnd.open();
    const { driver, call } = await driverFor(far.port, { closeWaitMs: 300 });
    close = () => driver.close();
    const h = call("dn1");
    const invite = await far.next("INVITE ");
    const target = `sip:far@127.0.0.1:${far.port}`;
    far.reply(invite, 200, "OK", {
      toTag: "t1",
      headers: [`Contact: "Front <Desk>" <${target}>`, "Content-Type: application/sdp"],
      body: FAR_SDP,
    });
    const ack = await far.next("ACK ");
    assert.equal(ack.text.split("\r\n")[0], `ACK ${target} SIP/2.0`);
    driver.hangup("dn1");
    const bye = await far.next("BYE ");
    assert.equal(bye.text.split("\r\n")[0], `BYE ${target} SIP/2.0`);
    far.reply(bye, 200, "OK");
    assert.equal((await h.ended).cause, "normal");
  });
});
