// A trunk named by a host name (OUTDIAL_SIP_TRUNK is `host[:port]`) is resolved once per call, as its INVITE
// goes out, and everything the call sends goes to that address. Carriers hand out names that resolve to
// several SBCs in turn (round-robin A records); handed the name for each datagram, dgram resolved it anew,
// and the CANCEL or the ACK of a failure could reach an SBC that never saw the INVITE (RFC 3261 §9.1: the
// CANCEL's destination "MUST be identical" to the INVITE's; §17.1.1.3), which answers 481 while the other
// keeps the callee's phone ringing. The BYE of an answered call goes there too, and the journal keeps that
// address, so that a restart's BYE reaches the server holding the dialog. A resolver answering the name
// with 127.0.0.1 and 127.0.0.2 in turn plays the round-robin DNS; an IP literal trunk is never looked up.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import dns from "node:dns";
import { afterEach, beforeEach, describe, it } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import type { CallEnded } from "../../src/telephony/driver.ts";
import type { DialogJournal, JournaledDialog } from "../../src/telephony/sip/journal.ts";
import { SipDriver, type SipDriverOptions } from "../../src/telephony/sip/sip-driver.ts";
import { FAR_SDP, sleep, until } from "./sip-harness.ts";

const TRUNK = "trunk.test";
const SBC_HOSTS = ["127.0.0.1", "127.0.0.2"];

type Received = { text: string; from: dgram.RemoteInfo };

/** A bare UDP SBC at host:port recording what it gets; reply() answers a request as its UAS. */
interface Sbc {
  host: string;
  got: Received[];
  /** Requests whose start line begins with `start` ("INVITE ", "CANCEL ", "ACK ", "BYE "). */
  all(start: string): Received[];
  reply(req: Received, statusLine: string, extra?: string[], body?: string): void;
  close(): Promise<void>;
}

