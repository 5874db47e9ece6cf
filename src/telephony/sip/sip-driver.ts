// The sip driver: a SIP user agent (RFC 3261, UDP) that places each call as an INVITE toward one trunk or
// PBX and reports what the far end answered. It carries signalling only: it offers an audio stream whose
// packets it discards, so the answered call's media belongs to the PBX (a queue, a bot) — no answering-
// machine detection, recording or announcements here (capabilities say so). It answers a trunk's digest
// challenge, cancels at the ring timeout, and ends answered calls with BYE on hangup and on close; given a
// journal, it keeps their dialogs there until they end, at start hangs up those an earlier run left up, and
// every 30 s those of nodes no longer alive (journal.ts, unowned-dialogs.ts, lapsed-dialogs.ts). What the
// far end asks of it is answered in incoming.ts.
import type dgram from "node:dgram";
import { isIP } from "node:net";
import type {
  DriverCapabilities,
  DriverContext,
  DriverEvents,
  EndCause,
  OriginateRequest,
  TelephonyDriver,
} from "../driver.ts";
import { OutgoingByes } from "./bye.ts";
import {
  type CancelReason,
  CLOSE_WAIT_MS,
  causeOf,
  type EndDetails,
  endedEvent,
  markRinging,
  newBranch,
  newCall,
  peerOf,
  type SipCall,
  SipComposer,
  type SipDriverOptions,
  unsettled,
} from "./call.ts";
import { DigestClient, MAX_AUTH_TRIES, renewCredentials } from "./digest.ts";
import { IncomingRequests } from "./incoming.ts";
import { DialogLog, journaled } from "./journal.ts";
import { LapsedDialogs } from "./lapsed-dialogs.ts";
import { header, param, parseCSeq, type SipMessage, type SipResponse, uriOf } from "./message.ts";
import { bindSink, type Peer, SipTransport } from "./transport.ts";
import { UnownedDialogs } from "./unowned-dialogs.ts";

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
  /** Our BYEs, resent until answered: they outlive the call they end. */
  private readonly byes: OutgoingByes;
  /** Calls refused for maxChannels whose 503 is still on the way. */
  private refusing = 0;
  /** Timers that forget ended calls, cancelled at close so they do not hold the process open. */
  private readonly lingering = new Set<{ cancel(): void }>();
  private readonly compose: SipComposer;
  /** The trunk's username and password, and the count of each nonce's uses. */
  private readonly digest: DigestClient;
  private readonly incoming: IncomingRequests;
  /** Answered calls' dialogs, kept until they end (in the journal, if the driver has one). */
  private readonly log: DialogLog;
  /** Dialogs no call of this run has: an earlier run's, and those of a 2xx for a call it does not know. */
  private readonly unowned: UnownedDialogs;
  /** The periodic look for dead nodes' dialogs, which this node takes over and hangs up. */
  private readonly lapsed: LapsedDialogs;
  private readonly closeWaitMs: number;
  private readonly warn: (message: string) => void;
  private rtp: dgram.Socket | null = null;
  private closed = false;
  /** Set once close() is done with the calls: until then the calls it hangs up are reported as they end,
   *  so that their outcomes are recorded (the engine writes them before it lets its campaigns go). */
  private silenced = false;
  private opening: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly ctx: DriverContext,
    private readonly opts: SipDriverOptions,
  ) {
    this.trunk = { host: opts.trunk.host, port: opts.trunk.port };
    this.transport = new SipTransport(ctx.clock, opts.t1Ms ?? 500, opts.t2Ms ?? 4000);
    this.compose = new SipComposer(this.trunk, opts);
    const login = opts.username ? { username: opts.username, password: opts.password ?? "" } : null;
    this.digest = new DigestClient(login);
    this.incoming = new IncomingRequests(this.transport, this.compose, {
      find: (sipCallId, fromTag) => this.bySipId.get(sipCallId) ?? this.unowned.find(sipCallId, fromTag),
      ended: (call, fromTag) => this.farEndHungUp(call, fromTag),
      hangUp: (call) => {
        if (call.answeredAt !== null) this.bye(call);
      },
      retargeted: (call) => {
        if (call.ack !== null && !call.done) this.keepDialog(call);
      },
    });
    this.closeWaitMs = opts.closeWaitMs ?? CLOSE_WAIT_MS;
    this.warn = opts.warn ?? ((message) => process.stderr.write(`outdial: ${message}\n`));
    this.log = new DialogLog(opts.journal ?? null, this.warn);
    this.byes = new OutgoingByes(this.transport, this.compose, this.trunk, this.digest, {
      ended: (call, details) =>
        call.endsAs ? this.endAfterCancel(call, details) : this.end(call, "normal", undefined, details),
      over: (dialog) => {
        this.log.forget(dialog.sipCallId, dialog.remoteTag);
        if (dialog.restored) this.unowned.over(dialog);
      },
      warn: (message) => this.warn(message),
    });
    this.unowned = new UnownedDialogs(this.transport, this.compose, this.byes, ctx.clock, this.trunk);
    this.lapsed = new LapsedDialogs(ctx.clock, this.log, (taken) => this.unowned.endLeft(taken));
    this.capabilities = {
      amd: false,
      recording: false,
      announcements: false,
      agentAudio: false,
      maxChannels: opts.maxChannels ?? null,
    };
  }

  /** Binds the SIP and media sockets; the server awaits it before dialing, so a taken port fails startup. */
  start(): Promise<void> {
    // Once closed, for good: sockets bound now would be closed by nobody.
    if (this.closed) return Promise.reject(new Error("sip driver is closed: it cannot be started again"));
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<void> {
    try {
      const local = await this.transport.open(this.opts.bindHost, this.opts.bindPort, (m, from) =>
        this.onMessage(m, from),
      );
      this.refuseIfClosed();
      // Media is the PBX's business: the port the offer names takes whatever comes and drops it.
      this.rtp = await bindSink(this.opts.bindHost);
      this.refuseIfClosed();
      this.compose.rtpPort = this.rtp.address().port;
      this.compose.local = local;
      // Bound: what the journal holds under the address and no live node keeps, an earlier run left up.
      this.log.local = this.compose.hostPort;
      const left = await this.log.left();
      this.refuseIfClosed();
      this.unowned.endLeft(left);
      this.lapsed.start();
    } catch (err) {
      // A start that fails holds no port: its caller may never call close().
      await this.closeSockets();
      throw err;
    }
  }

  /** close() came while start() was binding: the start fails, and what it bound is let go. */
  private refuseIfClosed(): void {
    if (this.closed) throw new Error("sip driver was closed while it started");
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
    if (max !== null && this.calls.size - this.refusing >= max) {
      // The trunk's limit, as a trunk would answer it; the engine normally keeps under it. Refused, the
      // call holds no channel: it must not refuse the next one as well.
      call.refused = true;
      this.refusing++;
      this.calls.set(req.callId, call);
      call.timers.push(this.ctx.clock.after(0, () => this.end(call, "failed", 503)));
      return;
    }
    // Armed before anything goes out: a time the clock refuses (NaN) throws here, and no INVITE rings a
    // callee for a call the engine has written off.
    const ring = this.ctx.clock.after(req.ringTimeoutSec * 1000, () => {
      if (call.answeredAt === null) this.cancel(call, "timeout");
    });
    if (isIP(this.trunk.host) !== 0) {
      // An address needs no lookup: the INVITE goes now, and whatever stops it throws to the caller.
      call.peer = this.trunk;
      try {
        this.sendInvite(call);
      } catch (err) {
        ring.cancel();
        throw err;
      }
    } else {
      // A name is resolved once per call, now (DNS may change over a long run): all the call sends goes
      // to that address (transport.ts resolve()).
      void this.transport.resolve(this.trunk).then((peer) => this.dial(call, peer));
    }
    call.timers.push(ring);
    this.calls.set(req.callId, call);
    this.bySipId.set(call.sipCallId, call);
  }

  /** The trunk's name resolved for `call`: its INVITE goes to `peer`, unless the call was given up while
   *  the name resolved. Nobody rang then: a hang-up is cancelled, a ring time run out the trunk's failure
   *  (as Timer B reads one whose INVITE drew no response). */
  private dial(call: SipCall, peer: Peer): void {
    if (call.done) return;
    call.peer = peer;
    if (call.cancel) {
      this.end(call, call.cancel === "hangup" ? "cancelled" : "failed");
      return;
    }
    try {
      this.sendInvite(call);
    } catch (err) {
      // Thrown here it would be an unhandled rejection; the engine hears of a call that failed instead.
      this.warn(`sip driver could not send the INVITE of call ${call.req.callId}: ${String(err)}`);
      this.end(call, "failed");
    }
  }

  hangup(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (call.answeredAt !== null) this.bye(call);
    else this.cancel(call, "hangup");
  }

  /** Hangs up every call, waits (closeWaitMs at most) for them to settle, then closes the sockets. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    // A start() under way finishes binding (and then fails): its sockets are closed here, not left bound.
    await this.opening?.catch(() => {});
    await this.lapsed.stop();
    // Calls left up would hold the trunk's channels (and someone on the line) until the far end gave up.
    // One whose INVITE had no response yet cannot be cancelled (§9.1): its CANCEL goes with the first
    // provisional, or its 2xx is ACKed and hung up, if either comes in time. The BYEs out are waited for
    // too: once the socket closes, a lost one is never resent.
    for (const call of [...this.calls.values()]) this.hangup(call.req.callId);
    const deadline = this.ctx.clock.now() + this.closeWaitMs;
    while ((this.calls.size > 0 || this.byes.size > 0) && this.ctx.clock.now() < deadline) {
      await new Promise<void>((r) => this.ctx.clock.after(20, r));
    }
    // What did not settle is said, not dropped: each may leave a callee on the line with nobody to hang up.
    // Nor is it left unrecorded: its attempt would stay open until a lease check called it lost and dialed
    // the contact again, a callee who talked to us included. It ends as far as the driver knows: an answered
    // call at our hang-up, any other as given up before the answer.
    for (const call of [...this.calls.values()]) {
      const why = unsettled(call);
      if (why) this.warn(`sip driver closed after ${this.closeWaitMs} ms with call ${why}`);
      if (call.answeredAt !== null) this.end(call, "normal");
      else if (call.endsAs) this.endAfterCancel(call);
      else if (call.refused) this.end(call, "failed", 503);
      else this.end(call, causeOf(487, call.cancel ?? "hangup"));
    }
    this.byes.abandon(this.closeWaitMs);
    this.unowned.clear();
    for (const t of this.lingering) t.cancel();
    this.lingering.clear();
    this.calls.clear();
    this.refusing = 0;
    this.bySipId.clear();
    this.silenced = true;
    // The journal is written before the store closes (the server closes the driver first).
    await this.log.flush();
    await this.closeSockets();
  }

  private async closeSockets(): Promise<void> {
    await this.transport.close();
    const rtp = this.rtp;
    this.rtp = null;
    if (rtp) await new Promise<void>((r) => rtp.close(() => r()));
  }

  private sendInvite(call: SipCall): void {
    call.branch = newBranch();
    call.authorization = this.digest.sign(call.credentials, "INVITE", this.compose.requestUri(call));
    call.inviteTx = this.transport.retransmit(this.compose.invite(call), this.peerOf(call), true, () =>
      // Timer B: the trunk never answered at all, so the call failed, even if its ring time ran out first
      // (30 s by default, under 64·T1): a dead trunk read as "no answer" would spend contacts' attempts and
      // hide the outage. Only a call the engine hung up meanwhile reads as cancelled.
      this.end(call, call.cancel === "hangup" ? "cancelled" : "failed", 408),
    );
  }

  private cancel(call: SipCall, why: CancelReason): void {
    if (call.ending || call.answeredAt !== null) return;
    call.cancel ??= why;
    // RFC 3261 §9.1: a CANCEL waits for a provisional response; the 1xx handler sends it then.
    if (!call.provisional || call.cancelTx) return;
    const text = this.compose.cancel(call);
    call.cancelTx = this.transport.retransmit(text, this.peerOf(call), false, () => {});
    call.timers.push(call.cancelTx);
    // The 487 should follow; a trunk that never sends it must not hold the call forever.
    call.timers.push(
      this.ctx.clock.after(64 * this.transport.t1Ms, () => this.end(call, causeOf(487, call.cancel), 487)),
    );
  }

  /** Where `call`'s requests go: the address its INVITE went to (RFC 3261 §9.1, §17.1.1.3). */
  private peerOf(call: SipCall): Peer {
    return peerOf(call, this.trunk);
  }

  private bye(call: SipCall): void {
    if (call.ending) return;
    call.ending = true;
    call.hungUpAt = this.ctx.clock.now();
    this.byes.send(call, call.cseq + 1, call);
  }

  // ——— what the trunk sends ———

  private onMessage(msg: SipMessage, from: Peer): void {
    if (msg.kind === "response") this.onResponse(msg, from);
    else this.incoming.on(msg, from);
  }

  private onResponse(res: SipResponse, from: Peer): void {
    const cseq = parseCSeq(header(res, "cseq"));
    if (!cseq) return;
    const branch = param(header(res, "via"), "branch");
    if (cseq.method === "BYE") {
      this.byes.onAnswer(res, branch ?? "");
      return;
    }
    const call = this.bySipId.get(header(res, "call-id") ?? "");
    if (!call) {
      // Once close() is done with its calls, a 2xx is left to the far end's own timeout (and its BYE).
      const answer = cseq.method === "INVITE" && res.status >= 200 && res.status < 300;
      if (answer && !this.silenced) this.unowned.onAnswer(res, cseq.seq, from);
      return;
    }
    if (cseq.method === "CANCEL") {
      if (res.status >= 200) call.cancelTx?.cancel();
      return;
    }
    if (cseq.method !== "INVITE") return;
    if (res.status >= 300 && call.challenged.some((c) => c.branch === branch && c.seq === cseq.seq)) {
      // A challenge we answered already, resent (our ACK to it was lost): ACKed again, in its own transaction.
      const earlier = { ...call, branch: branch ?? "", cseq: cseq.seq };
      this.transport.send(this.compose.failureAck(earlier, header(res, "to")), this.peerOf(call));
      return;
    }
    if (cseq.seq !== call.cseq || branch !== call.branch) return;
    // A 2xx is acknowledged whenever it comes, the call ended or not: its callee is on the line.
    if (res.status >= 200 && res.status < 300) this.onAnswer(call, res);
    else if (call.done) {
      // A failure after the call ended: retransmitted (our ACK was lost), or the INVITE's own final answer
      // coming after the call ended otherwise (the far end's BYE, Timer B). Unacknowledged, the trunk
      // resends it until its own timeout.
      if (res.status < 300) return;
      this.transport.send(this.compose.failureAck(call, header(res, "to")), this.peerOf(call));
    } else if (res.status < 200) this.onProvisional(call, res);
    else this.onFailure(call, res);
  }

  private onProvisional(call: SipCall, res: SipResponse): void {
    // After a 2xx (a 1xx reordered behind it, or a forking proxy's other branch) it is news of nothing.
    if (call.ack !== null) return;
    call.inviteTx?.cancel();
    call.provisional = true;
    if (markRinging(call, res.status)) this.listener?.ringing(call.req.callId);
    if (call.cancel) this.cancel(call, call.cancel);
  }

  private onAnswer(call: SipCall, res: SipResponse): void {
    call.inviteTx?.cancel();
    // The dialog this 2xx makes: its To tag, the callee's Contact, the Record-Route hops reversed (§12.1.2).
    const dialog: SipCall = {
      ...call,
      remoteTag: param(header(res, "to"), "tag") ?? null,
      remoteTarget: uriOf(header(res, "contact")) ?? null,
      routes: [...(res.headers.get("record-route") ?? [])].reverse(),
    };
    if (call.ack !== null && dialog.remoteTag !== call.remoteTag) {
      // Another branch of a forked INVITE answered too: its 2xx is ACKed in its own dialog, which is hung up
      // at once (§13.2.2.4); the call goes on with the callee who answered first.
      const ack = this.compose.inDialog(dialog, "ACK", call.cseq, newBranch(), call.authorization);
      this.transport.send(ack, this.peerOf(call));
      const tag = dialog.remoteTag ?? "";
      if (!call.forks.has(tag)) {
        call.forks.add(tag);
        this.keepDialog(dialog);
        this.byes.send(dialog, call.cseq + 1, null);
      }
      return;
    }
    if (call.ack === null) {
      call.remoteTag = dialog.remoteTag;
      call.remoteTarget = dialog.remoteTarget;
      call.routes = dialog.routes;
      // The ACK of a 2xx is its own transaction but carries the INVITE's sequence number (§13.2.2.4).
      call.ack = this.compose.inDialog(call, "ACK", call.cseq, newBranch(), call.authorization);
      // Kept until it ends, unless the callee's BYE ended it already (a 2xx that came after it).
      if (call.byeBeforeAnswer !== (call.remoteTag ?? "")) this.keepDialog(call);
    }
    this.transport.send(call.ack, this.peerOf(call));
    if (call.answeredAt !== null || call.ending) return;
    if (call.cancel || call.done) {
      // The answer crossed our CANCEL, or came after the call was given up (Timer B, no 487 after the
      // CANCEL): the callee is on the line, so it ends with a BYE. The engine hears of it as cancelled
      // (unless it has heard of the call's end already), flagged: someone answered and was hung up on. A
      // 2xx of the dialog whose BYE ended the call is only ACKed: there is nobody left on that line.
      const hangsUp = call.byeBeforeAnswer !== (call.remoteTag ?? "");
      if (hangsUp && !call.done && !call.ending) {
        // The call ends when the trunk answers the BYE, not now: until then the callee holds its channel,
        // and a call the engine placed in it at once would be refused (maxChannels).
        call.endsAs = { cause: causeOf(487, call.cancel), code: 487 };
        // The CANCEL's wait for its 487 is over: the BYE's own answer (or its 64·T1) ends the call now.
        for (const t of call.timers) t.cancel();
        call.timers = [];
        this.bye(call);
        return;
      }
      if (hangsUp) this.bye(call);
      this.end(call, causeOf(487, call.cancel), 487, { answeredAfterCancel: true });
      return;
    }
    call.answeredAt = this.ctx.clock.now();
    const maxCallSec = this.opts.maxCallSec ?? null;
    if (maxCallSec !== null) call.timers.push(this.ctx.clock.after(maxCallSec * 1000, () => this.bye(call)));
    this.listener?.answered(call.req.callId, "human");
  }

  private onFailure(call: SipCall, res: SipResponse): void {
    call.inviteTx?.cancel();
    // Every final non-2xx is acknowledged in the INVITE's transaction (§17.1.1.3), retransmissions too.
    this.transport.send(this.compose.failureAck(call, header(res, "to")), this.peerOf(call));
    // After a 2xx the call is up whatever else comes: only a BYE ends it.
    if (call.ending || call.answeredAt !== null) return;
    const credential = this.digest.challenge(res);
    if (credential && call.authTries < MAX_AUTH_TRIES) {
      // A realm that challenges the answer it had refuses the password, unless its nonce had gone stale.
      const renewed = renewCredentials(call.credentials, credential);
      if (renewed) {
        // Hung up meanwhile, the challenge is left unanswered on purpose: the call was withdrawn before its
        // answer, as a CANCEL answered 487 would say, and its attempt goes back. (A ring timeout that ran
        // out while the trunk had not even challenged yet stays the trunk's failure, as with Timer B.)
        if (call.cancel === "hangup") {
          this.end(call, causeOf(487, call.cancel), res.status);
          return;
        }
        if (call.cancel === null) {
          call.challenged.push({ branch: call.branch, seq: call.cseq });
          call.credentials = renewed;
          call.authTries++;
          call.cseq++;
          call.provisional = false;
          this.sendInvite(call);
          return;
        }
      }
    }
    this.end(call, causeOf(res.status, call.cancel), res.status);
  }

  /** The far end's BYE. One before any 2xx reached us (an early dialog, or a 2xx lost on the way) says
   *  nobody is known to have answered: ended "normal", the engine would record a person reached, a success
   *  whose contact is never called again. */
  private farEndHungUp(call: SipCall, fromTag: string | undefined): void {
    if (call.answeredAt !== null) {
      call.remoteBye = true;
      this.log.forget(call.sipCallId, call.remoteTag);
      this.end(call, "normal");
      return;
    }
    if (call.endsAs) {
      // The callee's BYE crossed ours, after a 2xx that crossed our CANCEL: someone answered and was hung
      // up on all the same, and nobody is left on the line for our BYE's 481 to warn of.
      call.remoteBye = true;
      this.log.forget(call.sipCallId, call.remoteTag);
      this.endAfterCancel(call);
      return;
    }
    call.byeBeforeAnswer = fromTag ?? "";
    // Given up on already, it ends as that CANCEL's 487 would. Otherwise the call we placed never came up
    // (whoever picked up behind a lost 2xx heard nothing from us): failed, so the contact is tried again,
    // not no_answer, which would blame a callee who may well have answered.
    const cause = call.cancel ? causeOf(487, call.cancel) : "failed";
    this.end(call, cause, undefined, { result: { reason: "bye_before_answer" } });
  }

  /** A confirmed dialog, kept (written again when its target moves) until it ends. */
  private keepDialog(dialog: SipCall): void {
    // The address its INVITE went to: a restart's BYE must reach the server that holds the dialog.
    this.log.save(journaled(dialog, this.compose, this.peerOf(dialog), this.ctx.clock.now()));
  }

  /** Ends a call whose 2xx crossed our CANCEL (call.endsAs): given up on, flagged as answered. */
  private endAfterCancel(call: SipCall, details: EndDetails = {}): void {
    const as = call.endsAs as { cause: EndCause; code: number };
    this.end(call, as.cause, as.code, { ...details, answeredAfterCancel: true });
  }

  private end(call: SipCall, cause: EndCause, code?: number, details: EndDetails = {}): void {
    if (call.done) return;
    call.done = true;
    if (call.refused) this.refusing--;
    call.inviteTx?.cancel();
    for (const t of call.timers) t.cancel();
    call.timers = [];
    if (this.calls.get(call.req.callId) === call) this.calls.delete(call.req.callId);
    const forget = this.ctx.clock.after(64 * this.transport.t1Ms, () => {
      this.lingering.delete(forget);
      if (this.bySipId.get(call.sipCallId) === call) this.bySipId.delete(call.sipCallId);
    });
    this.lingering.add(forget);
    if (!this.silenced) this.listener?.ended(endedEvent(call, cause, code, this.ctx.clock.now(), details));
  }
}
