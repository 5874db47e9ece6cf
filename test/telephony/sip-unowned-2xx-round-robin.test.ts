// A 2xx for a call this run does not have (resent after a restart: its ACK died with the run that placed the
// call) is ACKed and its dialog hung up at the server that sent it, at the trunk's port. A trunk name may
// resolve to several SBCs in turn (round-robin A records); handed the name for each datagram, the ACK and the
// BYE went to whichever SBC the next lookup gave, so the one holding the dialog kept resending its 2xx and
// its callee stayed on a line nobody hung up. A resolver answering the name with 127.0.0.1 and 127.0.0.2 in
// turn plays the round-robin DNS (and with both when asked for all its addresses). A source can be forged: a
// 2xx from an address the name does not resolve to (127.0.0.3) is ACKed and hung up at the trunk's name as
// before, not reflected to whatever host its sender names; and the same while the name's addresses cannot be
// had. Resends that come while they are looked up make no second ACK or BYE. A trunk given as an address
// is that server: a 2xx's source address does not move the ACK and the BYE elsewhere.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import dns from "node:dns";
import { afterEach, beforeEach, describe, it } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { sleep, until } from "./sip-harness.ts";

const TRUNK = "trunk.test";
const SBC_HOSTS = ["127.0.0.1", "127.0.0.2"];
/** A host the trunk's name does not resolve to, that a forged 2xx names as its source. */
const FORGED_HOST = "127.0.0.3";
/** The Call-ID of a call an earlier run placed (the driver's own make). */
const LEFT_CALL_ID = "deadbeef0001@outdial";

type Received = { text: string; from: dgram.RemoteInfo };

/** A bare UDP SBC at host:port recording what it gets. */
interface Sbc {
  host: string;
  socket: dgram.Socket;
  got: Received[];
  /** Requests of the earlier run's dialog whose start line begins with `start` ("ACK ", "BYE "). */
  ofLeftCall(start: string): Received[];
  close(): Promise<void>;
}

