// Reading what a trunk sends: a digest challenge's parameters and a Contact's URI. Both are anyone's who can
// send the driver a datagram, so reading them must take time linear in their length: the event loop they
// would hold runs every call, the API and the engine's timers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authParams, parseChallenge } from "../../src/telephony/sip/digest.ts";
import { uriOf } from "../../src/telephony/sip/message.ts";

/** Four times the largest datagram: read quadratically, such a header takes half a minute, linearly a few
 *  milliseconds, so the bound below holds on a slow machine and fails whatever the machine. */
const SIZE = 1 << 18;

/** Runs `read` on each input, each within a generous bound. */
function linear(inputs: Record<string, string>, read: (value: string) => unknown): void {
  for (const [what, value] of Object.entries(inputs)) {
    const started = performance.now();
    read(value);
    const took = performance.now() - started;
    assert.ok(took < 1000, `${what}: ${value.length} characters read in ${took.toFixed(0)} ms`);
  }
}

describe("digest challenges", () => {
  it("reads quoted values (escapes undone), bare tokens, and pairs with or without commas", () => {
    const c = parseChallenge(
      'Digest realm="a \\"b\\", c",nonce=n1 opaque="o" , algorithm=md5, qop="auth,auth-int", stale=TRUE',
    );
    assert.deepEqual(c, {
      realm: 'a "b", c',
      nonce: "n1",
      opaque: "o",
      algorithm: "md5",
      qop: "auth",
      stale: true,
    });
    assert.equal(parseChallenge('Basic realm="x"'), null);
    assert.equal(parseChallenge('Digest realm="x"'), null, "no nonce");
  });

  it("skips what is not a pair, and reads an unclosed quote as a bare value", () => {
    const params = authParams('Digest junk @ realm = "r" nonce= , x=1 y="open');
    assert.deepEqual(Object.fromEntries(params), { realm: "r", x: "1", y: '"open' });
  });

  it("reads a 256 KB challenge in linear time, whatever it repeats", () => {
    linear(
      {
        "names with no =": `Digest ${"a".repeat(SIZE)}`,
        "names and spaces": `Digest ${"a ".repeat(SIZE / 2)}`,
        "= with no value": `Digest a=${" ".repeat(SIZE)}`,
        "unclosed quote of escapes": `Digest realm="${'\\"'.repeat(SIZE / 2)}`,
        "opening quotes": `Digest ${'x="'.repeat(SIZE / 3)}`,
      },
      parseChallenge,
    );
  });
});

describe("Contact URIs", () => {
  it("reads a name-addr's URI, or an addr-spec up to its parameters", () => {
    assert.equal(uriOf('"Bob" <sip:bob@h:5060;transport=udp>;expires=60'), "sip:bob@h:5060;transport=udp");
    assert.equal(uriOf("<<sip:a@h>"), "<sip:a@h");
    assert.equal(uriOf("sip:a@h;transport=udp"), "sip:a@h");
    assert.equal(uriOf("<sip:a@h"), "<sip:a@h");
    assert.equal(uriOf(undefined), undefined);
  });

  it("reads a 256 KB Contact in linear time (each 2xx resent brings it again)", () => {
    linear({ "open brackets": "<".repeat(SIZE), "closed at the end": `${"<".repeat(SIZE)}>` }, uriOf);
  });
});
