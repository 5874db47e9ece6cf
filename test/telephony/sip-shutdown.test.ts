// The sip driver's start and close: close() settles the calls still up within its bound (a CANCEL once a
// provisional response allows it, an ACK and BYE for an answer, the BYEs out answered) and says which it could
// not; start() and close() racing leave no socket bound. Against SIPp, and a bare UDP far end where SIPp
// cannot be silent on cue.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, describe, it } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { skipWithoutSipp, startSipp } from "../helpers/sipp.ts";
import { driverFor, FAR_SDP, FarEnd, sleep } from "./sip-harness.ts";

describe("sip driver close() against SIPp", { skip: skipWithoutSipp }, () => {
  const closing: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closing) await close();
  });

  it("a call answered before any provisional is ACKed and hung up, and close() waits for the BYE's answer", async () => {
    const sipp = await startSipp("answer-unannounced.xml", 1, 10);
    closing.push(() => sipp.stop());
    // T1 500 ms: the INVITE is not resent before SIPp's 200 at 100 ms, even on a loaded machine.
    const { driver, call, warnings } = await driverFor(sipp.port, { t1Ms: 500 });
    const h = call("u1");
    const started = Date.now();
    await driver.close();
    const took = Date.now() - started;
    const exit = await sipp.exited;
    assert.equal(exit.code, 0, exit.output.slice(-1500));
    // SIPp answers the BYE 700 ms after it came: close() waited for it, resending the BYE at T1 meanwhile.
    assert.ok(took >= 750 && took < 2500, `close() took ${took} ms`);
    const resent = Number(/-{10}> BYE\s+1\s+(\d+)/.exec(exit.output)?.[1]);
    assert.ok(resent >= 1, `${resent} retransmissions of the BYE (${exit.output.slice(-1500)})`);
    assert.deepEqual(warnings, []);
    // The call close() hung up is reported, once, so that the engine records its outcome (it was hung up
    // before its answer came: the answer crossed the hang-up).
    assert.equal(h.endings.length, 1, "the engine hears how the call close() hung up ended");
  });

  it("a call that rings only after 2.5 s is still cancelled when it does", async () => {
    const sipp = await startSipp("ring-late.xml", 1, 10);
    closing.push(() => sipp.stop());
    const { driver, call, warnings } = await driverFor(sipp.port);
    call("l1");
    const started = Date.now();
    await driver.close();
    const took = Date.now() - started;
    const exit = await sipp.exited;
    assert.equal(exit.code, 0, exit.output.slice(-1500));
    assert.ok(took >= 2400 && took < 4000, `close() took ${took} ms`);
    assert.deepEqual(warnings, []);
  });
});

describe("sip driver close() toward a far end that does not settle", () => {
  it("gives up at its bound and reports each call it leaves unsettled, and why", async () => {
    const far = await FarEnd.open();
    const { driver, call, warnings } = await driverFor(far.port, { closeWaitMs: 300 });
    try {
      // The silent call's INVITE keeps coming (T1 = 100 ms): each call's own is picked by its attempt id.
      const inviteOf = async (id: string) => {
        for (;;) {
          const invite = await far.next("INVITE ");
          if (invite.text.includes(`X-Outdial-Call-Id: ${id}\r`)) return invite;
        }
      };
      const silent = call("silent");
      await inviteOf("silent");
      const ringing = call("ringing");
      far.reply(await inviteOf("ringing"), 100, "Trying");
      const answered = call("answered");
      const invite = await inviteOf("answered");
      const contact = `Contact: <sip:far@127.0.0.1:${far.port}>`;
      far.reply(invite, 200, "OK", { toTag: "far3", headers: [contact], body: FAR_SDP });
      await far.next("ACK ");
      assert.deepEqual(answered.answered, ["human"]);
      const started = Date.now();
      await driver.close(); // the CANCEL and the BYE go out, and are never answered
      const took = Date.now() - started;
      assert.ok(took >= 290 && took < 1500, `close() took ${took} ms`);
      assert.equal(warnings.length, 3, warnings.join("\n"));
      const about = (id: string) => warnings.find((w) => w.includes(`call ${id} `)) ?? "";
      assert.match(about("silent"), /INVITE had no response.*§9\.1/);
      assert.match(about("ringing"), /CANCEL had no final answer/);
      assert.match(about("answered"), /BYE was not answered/);
      assert.ok(far.all("CANCEL ").length >= 1 && far.all("BYE ").length >= 1);
      // Each is still recorded, once, as far as the driver knows: left unreported, its attempt would stay
      // open until a lease check called it lost and dialed the contact again.
      for (const h of [silent, ringing, answered]) assert.equal(h.endings.length, 1);
      assert.equal(silent.endings[0].cause, "cancelled");
      assert.equal(ringing.endings[0].cause, "cancelled");
      const talked = answered.endings[0];
      assert.equal(talked.cause, "normal");
      assert.equal(talked.answeredBy, "human");
      // Until our BYE, not until close() gave up on its answer.
      assert.ok(talked.talkSec >= 0 && talked.talkSec < 0.2, `talk ${talked.talkSec}`);
    } finally {
      await driver.close();
      await far.close();
    }
  });
});