async function openSbc(host: string, port: number): Promise<Sbc> {
  const socket = dgram.createSocket("udp4");
  const got: Received[] = [];
  socket.on("message", (d, from) => got.push({ text: d.toString("utf8"), from }));
  await new Promise<void>((r) => socket.bind(port, host, () => r()));
  return {
    host,
    socket,
    got,
    ofLeftCall: (start) => got.filter((d) => d.text.startsWith(start) && d.text.includes(LEFT_CALL_ID)),
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

/** `req`'s response `statusLine`, its Via, From, To, Call-ID and CSeq as they came. */
function responseTo(req: Received, statusLine: string): string {
  const keep = req.text.split("\r\n").filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
  return [statusLine, ...keep, "Content-Length: 0", "", ""].join("\r\n");
}

/** The 2xx an SBC at `host:port` resends of the earlier run's call, toward the driver at `driverPort`. */
function leftCall2xx(host: string, port: number, driverPort: number): string {
  return [
    "SIP/2.0 200 OK",
    `Via: SIP/2.0/UDP 127.0.0.1:${driverPort};branch=z9hG4bKold1`,
    "From: <sip:+15550199@trunk.test>;tag=ourtag1",
    "To: <sip:+15550111@trunk.test>;tag=sbctag1",
    `Call-ID: ${LEFT_CALL_ID}`,
    "CSeq: 1 INVITE",
    `Contact: <sip:callee@${host}:${port}>`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}

describe("sip driver: a 2xx of a call it does not have, toward a trunk name that resolves round-robin", () => {
  const realLookup = dns.lookup;
  /** Lookups of one address of the trunk's name, and of all its addresses. */
  let lookups = 0;
  let allLookups = 0;
  /** While set, answers to lookups of all the name's addresses wait here. */
  let heldAnswers: (() => void)[] | null = null;
  /** Lookups of all the name's addresses fail (ENOTFOUND). */
  let allFail = false;
  let sbcs: Sbc[] = [];
  let forger: Sbc | null = null;
  let driver: SipDriver | null = null;

  beforeEach(() => {
    lookups = 0;
    allLookups = 0;
    heldAnswers = null;
    allFail = false;
    // The trunk's name answered with its addresses in turn, as round-robin DNS does, or with all of them when
    // asked (`all: true`); any other name as ever.
    (dns as { lookup: unknown }).lookup = (host: string, opts: unknown, cb: unknown) => {
      if (host !== TRUNK) return (realLookup as (...args: unknown[]) => unknown)(host, opts, cb);
      const callback = (typeof opts === "function" ? opts : cb) as (e: Error | null, ...a: unknown[]) => void;
      if ((opts as { all?: boolean } | null)?.all) {
        allLookups++;
        const notFound = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
        const all = SBC_HOSTS.map((address) => ({ address, family: 4 }));
        const answer = () => (allFail ? callback(notFound) : callback(null, all));
        if (heldAnswers) heldAnswers.push(answer);
        else process.nextTick(answer);
        return;
      }
      const address = SBC_HOSTS[lookups++ % SBC_HOSTS.length];
      process.nextTick(() => callback(null, address, 4));
    };
  });
  afterEach(async () => {
    (dns as { lookup: unknown }).lookup = realLookup;
    await driver?.close();
    driver = null;
    for (const s of [...sbcs, ...(forger ? [forger] : [])]) await s.close();
    sbcs = [];
    forger = null;
  });

  /** The driver toward `trunkHost` at a port both SBCs listen on; returns that port and the driver's. */
  const setUp = async (trunkHost: string) => {
    const port = await sharedPort();
    sbcs = await Promise.all(SBC_HOSTS.map((host) => openSbc(host, port)));
    driver = new SipDriver(
      { clock: new WallClock() },
      { trunk: { host: trunkHost, port }, bindHost: "127.0.0.1", bindPort: 0, t1Ms: 100, closeWaitMs: 300 },
    );
    await driver.start();
    driver.setListener({ ringing: () => {}, answered: () => {}, ended: () => {} });
    // One call of this run's, refused busy, shows where the driver listens: where its INVITE came from.
    driver.originate({ callId: "c1", to: "+15550100", callerId: "+15550199", ringTimeoutSec: 30 });
    await until("the INVITE", () => sbcs.some((s) => s.got.length > 0));
    const invite = sbcs.flatMap((s) => s.got)[0];
    const ringing = sbcs.find((s) => s.got.includes(invite)) as Sbc;
    ringing.socket.send(responseTo(invite, "SIP/2.0 486 Busy Here"), invite.from.port, invite.from.address);
    await until("the 486's ACK", () => ringing.got.some((d) => d.text.startsWith("ACK ")));
    return { port, driverPort: invite.from.port };
  };

  /** `sbc` resends the earlier run's 2xx until it has the ACK and the BYE, which it answers. */
  const resend2xxUntilHungUp = async (sbc: Sbc, port: number, driverPort: number) => {
    sbc.socket.send(leftCall2xx(sbc.host, port, driverPort), driverPort, "127.0.0.1");
    const others = sbcs.filter((s) => s !== sbc);
    const sent = () => [sbc, ...others].flatMap((s) => [...s.ofLeftCall("ACK "), ...s.ofLeftCall("BYE ")]);
    await until("the ACK and the BYE", () => sent().some((d) => d.text.startsWith("BYE ")));
    const bye = sent().find((d) => d.text.startsWith("BYE ")) as Received;
    sbc.socket.send(responseTo(bye, "SIP/2.0 200 OK"), bye.from.port, bye.from.address);
    await sleep(150);
  };

  it("ACKs and hangs up the dialog at the SBC that sent its 2xx, not wherever the name resolves next", async () => {
    const { port, driverPort } = await setUp(TRUNK);
    const [holder, other] = sbcs;
    await resend2xxUntilHungUp(holder, port, driverPort);
    assert.equal(holder.ofLeftCall("ACK ").length, 1, "the 2xx was ACKed where it came from");
    assert.equal(holder.ofLeftCall("BYE ").length, 1, "the dialog was hung up where it is held, once");
    const elsewhere = [...other.ofLeftCall("ACK "), ...other.ofLeftCall("BYE ")];
    assert.deepEqual(
      elsewhere.map((d) => d.text.split("\r\n")[0]),
      [],
      `requests of the dialog held at ${holder.host} went to ${other.host}`,
    );
    // Only this run's call looked up an address to send to; the 2xx, whether its source is the name's.
    assert.equal(lookups, 1);
    assert.equal(allLookups, 1);
  });

  it("hangs up the dialog of a 2xx from the other SBC there too", async () => {
    const { port, driverPort } = await setUp(TRUNK);
    const [other, holder] = sbcs;
    await resend2xxUntilHungUp(holder, port, driverPort);
    assert.equal(holder.ofLeftCall("ACK ").length, 1);
    assert.equal(holder.ofLeftCall("BYE ").length, 1);
    assert.equal(other.ofLeftCall("ACK ").length + other.ofLeftCall("BYE ").length, 0);
  });

  it("ACKs and hangs up a 2xx from an address the name does not resolve to at the name, not its sender", async () => {
    const { port, driverPort } = await setUp(TRUNK);
    const victim = await openForger(port);
    // Forged: its source is anyone's, and the ACK and the BYE must not go back there.
    victim.socket.send(leftCall2xx(victim.host, port, driverPort), driverPort, "127.0.0.1");
    await hangUpAtTrunk();
    assert.equal(
      sbcs.flatMap((s) => s.ofLeftCall("ACK ")).length,
      1,
      "the 2xx was ACKed at the trunk's name",
    );
    assert.deepEqual(
      victim.got.map((d) => d.text.split("\r\n")[0]),
      [],
      `requests went to ${victim.host}`,
    );
  });

  it("while the name's addresses are looked up, ACKs and hangs up a 2xx resent meanwhile once", async () => {
    const { port, driverPort } = await setUp(TRUNK);
    const [holder] = sbcs;
    heldAnswers = [];
    for (let i = 0; i < 3; i++)
      holder.socket.send(leftCall2xx(holder.host, port, driverPort), driverPort, "127.0.0.1");
    await until("the lookup", () => (heldAnswers?.length ?? 0) > 0);
    await sleep(50);
    const answers = heldAnswers;
    heldAnswers = null;
    for (const answer of answers) answer();
    await until("the BYE", () => holder.ofLeftCall("BYE ").length > 0);
    const bye = holder.ofLeftCall("BYE ")[0];
    holder.socket.send(responseTo(bye, "SIP/2.0 200 OK"), bye.from.port, bye.from.address);
    await sleep(150);
    assert.equal(allLookups, 1, "resends waited for the first 2xx's lookup");
    assert.equal(holder.ofLeftCall("ACK ").length, 1);
    assert.equal(holder.ofLeftCall("BYE ").length, 1);
  });

  it("when the name's addresses cannot be had, ACKs and hangs up at the name, not the 2xx's sender", async () => {
    const { port, driverPort } = await setUp(TRUNK);
    const victim = await openForger(port);
    allFail = true;
    victim.socket.send(leftCall2xx(victim.host, port, driverPort), driverPort, "127.0.0.1");
    await hangUpAtTrunk();
    assert.equal(sbcs.flatMap((s) => s.ofLeftCall("ACK ")).length, 1);
    assert.deepEqual(victim.got, []);
  });

  it("toward a trunk given as an address, ACKs and hangs up there whatever address the 2xx came from", async () => {
    const { port, driverPort } = await setUp(SBC_HOSTS[0]);
    const [trunk, elsewhere] = sbcs;
    elsewhere.socket.send(leftCall2xx(elsewhere.host, port, driverPort), driverPort, "127.0.0.1");
    await until("the BYE", () => trunk.ofLeftCall("BYE ").length > 0);
    const bye = trunk.ofLeftCall("BYE ")[0];
    trunk.socket.send(responseTo(bye, "SIP/2.0 200 OK"), bye.from.port, bye.from.address);
    await sleep(150);
    assert.equal(trunk.ofLeftCall("ACK ").length, 1);
    assert.equal(elsewhere.ofLeftCall("ACK ").length + elsewhere.ofLeftCall("BYE ").length, 0);
    assert.equal(lookups + allLookups, 0);
  });

  /** A socket at FORGED_HOST on the trunk's `port`, where a 2xx's ACK and BYE would go if its source counted. */
  const openForger = async (port: number) => {
    forger = await openSbc(FORGED_HOST, port);
    return forger;
  };

  /** Waits for the left call's BYE at whichever SBC the trunk's name took it to, and answers it. */
  const hangUpAtTrunk = async () => {
    const byes = () => sbcs.flatMap((s) => s.ofLeftCall("BYE "));
    await until("the BYE at the trunk", () => byes().length > 0);
    const [bye] = byes();
    const at = sbcs.find((s) => s.got.includes(bye)) as Sbc;
    at.socket.send(responseTo(bye, "SIP/2.0 200 OK"), bye.from.port, bye.from.address);
    await sleep(150);
  };
});

/** A port both SBC hosts and the forged one can bind. */
async function sharedPort(): Promise<number> {
  for (;;) {
    const probe = dgram.createSocket("udp4");
    await new Promise<void>((r) => probe.bind(0, SBC_HOSTS[0], () => r()));
    const { port } = probe.address();
    await new Promise<void>((r) => probe.close(() => r()));
    if (await freeAt(port, [SBC_HOSTS[1], FORGED_HOST])) return port;
  }
}

async function freeAt(port: number, hosts: string[]): Promise<boolean> {
  for (const host of hosts) {
    const socket = dgram.createSocket("udp4");
    const free = await new Promise<boolean>((r) => {
      socket.once("error", () => r(false));
      socket.bind(port, host, () => r(true));
    });
    await new Promise<void>((r) => socket.close(() => r()));
    if (!free) return false;
  }
  return true;
}
