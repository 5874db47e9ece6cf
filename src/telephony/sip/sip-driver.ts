// The sip driver: a SIP user agent (RFC 3261, UDP) that places each call as an INVITE toward one trunk or
// PBX and reports what the far end answered. It carries signalling only: it offers an audio stream whose
// packets it discards, so the answered call's media belongs to the PBX (a queue, a bot) — no answering-
// machine detection, recording or announcements here (capabilities say so). It answers a trunk's digest
// challenge, cancels at the ring timeout, and ends answered calls with BYE on hangup and on close.
import dgram from "node:dgram";
import type {
  CallEnded,
  DriverCapabilities,
  DriverContext,
  DriverEvents,
  EndCause,
  OriginateRequest,
  TelephonyDriver,
} from "../driver.ts";
import {
  type CancelReason,
  causeOf,
  newBranch,
  newCall,
  type SipCall,
  SipComposer,
  type SipDriverOptions,
} from "./call.ts";
import { type DigestChallenge, digestAuthorization, parseChallenge } from "./digest.ts";
import {
  header,
  hostPortOf,
  param,
  parseCSeq,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  uriOf,
} from "./message.ts";
import { type Peer, type Retransmission, SipTransport } from "./transport.ts";

export { causeOf, type SipDriverOptions };

export class SipDriver implements TelephonyDriver {
  readonly name = "sip";
  readonly capabilities: DriverCapabilities;
  private listener: DriverEvents | null = null;
  private readonly transport: SipTransport;
  private readonly trunk: Peer;
  private readonly calls = new Map<string, SipCall>();
  /** Calls by SIP Call-ID, ended ones too for 64·T1 (to answer retransmissions). */
  private readonly bySipId = new Map<string, SipCall>();
  /** BYEs being retransmitted, by SIP Call-ID: they outlive the call they end. */
  private readonly byes = new Map<string, Retransmission>();
  /** Timers that forget ended calls, cancelled at close so they do not hold the process open. */
  private readonly lingering = new Set<{ cancel(): void }>();
  private readonly compose: SipComposer;
  private rtp: dgram.Socket | null = null;
  private closed = false;
  private opening: Promise<void> | null = null;

  constructor(
    private readonly ctx: DriverContext,
    private readonly opts: SipDriverOptions,
  ) {
    const trunk = hostPortOf(/^sips?:/i.test(opts.trunk) ? opts.trunk : `sip:${opts.trunk}`);
    if (!trunk) throw new Error(`sip driver: the trunk "${opts.trunk}" is not host[:port] or a sip: URI`);
    this.trunk = trunk;
    this.transport = new SipTransport(ctx.clock, opts.t1Ms ?? 500);
    this.compose = new SipComposer(trunk, opts, ctx.clock);
    this.capabilities = { amd: false, recording: false, maxChannels: opts.maxChannels ?? null };
  }

  /** Binds the SIP and media sockets; the server awaits it before dialing, so a taken port fails startup. */
  start(): Promise<void> {
    this.opening ??= (async () => {
      const local = await this.transport.open(this.opts.bindHost, this.opts.bindPort, (m, from) =>
        this.onMessage(m, from),
      );
      const rtp = dgram.createSocket(this.opts.bindHost.includes(":") ? "udp6" : "udp4");
      rtp.on("message", () => {}); // media is the PBX's business: discarded
      await new Promise<void>((resolve, reject) => {
        rtp.once("error", reject);
        rtp.bind(0, this.opts.bindHost, () => resolve());
      });
      rtp.on("error", () => {});
      this.rtp = rtp;
      this.compose.rtpPort = rtp.address().port;
      this.compose.local = local;
    })();
    return this.opening;
  }

  /** The bound SIP address (after start). */
  get address(): Peer | null {
    return this.compose.local;
  }

  setListener(events: DriverEvents): void {
    this.listener = events;
  }

  originate(req: OriginateRequest): void {
    if (this.closed) throw new Error("sip driver is closed");
    if (!this.compose.local) throw new Error("sip driver is not started");
    if (this.calls.has(req.callId)) throw new Error(`sip driver: call ${req.callId} is already up`);
    const call = newCall(req, this.ctx.clock.now());
    const max = this.capabilities.maxChannels;
    this.calls.set(req.callId, call);
    if (max !== null && this.calls.size > max) {
      // The trunk's limit, as a trunk would answer it; the engine normally keeps under it.
      call.timers.push(this.ctx.clock.after(0, () => this.end(call, "failed", 503)));
      return;
    }
    this.bySipId.set(call.sipCallId, call);
    try {
      this.sendInvite(call, null);
    } catch (err) {
      this.calls.delete(req.callId);
      this.bySipId.delete(call.sipCallId);
      throw err;
    }
    call.timers.push(
      this.ctx.clock.after(req.ringTimeoutSec * 1000, () => {
        if (call.answeredAt === null) this.cancel(call, "timeout");
      }),
    );
  }

