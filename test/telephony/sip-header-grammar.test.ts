// Reading header parameters and header lists as RFC 3261's grammar (§20, §25.1) has them, whatever the far
// end puts in a quoted string. A To's tag and a Via's branch are its header parameters: those after the
// name-addr's `<uri>` (the first `<` past any quoted display name, and the first `>` after it), up to a
// comma that starts the header's next value, never inside a quoted value. Taken after the value's last `>`,
// a `>` in a quoted parameter hid the branch (the 2xx then matched no INVITE: the answered call failed at
// Timer B), and a two-value header gave the last value's tag. Via and the route headers are split at commas
// outside quoted strings, where a backslash-escaped quote (`\"`) does not end the string: read as its end, a
// Record-Route display name holding `\",` split one hop in two and our BYE took a route that is not there.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { param, parseMessage } from "../../src/telephony/sip/message.ts";

/** A response carrying `extra` header lines, parsed. */
function responseWith(...extra: string[]) {
  const text = [
    "SIP/2.0 200 OK",
    "From: <sip:a@h>;tag=1",
    "To: <sip:b@h>;tag=2",
    "Call-ID: c1",
    "CSeq: 1 INVITE",
    ...extra,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const msg = parseMessage(text);
  assert.ok(msg, "parsed");
  return msg;
}

describe("header parameters", () => {
  it("reads a tag past a quoted parameter holding `>`", () => {
    assert.equal(param('<sip:x@h>;tag=1;note="a>b"', "tag"), "1");
  });

  it("reads a Via's branch past a quoted extension parameter holding `>`", () => {
    assert.equal(param('SIP/2.0/UDP h:5060;branch=z9hG4bKabc;x=">"', "branch"), "z9hG4bKabc");
  });

  it("reads the first value's tag of a header holding two name-addrs", () => {
    assert.equal(param("<sip:a@h>;tag=1, <sip:b@h>;tag=2", "tag"), "1");
    assert.equal(param("<sip:a@h>, <sip:b@h>;tag=2", "tag"), undefined);
  });

  it("takes no parameter from inside a quoted value", () => {
    assert.equal(param('<sip:x@h>;note="a;tag=evil";tag=1', "tag"), "1");
    assert.equal(param('<sip:x@h>;note="a\\";tag=evil";tag=1', "tag"), "1", "an escaped quote ends nothing");
  });

  it("reads past a quoted display name holding `<`, `>` and an escaped quote", () => {
    assert.equal(param('"a>b" <sip:x@h;tag=uri>;tag=1', "tag"), "1");
    assert.equal(param('"<sip:y@h>;tag=evil \\" >" <sip:x@h>;tag=1', "tag"), "1");
  });

  it("takes a URI's own parameters for none of the header's", () => {
    assert.equal(param("<sip:x@h;tag=uri>", "tag"), undefined);
    assert.equal(param("<sip:x@h;tag=uri", "tag"), undefined, "an unclosed name-addr has no parameters");
  });

  it("reads an addr-spec's parameters, names in any case, spaces around `;` and `=`, quoted values unescaped", () => {
    assert.equal(param("sip:x@h;tag=1", "tag"), "1");
    assert.equal(param("<sip:x@h> ; TAG = 1 ;lr", "tag"), "1");
    assert.equal(param('<sip:x@h>;lr;note="q\\"r"', "note"), 'q"r');
    assert.equal(param("<sip:x@h>;lr", "lr"), "", "a parameter without a value");
    assert.equal(param(undefined, "tag"), undefined);
  });

  it("reads a 256 KB header in linear time, whatever it repeats", () => {
    const size = 1 << 18;
    for (const value of [
      ";".repeat(size),
      '"'.repeat(size),
      `<${'"'.repeat(size)}>`,
      `<x>;a="${"\\".repeat(size)}`,
    ]) {
      const started = performance.now();
      param(value, "tag");
      assert.ok(performance.now() - started < 1000, `${value.slice(0, 8)}… read in linear time`);
    }
  });
});

describe("header lists", () => {
  it("splits a Record-Route at commas outside a display name holding an escaped quote", () => {
    const msg = responseWith('Record-Route: "p\\",1" <sip:p1@h;lr>, <sip:p2@h;lr>');
    assert.deepEqual(msg.headers.get("record-route"), ['"p\\",1" <sip:p1@h;lr>', "<sip:p2@h;lr>"]);
  });

  it("splits Via hops at commas outside a quoted parameter holding an escaped quote", () => {
    const msg = responseWith(
      'Via: SIP/2.0/UDP p1;branch=z9hG4bK1;x="a\\",b", SIP/2.0/UDP p2;branch=z9hG4bK2',
    );
    assert.deepEqual(msg.headers.get("via"), [
      'SIP/2.0/UDP p1;branch=z9hG4bK1;x="a\\",b"',
      "SIP/2.0/UDP p2;branch=z9hG4bK2",
    ]);
    assert.equal(param(msg.headers.get("via")?.[0], "branch"), "z9hG4bK1");
  });

  it("ends a quoted string at a quote after an escaped backslash", () => {
    const msg = responseWith('Record-Route: "p\\\\" <sip:p1@h;lr>, <sip:p2@h;lr>');
    assert.deepEqual(msg.headers.get("record-route"), ['"p\\\\" <sip:p1@h;lr>', "<sip:p2@h;lr>"]);
  });
});