async function openSbc(host: string, port: number): Promise<Sbc> {
  const socket = dgram.createSocket("udp4");
  const got: Received[] = [];
  socket.on("message", (d, from) => got.push({ text: d.toString("utf8"), from }));
  await new Promise<void>((r) => socket.bind(port, host, () => r()));
  return {
    host,
    got,
    all: (start) => got.filter((d) => d.text.startsWith(start)),
    reply(req, statusLine, extra = [], body = "") {
      const lines = req.text.split("\r\n");
      const keep = lines.filter((l) => /^(via|from|call-id|cseq):/i.test(l));
      const to = lines.find((l) => /^to:/i.test(l)) ?? "";
      const tagged = /;tag=/.test(to) ? to : `${to};tag=sbc1`;
      const text = [
        statusLine,
        ...keep,
        tagged,
        ...extra,
        `Content-Length: ${Buffer.byteLength(body)}`,
        "",
        body,
      ];
      socket.send(Buffer.from(text.join("\r\n")), req.from.port, req.from.address);
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

describe("sip driver toward a trunk name that resolves round-robin", () => {
  const realLookup = dns.lookup;
  /** How often the trunk's name was looked up. */
  let lookups = 0;
  let sbcs: Sbc[] = [];
  let driver: SipDriver | null = null;
  const endings = new Map<string, CallEnded>();

  beforeEach(async () => {
    lookups = 0;
    endings.clear();
    // The trunk's name answered with its addresses in turn, as round-robin DNS does; any other name as ever.
    (dns as { lookup: unknown }).lookup = (host: string, opts: unknown, cb: unknown) => {
      if (host !== TRUNK) return (realLookup as (...args: unknown[]) => unknown)(host, opts, cb);
      const callback = (typeof opts === "function" ? opts : cb) as (e: null, a: string, f: number) => void;
      const address = SBC_HOSTS[lookups++ % SBC_HOSTS.length];
      process.nextTick(() => callback(null, address, 4));
    };
  });
  afterEach(async () => {
    (dns as { lookup: unknown }).lookup = realLookup;
    await driver?.close();
    driver = null;
    for (const s of sbcs) await s.close();
    sbcs = [];
  });

  const setUp = async (trunkHost: string, extra: Partial<SipDriverOptions> = {}) => {
    const port = await sharedPort();
    sbcs = await Promise.all(SBC_HOSTS.map((host) => openSbc(host, port)));
    driver = new SipDriver(
      { clock: new WallClock() },
      {
        trunk: { host: trunkHost, port },
        bindHost: "127.0.0.1",
        bindPort: 0,
        t1Ms: 100,
        closeWaitMs: 300,
        warn: () => {},
        ...extra,
      },
    );
    await driver.start();
    driver.setListener({ ringing: () => {}, answered: () => {}, ended: (ev) => endings.set(ev.callId, ev) });
    return port;
  };
  const dial = (callId: string) =>
    driver?.originate({ callId, to: "+15550100", callerId: "+15550199", ringTimeoutSec: 30 });
  /** The SBC the call's INVITE reached, and the one it did not. */
  const invited = async () => {
    await until("the INVITE", () => sbcs.some((s) => s.all("INVITE ").length > 0));
    const ringing = sbcs.find((s) => s.all("INVITE ").length > 0) as Sbc;
    return { ringing, other: sbcs.find((s) => s !== ringing) as Sbc };
  };

  it("sends a call's CANCEL where its INVITE went, the name looked up once", async () => {
    await setUp(TRUNK);
    dial("rr1");
    const { ringing, other } = await invited();
    ringing.reply(ringing.all("INVITE ")[0], "SIP/2.0 180 Ringing");
    await sleep(100);
    driver?.hangup("rr1");
    await until("the CANCEL", () => ringing.all("CANCEL ").length > 0 || other.all("CANCEL ").length > 0);
    await sleep(150);
    assert.equal(
      other.all("CANCEL ").length,
      0,
      `the CANCEL went to ${other.host}, which never saw the INVITE`,
    );
    assert.ok(ringing.all("CANCEL ").length > 0, "the SBC ringing the callee got the CANCEL");
    assert.equal(other.got.length, 0, `${other.host} got nothing of the call`);
    assert.equal(lookups, 1);
  });

  it("sends the ACK of a failure where its INVITE went, its INVITE resent there too", async () => {
    await setUp(TRUNK);
    dial("rr2");
    const { ringing, other } = await invited();
    // Unanswered for a while: the INVITE's retransmissions (T1, 2·T1) go to the same SBC.
    await until("a resent INVITE", () => ringing.all("INVITE ").length + other.all("INVITE ").length >= 3);
    ringing.reply(ringing.all("INVITE ")[0], "SIP/2.0 486 Busy Here");
    await until("the call's end", () => endings.has("rr2"));
    await sleep(100);
    assert.equal(endings.get("rr2")?.cause, "busy");
    assert.equal(ringing.all("ACK ").length, 1, "the 486 was ACKed at the SBC that sent it");
    assert.equal(other.got.length, 0, `${other.host} got nothing of the call`);
    assert.equal(lookups, 1);
  });

  it("sends an answered call's ACK and BYE where its INVITE went, and journals that address", async () => {
    const saved: JournaledDialog[] = [];
    const journal: DialogJournal = {
      left: async () => [],
      save: async (_local, dialog) => {
        saved.push(dialog);
      },
      forget: async () => {},
    };
    const port = await setUp(TRUNK, { journal });
    dial("rr3");
    const { ringing, other } = await invited();
    const invite = ringing.all("INVITE ")[0];
    const contact = `Contact: <sip:callee@${ringing.host}:${invite.from.port}>`;
    ringing.reply(invite, "SIP/2.0 200 OK", [contact, "Content-Type: application/sdp"], FAR_SDP);
    await until("the ACK", () => ringing.all("ACK ").length + other.all("ACK ").length > 0);
    await until("the journal", () => saved.length > 0);
    driver?.hangup("rr3");
    await until("the BYE", () => ringing.all("BYE ").length + other.all("BYE ").length > 0);
    const bye = ringing.all("BYE ")[0];
    assert.ok(bye, `the BYE went to ${other.host}, which never saw the INVITE`);
    ringing.reply(bye, "SIP/2.0 200 OK");
    await until("the call's end", () => endings.has("rr3"));
    assert.equal(endings.get("rr3")?.cause, "normal");
    assert.equal(other.got.length, 0, `${other.host} got nothing of the call`);
    // Not the name: a restart's BYE must reach the SBC holding the dialog.
    assert.deepEqual(saved[0].peer, { host: ringing.host, port });
    assert.equal(lookups, 1);
  });

  it("looks the name up again for the next call (DNS may change over a long run)", async () => {
    await setUp(TRUNK);
    dial("rr4");
    dial("rr5");
    await until("both INVITEs", () => sbcs.every((s) => s.all("INVITE ").length > 0));
    assert.equal(lookups, 2);
    for (const s of sbcs) s.reply(s.all("INVITE ")[0], "SIP/2.0 486 Busy Here");
    await until("both calls' ends", () => endings.size === 2);
    await sleep(100);
    // Each SBC got the INVITE of one call and the ACK of that call's 486, nothing of the other call.
    for (const s of sbcs) {
      const callIds = new Set(s.got.map((d) => /^Call-ID: (.*)$/m.exec(d.text)?.[1]));
      assert.equal(callIds.size, 1, `${s.host} got requests of one call: ${[...callIds]}`);
      assert.equal(s.all("ACK ").length, 1);
    }
  });

  it("sends to an IP literal trunk at once, without any lookup", async () => {
    await setUp(SBC_HOSTS[1]);
    dial("ip1");
    // Its INVITE went as originate() ran, as before names were resolved: no resolver in between.
    await until("the INVITE", () => sbcs[1].all("INVITE ").length > 0);
    assert.equal(lookups, 0);
    sbcs[1].reply(sbcs[1].all("INVITE ")[0], "SIP/2.0 180 Ringing");
    await sleep(50);
    driver?.hangup("ip1");
    await until("the CANCEL", () => sbcs[1].all("CANCEL ").length > 0);
    assert.equal(sbcs[0].got.length, 0);
  });

  it("a call hung up before its trunk's name resolved ends cancelled, no INVITE sent", async () => {
    await setUp(TRUNK);
    dial("early1");
    driver?.hangup("early1");
    await until("the call's end", () => endings.has("early1"));
    assert.equal(endings.get("early1")?.cause, "cancelled");
    await sleep(100);
    assert.equal(sbcs[0].got.length + sbcs[1].got.length, 0);
  });
});

/** A port both SBC hosts can bind. */
async function sharedPort(): Promise<number> {
  for (;;) {
    const probe = dgram.createSocket("udp4");
    await new Promise<void>((r) => probe.bind(0, SBC_HOSTS[0], () => r()));
    const { port } = probe.address();
    await new Promise<void>((r) => probe.close(() => r()));
    const second = dgram.createSocket("udp4");
    const free = await new Promise<boolean>((r) => {
      second.once("error", () => r(false));
      second.bind(port, SBC_HOSTS[1], () => r(true));
    });
    await new Promise<void>((r) => second.close(() => r()));
    if (free) return port;
  }
}