  hangup(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (call.answeredAt !== null) this.bye(call);
    else this.cancel(call, "hangup");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Calls left up would hold the trunk's channels (and someone on the line) until the far end gave up.
    const open = [...this.calls.values()];
    for (const call of open) this.hangup(call.req.callId);
    const deadline = this.ctx.clock.now() + 2000;
    while (this.calls.size > 0 && this.ctx.clock.now() < deadline && this.compose.local) {
      await new Promise<void>((r) => this.ctx.clock.after(20, r));
    }
    for (const call of this.calls.values()) {
      call.inviteTx?.cancel();
      for (const t of call.timers) t.cancel();
    }
    for (const tx of this.byes.values()) tx.cancel();
    for (const t of this.lingering) t.cancel();
    this.lingering.clear();
    this.calls.clear();
    this.bySipId.clear();
    this.byes.clear();
    await this.transport.close();
    const rtp = this.rtp;
    this.rtp = null;
    if (rtp) await new Promise<void>((r) => rtp.close(() => r()));
  }

  private sendInvite(call: SipCall, auth: { name: string; value: string } | null): void {
    call.branch = newBranch();
    call.inviteTx = this.transport.retransmit(this.compose.invite(call, auth), this.trunk, true, () =>
      // Timer B: the trunk never answered at all (a call hung up meanwhile still reads as cancelled).
      this.end(call, call.cancel ? causeOf(487, call.cancel) : "failed", 408),
    );
  }

  private cancel(call: SipCall, why: CancelReason): void {
    if (call.ending || call.answeredAt !== null) return;
    call.cancel ??= why;
    // RFC 3261 §9.1: a CANCEL waits for a provisional response; the 1xx handler sends it then.
    if (!call.provisional || call.cancelSent) return;
    call.cancelSent = true;
    const text = this.compose.cancel(call);
    call.cancelTx = this.transport.retransmit(text, this.trunk, false, () => {});
    call.timers.push(call.cancelTx);
    // The 487 should follow; a trunk that never sends it must not hold the call forever.
    call.timers.push(
      this.ctx.clock.after(64 * this.transport.t1Ms, () => this.end(call, causeOf(487, call.cancel), 487)),
    );
  }

  private bye(call: SipCall): void {
    if (call.ending) return;
    call.ending = true;
    call.hungUpAt = this.ctx.clock.now();
    call.cseq++;
    const tx = this.transport.retransmit(
      this.compose.inDialog(call, "BYE", call.cseq),
      this.trunk,
      false,
      () => {
        this.byes.delete(call.sipCallId);
        this.end(call, "normal");
      },
    );
    this.byes.set(call.sipCallId, tx);
  }

  // ——— what the trunk sends ———

  private onMessage(msg: SipMessage, from: Peer): void {
    if (msg.kind === "response") this.onResponse(msg);
    else this.onRequest(msg, from);
  }

  private onResponse(res: SipResponse): void {
    const sipCallId = header(res, "call-id") ?? "";
    const call = this.bySipId.get(sipCallId);
    const cseq = parseCSeq(header(res, "cseq"));
    if (!call || !cseq) return;
    if (cseq.method === "BYE") {
      if (res.status < 200 || cseq.seq !== call.cseq) return;
      this.byes.get(sipCallId)?.cancel();
      this.byes.delete(sipCallId);
      this.end(call, "normal");
      return;
    }
    if (cseq.method === "CANCEL") {
      if (res.status >= 200) call.cancelTx?.cancel();
      return;
    }
    if (cseq.method !== "INVITE" || cseq.seq !== call.cseq) return;
    if (call.done) {
      // Retransmitted finals: our ACK was lost on the way.
      if (res.status >= 300 && call.failAck) this.transport.send(call.failAck, this.trunk);
      if (res.status >= 200 && res.status < 300 && call.ack) this.transport.send(call.ack, this.trunk);
      return;
    }
    if (param(header(res, "via"), "branch") !== call.branch) {
      // A 2xx retransmitted after our ACK was lost (the branch is the one of the INVITE it answers).
      if (res.status >= 200 && res.status < 300 && call.ack) this.transport.send(call.ack, this.trunk);
      return;
    }
    if (res.status < 200) this.onProvisional(call, res);
    else if (res.status < 300) this.onAnswer(call, res);
    else this.onFailure(call, res);
  }

  private onProvisional(call: SipCall, res: SipResponse): void {
    call.inviteTx?.cancel();
    call.provisional = true;
    if ((res.status === 180 || res.status === 183) && !call.rang) {
      call.rang = true;
      this.listener?.ringing(call.req.callId);
    }
    if (call.cancel && !call.cancelSent) this.cancel(call, call.cancel);
  }