describe("sip driver close() recording the calls it gives up on", () => {
  it("an answered call whose BYE is never answered ends normal, its talk time up to our hang-up", async () => {
    const far = await FarEnd.open();
    const { driver, call, warnings } = await driverFor(far.port, { closeWaitMs: 400 });
    try {
      const h = call("t1");
      await far.answer();
      assert.deepEqual(h.answered, ["human"]);
      await sleep(300); // the callee talks
      await driver.close(); // the BYE goes out, and the trunk never answers it
      assert.equal(h.endings.length, 1, "the engine hears how the answered call ended");
      const ended = h.endings[0];
      assert.equal(ended.cause, "normal");
      assert.equal(ended.answeredBy, "human");
      assert.ok(ended.talkSec >= 0.25 && ended.talkSec < 0.55, `talk ${ended.talkSec}`);
      assert.equal(warnings.length, 1, warnings.join("\n"));
    } finally {
      await driver.close();
      await far.close();
    }
  });

  it("a call past its ring timeout whose CANCEL is never answered ends no_answer", async () => {
    const far = await FarEnd.open();
    const { driver, call } = await driverFor(far.port, { closeWaitMs: 300 });
    try {
      const h = call("r1", "+15550100", 0.2);
      far.reply(await far.next("INVITE "), 180, "Ringing", { toTag: "far1" });
      await far.next("CANCEL "); // the ring time ran out; no 200, no 487
      await driver.close();
      assert.equal(h.endings.length, 1);
      assert.equal(h.endings[0].cause, "no_answer");
    } finally {
      await driver.close();
      await far.close();
    }
  });
});

/** UDP sockets this process holds open (bound or binding), once the ones closing have closed. */
async function udpHandles(): Promise<number> {
  await sleep(50);
  return process.getActiveResourcesInfo().filter((r) => r === "UDPWrap").length;
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const driverOn = (port: number) =>
  new SipDriver(
    { clock: new WallClock() },
    { trunk: { host: "127.0.0.1", port: 9 }, bindHost: "127.0.0.1", bindPort: port, warn: () => {} },
  );

describe("sip driver start() and close() racing", () => {
  it("close() while start() binds: start() fails, close() resolves, and no socket is left bound", {
    timeout: 5000,
  }, async () => {
    const before = await udpHandles();
    const port = await freePort();
    const driver = driverOn(port);
    const starting = driver.start();
    await driver.close();
    await assert.rejects(starting, /closed while it started/);
    assert.equal(await udpHandles(), before);
    // The SIP port is free again.
    const probe = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.bind(port, "127.0.0.1", () => resolve());
    });
    await new Promise<void>((r) => probe.close(() => r()));
  });

  it("start() after close() fails, binding nothing", { timeout: 5000 }, async () => {
    const before = await udpHandles();
    const driver = driverOn(0);
    await driver.close();
    await assert.rejects(driver.start(), /closed: it cannot be started again/);
    assert.equal(await udpHandles(), before);
    await driver.close(); // again: a no-op
  });

  it("a start() that cannot bind its port holds no socket afterwards", { timeout: 5000 }, async () => {
    const taken = dgram.createSocket("udp4");
    await new Promise<void>((r) => taken.bind(0, "127.0.0.1", () => r()));
    try {
      const before = await udpHandles();
      const driver = driverOn(taken.address().port);
      await assert.rejects(driver.start(), /EADDRINUSE/);
      assert.equal(await udpHandles(), before);
      await driver.close();
    } finally {
      taken.close();
    }
  });
});
