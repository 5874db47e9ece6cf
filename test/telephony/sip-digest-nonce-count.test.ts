// Digest credentials are worked out again for each request that carries them (RFC 7616 §3.4, RFC 3261
// §22.4): with qop=auth, each request sent with a nonce says the next count for it (nc 00000001, 00000002,
// ...) with a fresh cnonce, and its response hashes that request's method and Request-URI. A proxy's 407
// and then the PBX's 401 send the third INVITE with both realms' answers, the proxy's counted on, not its
// first one resent: a server that keeps count (Kamailio's and OpenSIPS's nonce_count) takes a count it has
// seen for a replay and challenges again, three times at most, till the call fails with the password right.
// A BYE challenged with the nonces the INVITEs used counts on from theirs. The far end is a bare UDP socket
// that checks each answer as such a server does.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { afterEach, describe, it } from "node:test";
import { authParams } from "../../src/telephony/sip/digest.ts";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { type Datagram, driverFor, FAR_SDP, FarEnd, headerOf, sleep } from "./sip-harness.ts";

const alice = { username: "alice", password: "s3cret" };
const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

const PROXY = 'Proxy-Authenticate: Digest realm="proxy.test", nonce="p1", qop="auth"';
const PBX = 'WWW-Authenticate: Digest realm="pbx.test", nonce="b1", qop="auth"';

/** What a server that counts nonce uses checks of the answers a request carries. */
class NonceCounter {
  private readonly counts = new Map<string, number>();
  private readonly cnonces = new Set<string>();

  /** The answer in `req`'s `name` header, checked: its hash is right for this request's method and
   *  Request-URI, its nc the next for its nonce, its cnonce never seen before. */
  take(req: Datagram, name: "Authorization" | "Proxy-Authorization"): Map<string, string> {
    const p = authParams(headerOf(req.text, name) ?? "");
    const [method, uri] = req.text.split(" ", 2);
    const nonce = p.get("nonce") ?? "";
    assert.equal(p.get("uri"), uri, `${method}'s ${name} names its Request-URI`);
    assert.equal(p.get("qop"), "auth");
    const ha1 = md5(`${alice.username}:${p.get("realm")}:${alice.password}`);
    const ha2 = md5(`${method}:${uri}`);
    const hash = md5(`${ha1}:${nonce}:${p.get("nc")}:${p.get("cnonce")}:auth:${ha2}`);
    assert.equal(p.get("response"), hash, `${method}'s ${name} answers for ${method} ${uri}`);
    const expected = (this.counts.get(nonce) ?? 0) + 1;
    assert.equal(p.get("nc"), expected.toString(16).padStart(8, "0"), `${method}: nc for nonce ${nonce}`);
    const cnonce = p.get("cnonce") ?? "";
    assert.ok(cnonce && !this.cnonces.has(cnonce), `${method}'s ${name}: cnonce ${cnonce} used before`);
    this.counts.set(nonce, expected);
    this.cnonces.add(cnonce);
    return p;
  }
}

describe("sip driver: digest answers counted for each request (nc, cnonce)", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });

  /** A call challenged by the proxy (407) and then the PBX (401), both with qop=auth; the INVITE that got
   *  through, checked, with the driver and what it heard. */
  const throughProxyAndPbx = async (id: string, counter: NonceCounter) => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { closeWaitMs: 500, ...alice });
    driver = made.driver;
    const h = made.call(id);
    const inv1 = await far.next("INVITE ");
    far.reply(inv1, 407, "Proxy Authentication Required", { toTag: "p", headers: [PROXY] });
    const inv2 = await far.next("INVITE ");
    assert.equal(counter.take(inv2, "Proxy-Authorization").get("nc"), "00000001");
    far.reply(inv2, 401, "Unauthorized", { toTag: "b", headers: [PBX] });
    const inv3 = await far.next("INVITE ");
    assert.equal(counter.take(inv3, "Proxy-Authorization").get("nc"), "00000002");
    assert.equal(counter.take(inv3, "Authorization").get("nc"), "00000001");
    return { ...made, h, invite: inv3 };
  };

  /** The callee answers `invite`; the ACK of its 200. */
  const answer = async (invite: Datagram): Promise<Datagram> => {
    far.reply(invite, 180, "Ringing", { toTag: "far1" });
    const headers = [`Contact: <sip:far@127.0.0.1:${far.port}>`, "Content-Type: application/sdp"];
    far.reply(invite, 200, "OK", { toTag: "far1", headers, body: FAR_SDP });
    // The challenges' ACKs came first, each in its INVITE's transaction.
    for (;;) {
      const ack = await far.next("ACK ");
      if (/;tag=far1/.test(headerOf(ack.text, "To") ?? "")) return ack;
    }
  };

  it("the INVITE after a proxy's 407 and the PBX's 401 counts the proxy's nonce on (nc=00000002, a new cnonce)", async () => {
    const counter = new NonceCounter();
    const { h, invite, warnings } = await throughProxyAndPbx("nc1", counter);
    const ack = await answer(invite);
    // RFC 3261 §13.2.2.4: the ACK of a 2xx carries the INVITE's credentials as they were.
    for (const name of ["Proxy-Authorization", "Authorization"]) {
      assert.equal(headerOf(ack.text, name), headerOf(invite.text, name), `the ACK's ${name}`);
    }
    await sleep(20);
    assert.deepEqual(h.answered, ["human"]);
    assert.deepEqual(warnings, []);
  });

  it("a BYE challenged with the nonces the INVITEs used counts on from theirs, hashed for BYE and its target", async () => {
    const counter = new NonceCounter();
    const { h, invite, warnings } = await throughProxyAndPbx("nc2", counter);
    await answer(invite);
    await sleep(20);
    driver?.hangup("nc2");
    const bye = await far.next("BYE ");
    far.reply(bye, 407, "Proxy Authentication Required", { headers: [PROXY] });
    const bye2 = await far.next("BYE ");
    assert.match(bye2.text, new RegExp(`^BYE sip:far@127\\.0\\.0\\.1:${far.port} `));
    assert.equal(counter.take(bye2, "Proxy-Authorization").get("nc"), "00000003");
    far.reply(bye2, 401, "Unauthorized", { headers: [PBX] });
    const bye3 = await far.next("BYE ");
    assert.equal(counter.take(bye3, "Proxy-Authorization").get("nc"), "00000004");
    assert.equal(counter.take(bye3, "Authorization").get("nc"), "00000002");
    far.reply(bye3, 200, "OK");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.equal(ended.result, undefined);
    assert.deepEqual(warnings, []);
  });
});