  private onAnswer(call: SipCall, res: SipResponse): void {
    call.inviteTx?.cancel();
    if (call.ack === null) {
      call.remoteTag = param(header(res, "to"), "tag") ?? null;
      call.remoteTarget = uriOf(header(res, "contact")) ?? null;
      call.routes = [...(res.headers.get("record-route") ?? [])].reverse();
      // The ACK of a 2xx is its own transaction but carries the INVITE's sequence number (§13.2.2.4).
      call.ack = this.compose.inDialog(call, "ACK", call.cseq);
    }
    this.transport.send(call.ack, this.trunk);
    if (call.answeredAt !== null || call.ending) return;
    if (call.cancel) {
      // The answer crossed our CANCEL: the call is up, so it ends with a BYE, reported as cancelled.
      const why = call.cancel;
      this.bye(call);
      this.end(call, causeOf(487, why), 487);
      return;
    }
    call.answeredAt = this.ctx.clock.now();
    this.listener?.answered(call.req.callId, "human");
  }

  private onFailure(call: SipCall, res: SipResponse): void {
    call.inviteTx?.cancel();
    // Every final non-2xx is acknowledged in the INVITE's transaction (§17.1.1.3), retransmissions too.
    call.failAck = this.compose.failureAck(call, header(res, "to"));
    this.transport.send(call.failAck, this.trunk);
    if (call.ending) return;
    const challenge = this.challengeOf(res);
    if (challenge && !call.cancel && this.opts.username && this.opts.password !== undefined) {
      if (!call.authTried || challenge.stale) {
        call.authTried = true;
        call.cseq++;
        call.provisional = false;
        call.failAck = null;
        const value = digestAuthorization(
          challenge,
          { username: this.opts.username, password: this.opts.password ?? "" },
          "INVITE",
          this.compose.requestUri(call),
        );
        this.sendInvite(call, { name: res.status === 407 ? "Proxy-Authorization" : "Authorization", value });
        return;
      }
    }
    this.end(call, causeOf(res.status, call.cancel), res.status);
  }

  private challengeOf(res: SipResponse): DigestChallenge | null {
    if (res.status === 401) return parseChallenge(header(res, "www-authenticate"));
    if (res.status === 407) return parseChallenge(header(res, "proxy-authenticate"));
    return null;
  }

  private onRequest(req: SipRequest, from: Peer): void {
    if (req.method === "ACK") return;
    const call = this.bySipId.get(header(req, "call-id") ?? "");
    const ours = call !== undefined && param(header(req, "to"), "tag") === call.localTag;
    if (req.method === "BYE") {
      this.respond(req, from, ours ? 200 : 481, ours ? "OK" : "Call/Transaction Does Not Exist");
      if (ours && call && !call.done) this.end(call, "normal");
      return;
    }
    if (req.method === "OPTIONS" || (ours && ["INFO", "NOTIFY", "UPDATE"].includes(req.method))) {
      this.respond(req, from, 200, "OK");
      return;
    }
    if (req.method === "INVITE" && ours && !call.done) {
      // A session refresh: the same offer again.
      this.respond(req, from, 200, "OK", this.compose.sdp());
      return;
    }
    // An outbound dialer takes no calls.
    this.respond(
      req,
      from,
      req.method === "INVITE" ? 603 : 405,
      req.method === "INVITE" ? "Decline" : "Method Not Allowed",
    );
  }

  private respond(req: SipRequest, to: Peer, status: number, reason: string, body = ""): void {
    this.transport.send(this.compose.response(req, status, reason, body), to);
  }

  private end(call: SipCall, cause: EndCause, code?: number): void {
    if (call.done) return;
    call.done = true;
    call.inviteTx?.cancel();
    for (const t of call.timers) t.cancel();
    call.timers = [];
    if (this.calls.get(call.req.callId) === call) this.calls.delete(call.req.callId);
    const forget = this.ctx.clock.after(64 * this.transport.t1Ms, () => {
      this.lingering.delete(forget);
      if (this.bySipId.get(call.sipCallId) === call) this.bySipId.delete(call.sipCallId);
    });
    this.lingering.add(forget);
    const now = call.hungUpAt ?? this.ctx.clock.now();
    const answeredAt = cause === "normal" ? call.answeredAt : null;
    const ev: CallEnded = {
      callId: call.req.callId,
      cause,
      ...(code === undefined ? {} : { code }),
      ringSec: ((answeredAt ?? now) - call.startedAt) / 1000,
      talkSec: answeredAt === null ? 0 : (now - answeredAt) / 1000,
      ...(answeredAt === null ? {} : { answeredBy: "human" as const }),
    };
    if (!this.closed) this.listener?.ended(ev);
  }
}
