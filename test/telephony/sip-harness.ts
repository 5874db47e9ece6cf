// The sip driver's tests: a driver toward a far end with what it reported recorded, and a bare UDP socket
// playing that far end where SIPp cannot say what a test needs (a hostile datagram, a response in a precise
// order, a request of its own in the middle of a call).
import assert from "node:assert/strict";
import dgram from "node:dgram";
import type { Clock } from "../../src/clock/clock.ts";
import { WallClock } from "../../src/clock/clock.ts";
import type { CallEnded } from "../../src/telephony/driver.ts";
import { SipDriver, type SipDriverOptions } from "../../src/telephony/sip/sip-driver.ts";
import { type SippRun, startSipp } from "../helpers/sipp.ts";

export interface Heard {
  ringing: number;
  answered: string[];
  /** The first ended event; `endings` holds every one (a call must end exactly once). */
  ended: Promise<CallEnded>;
  endings: CallEnded[];
}

/** A started driver toward `port`; what it warns of (calls close() left unsettled) lands in `warnings`. */
export async function driverFor(port: number, extra: Partial<SipDriverOptions> = {}, clock?: Clock) {
  const host = extra.bindHost ?? "127.0.0.1";
  const warnings: string[] = [];
  const driver = new SipDriver(
    { clock: clock ?? new WallClock() },
    {
      trunk: { host, port },
      bindHost: host,
      bindPort: 0,
      t1Ms: 100,
      warn: (message) => warnings.push(message),
      ...extra,
    },
  );
  await driver.start();
  const heard = new Map<string, Heard>();
  const resolvers = new Map<string, (ev: CallEnded) => void>();
  driver.setListener({
    ringing: (id) => {
      const h = heard.get(id);
      if (h) h.ringing++;
    },
    answered: (id, by) => heard.get(id)?.answered.push(by),
    ended: (ev) => {
      heard.get(ev.callId)?.endings.push(ev);
      resolvers.get(ev.callId)?.(ev);
    },
  });
  const call = (
    callId: string,
    to = "+15550100",
    ringTimeoutSec = 20,
    callerId: string | null = "+15550199",
  ) => {
    const h: Heard = {
      ringing: 0,
      answered: [],
      endings: [],
      ended: new Promise((resolve) => resolvers.set(callId, resolve)),
    };
    heard.set(callId, h);
    driver.originate({ callId, to, callerId, ringTimeoutSec });
    return h;
  };
  return { driver, call, warnings };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ok()` holds, failing after `ms`. */
export async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface Datagram {
  text: string;
  from: { address: string; port: number };
  /** When it came (Date.now()). */
  at: number;
}

/** An offer as a far end makes it. */
export const FAR_SDP =
  "v=0\r\no=far 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n";

/** A header's first value in a datagram the driver sent (it writes full names, one header a line). */
export function headerOf(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*?)\\r$`, "im").exec(text);
  return m?.[1];
}

export class FarEnd {
  private readonly taken = new Set<number>();
  private readonly got: Datagram[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on("message", (data, rinfo) => {
      const from = { address: rinfo.address, port: rinfo.port };
      this.got.push({ text: data.toString("utf8"), from, at: Date.now() });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(host = "127.0.0.1"): Promise<FarEnd> {
    const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((r) => socket.bind(0, host, () => r()));
    return new FarEnd(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Every datagram so far whose start line begins with `start` ("INVITE ", "SIP/2.0 200", "BYE "). */
  all(start: string): Datagram[] {
    return this.got.filter((d) => d.text.startsWith(start));
  }

  /** The next datagram not taken yet whose start line begins with `start`. */
  async next(start: string, ms = 5000): Promise<Datagram> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.got.findIndex((d, n) => !this.taken.has(n) && d.text.startsWith(start));
      if (i !== -1) {
        this.taken.add(i);
        return this.got[i];
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${start}" came in ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(text: string | Buffer, to: { address: string; port: number }): void {
    this.socket.send(typeof text === "string" ? Buffer.from(text) : text, to.port, to.address);
  }

  /** Answers `req` as a UAS: its Via, From, To (with `toTag` added), Call-ID and CSeq, then `headers`. */
  reply(
    req: Datagram,
    status: number,
    reason: string,
    opts: { toTag?: string; headers?: string[]; body?: Buffer | string; contentLength?: number } = {},
  ): void {
    const lines = [`SIP/2.0 ${status} ${reason}`];
    for (const via of req.text.split("\r\n").filter((l) => /^via:/i.test(l))) lines.push(via);
    const to = headerOf(req.text, "To") ?? "";
    lines.push(
      `From: ${headerOf(req.text, "From")}`,
      `To: ${opts.toTag && !/;tag=/.test(to) ? `${to};tag=${opts.toTag}` : to}`,
      `Call-ID: ${headerOf(req.text, "Call-ID")}`,
      `CSeq: ${headerOf(req.text, "CSeq")}`,
      ...(opts.headers ?? []),
    );
    const body = typeof opts.body === "string" ? Buffer.from(opts.body) : (opts.body ?? Buffer.alloc(0));
    lines.push(`Content-Length: ${opts.contentLength ?? body.length}`);
    this.send(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`), body]), req.from);
  }

  /** Answers the driver's INVITE as its callee (180, then 200 with SDP) and takes the ACK; the INVITE. */
  async answer(toTag = "far1"): Promise<Datagram> {
    const invite = await this.next("INVITE ");
    this.reply(invite, 180, "Ringing", { toTag });
    const contact = `Contact: <sip:far@127.0.0.1:${this.port}>`;
    const headers = [contact, "Content-Type: application/sdp"];
    this.reply(invite, 200, "OK", { toTag, headers, body: FAR_SDP });
    await this.next("ACK ");
    return invite;
  }

  /** A request of the callee's within the call's dialog (`invite` is the driver's, answered with `toTag`). */
  inDialog(invite: Datagram, method: string, seq: number, toTag = "far1", body = ""): string {
    return [
      `${method} ${/<([^>]*)>/.exec(headerOf(invite.text, "Contact") ?? "")?.[1]} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${method}${seq}`,
      `From: <sip:far@127.0.0.1>;tag=${toTag}`,
      `To: ${headerOf(invite.text, "From")}`,
      `Call-ID: ${headerOf(invite.text, "Call-ID")}`,
      `CSeq: ${seq} ${method}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n");
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

/**
 * SIPp playing a scenario against a driver whose trunk it is, per test; `cleanup()` (run it in `after`)
 * closes every driver and SIPp the suite started.
 */
export function sippSuite(timeoutSec = 30) {
  const opened: (() => Promise<void>)[] = [];
  return {
    async against(scenario: string, extra: Partial<SipDriverOptions> = {}) {
      const sipp = await startSipp(scenario, 1, timeoutSec);
      const { driver, call } = await driverFor(sipp.port, extra);
      opened.push(
        () => driver.close(),
        () => sipp.stop(),
      );
      return { sipp, driver, call };
    },
    /** Closed with the others at cleanup (for a test that closes the driver itself). */
    keep(close: () => Promise<void>) {
      opened.push(close);
    },
    /** SIPp's clean exit: every message of its scenario came (our ACKs, CANCEL, BYE), every check held. */
    async finished(sipp: SippRun) {
      const exit = await sipp.exited;
      assert.equal(exit.code, 0, exit.output.slice(-1500));
    },
    async cleanup() {
      for (const close of opened) await close();
    },
  };
}
