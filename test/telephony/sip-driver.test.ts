// The sip driver against SIPp playing the callee on 127.0.0.1 (scenarios in test/telephony/sipp/), and
// against a bare UDP socket that never answers (retransmission and Timer B).
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, describe, it } from "node:test";
import { causeOf } from "../../src/telephony/sip/sip-driver.ts";
import { skipWithoutSipp, startSipp } from "../helpers/sipp.ts";
import { driverFor, sippSuite } from "./sip-harness.ts";

describe("sip driver against SIPp", { skip: skipWithoutSipp }, () => {
  const { against, finished, keep, cleanup } = sippSuite(30);
  after(cleanup);

  it("reports ringing, the answer and the callee's hang-up with the talk time", async () => {
    const { sipp, call } = await against("answer-bye.xml");
    const h = call("a1");
    const ended = await h.ended;
    assert.equal(h.ringing, 1);
    assert.deepEqual(h.answered, ["human"]);
    assert.equal(ended.cause, "normal");
    assert.equal(ended.answeredBy, "human");
    assert.ok(ended.talkSec >= 0.9 && ended.talkSec < 3, `talk ${ended.talkSec}`);
    assert.ok(ended.ringSec >= 0.25 && ended.ringSec < 2, `ring ${ended.ringSec}`);
    await finished(sipp);
  });

  it("hangs up an answered call with a BYE the callee accepts", async () => {
    const { sipp, driver, call } = await against("answer-wait.xml");
    const h = call("w1");
    while (h.answered.length === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    driver.hangup("w1");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    assert.ok(ended.talkSec >= 0.25 && ended.talkSec < 2, `talk ${ended.talkSec}`);
    await finished(sipp);
  });

  for (const [scenario, cause, code] of [
    ["busy.xml", "busy", 486],
    ["decline.xml", "rejected", 603],
  ] as const) {
    it(`reports ${code} as ${cause} and acknowledges it`, async () => {
      const { sipp, call } = await against(scenario);
      const h = call("r1");
      const ended = await h.ended;
      assert.equal(ended.cause, cause);
      assert.equal(ended.code, code);
      assert.equal(ended.talkSec, 0);
      assert.deepEqual(h.answered, []);
      // sipp waits for our ACK: its clean exit shows the ACK came.
      await finished(sipp);
    });
  }

  it("cancels at the ring timeout: no answer, the CANCEL answered and the 487 acknowledged", async () => {
    const { sipp, call } = await against("ring.xml");
    const started = Date.now();
    const h = call("t1", "+15550100", 1);
    const ended = await h.ended;
    assert.equal(ended.cause, "no_answer");
    assert.equal(ended.code, 487);
    assert.equal(h.ringing, 1);
    const took = Date.now() - started;
    assert.ok(took >= 950 && took < 3000, `ended after ${took} ms`);
    await finished(sipp);
  });

  it("a hang-up before the answer is a CANCEL, reported as cancelled", async () => {
    const { sipp, driver, call } = await against("ring.xml");
    const h = call("c1");
    while (h.ringing === 0) await new Promise((r) => setTimeout(r, 20));
    driver.hangup("c1");
    const ended = await h.ended;
    assert.equal(ended.cause, "cancelled");
    assert.equal(ended.code, 487);
    await finished(sipp);
  });

  it("answers a digest challenge with the trunk's credentials", async () => {
    const { sipp, driver, call } = await against("auth.xml", { username: "alice", password: "s3cret" });
    const h = call("d1");
    while (h.answered.length === 0) await new Promise((r) => setTimeout(r, 20));
    driver.hangup("d1");
    const ended = await h.ended;
    assert.equal(ended.cause, "normal");
    await finished(sipp);
  });

  it("a wrong password is refused by the trunk (403) and the call fails", async () => {
    const { sipp, call } = await against("auth.xml", { username: "alice", password: "wrong" });
    const ended = await call("d2").ended;
    assert.equal(ended.cause, "failed");
    assert.equal(ended.code, 403);
    await finished(sipp);
  });

  it("without credentials a challenge fails the call with its own code", async () => {
    const { call } = await against("auth.xml");
    const ended = await call("d3").ended;
    assert.equal(ended.cause, "failed");
    assert.equal(ended.code, 401);
  });

  it("hangs up an answered call at the longest call allowed (a BYE that never comes holds no channel forever)", async () => {
    const { sipp, call } = await against("answer-wait.xml", { maxCallSec: 0.5 });
    const h = call("m1");
    const ended = await h.ended;
    assert.deepEqual(h.answered, ["human"]);
    assert.equal(ended.cause, "normal");
    assert.ok(ended.talkSec >= 0.45 && ended.talkSec < 1.5, `talk ${ended.talkSec}`);
    await finished(sipp);
  });

  it("close() hangs up the calls still up", async () => {
    const sipp = await startSipp("answer-wait.xml");
    const { driver, call } = await driverFor(sipp.port);
    keep(() => sipp.stop());
    const h = call("x1");
    while (h.answered.length === 0) await new Promise((r) => setTimeout(r, 20));
    await driver.close();
    // sipp's scenario ends only with our BYE answered.
    await finished(sipp);
  });
});

describe("sip driver toward a trunk that never answers", () => {
  it("retransmits the INVITE at T1, 2·T1, 4·T1 … and fails the call with 408 at 64·T1", async () => {
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
    const invites: number[] = [];
    const first = { at: 0 };
    silent.on("message", (m) => {
      if (!m.toString().startsWith("INVITE ")) return;
      if (invites.length === 0) first.at = Date.now();
      invites.push(Date.now() - first.at);
    });
    // Each resend is timed from the one before, Timer B from the start: the seventh INVITE (63·T1) goes T1
    // before Timer B (64·T1), and the first doubling is told from lateness by T1/2. T1 is 100 ms so that a
    // busy machine's late timers (a few to tens of ms each, adding up over six resends) fit in those margins.
    const T1 = 100;
    const { driver, call } = await driverFor(silent.address().port, { t1Ms: T1 });
    try {
      const started = Date.now();
      const ended = await call("s1").ended;
      const took = Date.now() - started;
      assert.equal(ended.cause, "failed");
      assert.equal(ended.code, 408);
      assert.ok(took >= 64 * T1 - 10 && took < 64 * T1 + 1000, `gave up after ${took} ms`);
      // Sent at 0, 1, 3, 7, 15, 31 and 63 T1: seven INVITEs, each gap twice the one before.
      assert.equal(invites.length, 7, `INVITEs at ${invites.join(", ")} ms`);
      for (let i = 2; i < invites.length; i++) {
        const gap = invites[i] - invites[i - 1];
        const before = invites[i - 1] - invites[i - 2];
        assert.ok(gap > before * 1.5, `gaps ${invites.join(", ")}`);
      }
    } finally {
      await driver.close();
      silent.close();
    }
  });

  it("a trunk that never answers fails the call even when the ring time ran out first (not no_answer)", async () => {
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
    const { driver, call } = await driverFor(silent.address().port, { t1Ms: 10 });
    try {
      // Ring timeout 0.2 s, Timer B at 64·T1 = 0.64 s: as with the defaults (30 s against 32 s).
      const ended = await call("dead", "+15550100", 0.2).ended;
      assert.equal(ended.cause, "failed");
      assert.equal(ended.code, 408);
    } finally {
      await driver.close();
      silent.close();
    }
  });

  it("escapes a phone number and caller id that hold line breaks: no header can be injected", async () => {
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
    const got = new Promise<string>((resolve) => silent.once("message", (m) => resolve(m.toString())));
    const { driver, call } = await driverFor(silent.address().port);
    try {
      call("inj", "+1555\r\nX-Evil: 1", 20, 'Bob"\r\nX-Evil: 2');
      const invite = await got;
      assert.ok(!/^X-Evil/m.test(invite), invite);
      assert.match(invite, /^INVITE sip:\+1555%0D%0AX-Evil%3A%201@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
      assert.match(invite, /^From: "Bob X-Evil: 2" <sip:Bob%22%0D%0AX-Evil%3A%202@/m);
      assert.match(invite, /^X-Outdial-Call-Id: inj\r$/m, "the attempt travels with the call for the PBX");
    } finally {
      await driver.close();
      silent.close();
    }
  });
});

describe("SIP status codes as end causes", () => {
  it("maps the codes a trunk answers to the engine's causes", () => {
    assert.equal(causeOf(486, null), "busy");
    assert.equal(causeOf(600, null), "busy");
    assert.equal(causeOf(480, null), "no_answer");
    assert.equal(causeOf(408, null), "no_answer");
    assert.equal(causeOf(603, null), "rejected");
    assert.equal(causeOf(404, null), "failed");
    assert.equal(causeOf(503, null), "failed");
    assert.equal(causeOf(487, "timeout"), "no_answer");
    assert.equal(causeOf(487, "hangup"), "cancelled");
  });
});
