// A far end's offer mid-call answered as RFC 3264 §6 asks: exactly the offer's m= lines in its order, the
// first audio stream on a port ours (its direction from its own attributes and the session's, not another
// stream's), every other stream declined with port 0. A fax gateway's re-INVITE or UPDATE to T.38 (m=image),
// with no audio to take, gets a 488 and changes nothing: not the session's SDP version, not the dialog's
// remote target (RFC 3261 §14.2). Each answer's o= version is one up when its m= lines change (§8).
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { type Datagram, driverFor, FarEnd } from "./sip-harness.ts";

const SESSION = "v=0\r\no=far 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
const AUDIO = "m=audio 4000 RTP/AVP 0\r\n";
const VIDEO = "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
const T38 = "m=image 4004 udptl t38\r\na=T38FaxVersion:0\r\na=T38FaxRateManagement:transferredTCF\r\n";

const bodyOf = (text: string) => text.slice(text.indexOf("\r\n\r\n") + 4);
/** An answer's m= lines, our audio line shown as "ours". */
const mLinesOf = (text: string) =>
  [...bodyOf(text).matchAll(/^m=.*?(?=\r$)/gm)].map((m) =>
    /^m=audio [1-9]\d* RTP\/AVP 0 8 101$/.test(m[0]) ? "ours" : m[0],
  );
const versionOf = (text: string) => Number(/^o=\S+ \S+ (\d+) /m.exec(text)?.[1]);
const directionOf = (text: string) =>
  [...bodyOf(text).matchAll(/^a=(sendrecv|sendonly|recvonly|inactive)\r$/gm)].map((m) => m[1]);

describe("sip driver: an offer's m= lines in the answer (RFC 3264 §6)", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });
  const answered = async (name: string) => {
    far = await FarEnd.open();
    const made = await driverFor(far.port, { closeWaitMs: 200 });
    driver = made.driver;
    made.call(name);
    return far.answer();
  };
  /** The far end's re-INVITE (ACKed) or UPDATE with `offer`; the driver's response. */
  const offer = async (invite: Datagram, method: string, seq: number, sdp: string, extra = "") => {
    const text = far.inDialog(invite, method, seq, "far1", sdp);
    far.send(extra ? text.replace("Content-Length:", `${extra}\r\nContent-Length:`) : text, invite.from);
    const res = await far.next("SIP/2.0 ");
    if (method === "INVITE") far.send(far.inDialog(invite, "ACK", seq), invite.from);
    return res.text;
  };

  it("audio and video: ours and the video declined, in the offer's order, the version up as they change", async () => {
    const invite = await answered("av");
    const both = await offer(invite, "INVITE", 2, `${SESSION}${AUDIO}${VIDEO}`);
    assert.match(both, /^SIP\/2\.0 200 /);
    assert.deepEqual(mLinesOf(both), ["ours", "m=video 0 RTP/AVP 96"]);
    assert.equal(versionOf(both), versionOf(invite.text) + 1);

    const videoFirst = await offer(invite, "UPDATE", 3, `${SESSION}${VIDEO}${AUDIO}`);
    assert.deepEqual(mLinesOf(videoFirst), ["m=video 0 RTP/AVP 96", "ours"]);
    assert.equal(versionOf(videoFirst), versionOf(invite.text) + 2);

    const same = await offer(invite, "UPDATE", 4, `${SESSION}${VIDEO}${AUDIO}`);
    assert.equal(versionOf(same), versionOf(videoFirst), "the same answer again keeps its version");

    const audioOnly = await offer(invite, "INVITE", 5, `${SESSION}${AUDIO}`);
    assert.deepEqual(mLinesOf(audioOnly), ["ours"]);
    assert.equal(versionOf(audioOnly), versionOf(invite.text) + 3);
  });

  it("a second audio stream is declined, and one offered with port 0 is not taken", async () => {
    const invite = await answered("two-audio");
    const two = await offer(invite, "UPDATE", 2, `${SESSION}m=audio 0 RTP/AVP 8\r\n${AUDIO}${AUDIO}`);
    assert.deepEqual(mLinesOf(two), ["m=audio 0 RTP/AVP 8", "ours", "m=audio 0 RTP/AVP 0"]);
  });

  it("the audio stream's direction comes from its own attributes, not the video's", async () => {
    const invite = await answered("av-dir");
    const res = await offer(invite, "UPDATE", 2, `${SESSION}${AUDIO}a=sendonly\r\n${VIDEO}a=recvonly\r\n`);
    assert.deepEqual(directionOf(res), ["recvonly"]);
  });

  for (const [name, method, sdp] of [
    ["a re-INVITE to T.38", "INVITE", `${SESSION}${T38}`],
    ["an UPDATE to T.38 with its audio off", "UPDATE", `${SESSION}m=audio 0 RTP/AVP 0\r\n${T38}`],
  ] as const) {
    it(`${name} is refused 488 and changes neither the session nor the remote target`, async () => {
      const invite = await answered(`fax-${method}`);
      const moved = "Contact: <sip:moved@127.0.0.1:9>";
      const refused = await offer(invite, method, 2, sdp, moved);
      assert.match(refused, /^SIP\/2\.0 488 Not Acceptable Here\r\n/);
      assert.equal(bodyOf(refused), "");
      // Back to audio: the session as it was, its version unchanged.
      const back = await offer(invite, "UPDATE", 3, `${SESSION}${AUDIO}`);
      assert.deepEqual(mLinesOf(back), ["ours"]);
      assert.equal(versionOf(back), versionOf(invite.text));
      driver?.hangup(`fax-${method}`);
      const bye = await far.next("BYE ");
      assert.equal(bye.text.split("\r\n")[0], `BYE sip:far@127.0.0.1:${far.port} SIP/2.0`);
      far.reply(bye, 200, "OK");
    });
  }
});
