// OUTDIAL_SIP_TRUNK written as a SIP URI with credentials (sip:user:password@host, RFC 3261 §19.1.1's
// userinfo, the string SIP providers hand out) was refused, rightly, since the driver takes its digest
// credentials from OUTDIAL_SIP_USERNAME and OUTDIAL_SIP_PASSWORD, but the refusal quoted the whole value:
// the password went to stderr and into whatever log a supervisor keeps. It now says a URI with user
// information is not taken, points to those two variables and quotes nothing before the last `@`; the
// other sip variables whose refusal quotes the value (OUTDIAL_SIP_BIND, _PUBLIC_HOST, _FROM_DOMAIN) hide
// user information the same way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.ts";

const SECRET = "Tr0nkPassw0rd";

/** The message loadConfig refuses `env` with (the sip driver's), checked not to hold SECRET. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ OUTDIAL_DRIVER: "sip", OUTDIAL_SIP_TRUNK: "pbx.example.net", ...env });
  } catch (err) {
    const { message } = err as Error;
    assert.doesNotMatch(message, new RegExp(SECRET), `the refusal prints the password: ${message}`);
    return message;
  }
  assert.fail(`${JSON.stringify(env)} was taken`);
}

test("a SIP trunk URI with user information is refused pointing to the credential variables", () => {
  for (const trunk of [
    `sip:acme:${SECRET}@trunk.example.net:5060`,
    `acme:${SECRET}@trunk.example.net:5060`,
  ]) {
    const message = refusal({ OUTDIAL_SIP_TRUNK: trunk });
    assert.match(
      message,
      /OUTDIAL_SIP_TRUNK is a URI with user information \("…@trunk\.example\.net:5060"\)/,
    );
    assert.match(message, /OUTDIAL_SIP_USERNAME and OUTDIAL_SIP_PASSWORD/);
  }
  // A password holding an `@` (unescaped, as pasted) shows none of it: only what follows the last `@`.
  assert.match(refusal({ OUTDIAL_SIP_TRUNK: `sip:acme:${SECRET}@x@trunk` }), /\("…@trunk"\)/);
});

test("the other sip addresses refused with their value quote no user information either", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { OUTDIAL_SIP_BIND: `acme:${SECRET}@10.0.0.5:5062` },
      /OUTDIAL_SIP_BIND must be host\[:port\].*"…@10\.0\.0\.5:5062"/,
    ],
    [
      { OUTDIAL_SIP_PUBLIC_HOST: `acme:${SECRET}@203.0.113.7` },
      /OUTDIAL_SIP_PUBLIC_HOST must be a host.*"…@203\.0\.113\.7"/,
    ],
    [
      { OUTDIAL_SIP_FROM_DOMAIN: `sip:acme:${SECRET}@example.net` },
      /OUTDIAL_SIP_FROM_DOMAIN must be a host.*"…@example\.net"/,
    ],
  ];
  for (const [env, message] of cases) assert.match(refusal(env), message);
  // A value with no user information is still quoted whole: it names what to correct.
  assert.match(refusal({ OUTDIAL_SIP_TRUNK: "pbx:99999" }), /got "pbx:99999"/);
});
