// What the far end asks of the sip driver (RFC 3261 §8.2, §12.2.2): a BYE ends the call, a re-INVITE (a
// session refresh) gets our answer (or our offer again), an in-dialog UPDATE with an offer its answer and
// one without an empty 200 (RFC 3311), OPTIONS and in-dialog INFO and NOTIFY an empty 200, and anything
// else a refusal (an outbound dialer takes no calls). A re-INVITE or UPDATE naming a Contact moves the
// dialog's remote target there (a target refresh, §12.2.2): our BYE goes to it. Our 2xx to an INVITE is
// the UAS core's to resend until its ACK (§13.3.1.4): UDP may lose it, and a far end without it tears the
// call down.
import { answerDirection, type SipCall, type SipComposer } from "./call.ts";
import { header, param, parseCSeq, type SipRequest, uriOf } from "./message.ts";
import type { Peer, SipTransport } from "./transport.ts";

/** What answering a request may do to the driver's calls. */
export interface DialogHost {
  /** The call a Call-ID names, ended ones too while they linger. */
  find(sipCallId: string): SipCall | undefined;
  /** The far end hung up with a BYE from `fromTag`: answered or not, as the call's state says. */
  ended(call: SipCall, fromTag: string | undefined): void;
  /** Our 2xx to the far end's re-INVITE was never ACKed: the session ends with our BYE (§13.3.1.4). */
  hangUp(call: SipCall): void;
}

export class IncomingRequests {
  constructor(
    private readonly transport: SipTransport,
    private readonly compose: SipComposer,
    private readonly host: DialogHost,
  ) {}

  on(req: SipRequest, from: Peer): void {
    const call = this.host.find(header(req, "call-id") ?? "");
    const toUs = call !== undefined && param(header(req, "to"), "tag") === call.localTag;
    // The other dialogs of a forked INVITE share our tag: what comes in them neither ends nor changes the call.
    const ours = toUs && (call.remoteTag === null || param(header(req, "from"), "tag") === call.remoteTag);
    if (req.method === "ACK") {
      if (ours) this.acked(call, req);
      return;
    }
    if (req.method === "BYE") {
      this.respond(req, from, toUs ? 200 : 481, toUs ? "OK" : "Call/Transaction Does Not Exist");
      if (ours && !call.done) this.host.ended(call, param(header(req, "from"), "tag"));
      return;
    }
    if (req.method === "OPTIONS" || (ours && ["INFO", "NOTIFY"].includes(req.method))) {
      this.respond(req, from, 200, "OK");
      return;
    }
    if (req.method === "UPDATE" && ours) {
      if (!call.done) this.refreshTarget(call, req);
      // An offer gets its answer in the 200 (RFC 3311 §5.2); a refresh without one, an empty 200.
      this.respond(req, from, 200, "OK", req.body.trim() ? this.answerTo(call, req.body) : "");
      return;
    }
    if (req.method === "INVITE" && ours && !call.done) {
      this.reinvite(call, req, from);
      return;
    }
    this.respond(
      req,
      from,
      req.method === "INVITE" ? 603 : 405,
      req.method === "INVITE" ? "Decline" : "Method Not Allowed",
    );
  }

  /** A session refresh: the same offer again, in a 2xx resent until the ACK. */
  private reinvite(call: SipCall, req: SipRequest, from: Peer): void {
    const cseq = parseCSeq(header(req, "cseq"));
    if (!cseq) {
      this.respond(req, from, 400, "Bad Request");
      return;
    }
    const last = call.answering;
    if (last && cseq.seq <= last.seq) {
      // The INVITE answered already, again (resent before our 2xx reached it, or copied on the way): the 2xx
      // goes out again on its own schedule, so this one is absorbed (RFC 6026 §7.1). One older than it is
      // out of order (§12.2.2).
      if (cseq.seq < last.seq) this.respond(req, from, 500, "Server Internal Error");
      return;
    }
    last?.tx.cancel();
    this.refreshTarget(call, req);
    // An offer gets its answer; an INVITE without one gets ours (the session's, again).
    const body = req.body.trim() ? this.answerTo(call, req.body) : this.compose.sdp(call);
    const text = this.compose.response(req, 200, "OK", body);
    // Resent at T1, 2·T1, … up to T2 (the non-INVITE schedule, as §13.3.1.4 asks); no ACK within 64·T1 and
    // the session is over. The call's timers hold it, so the call's end stops it too.
    const seq = cseq.seq;
    const tx = this.transport.retransmit(text, from, false, () => {
      if (call.answering?.seq === seq) this.host.hangUp(call);
    });
    call.answering = { seq, acked: false, tx };
    call.timers.push(tx);
  }

  /** A target refresh request naming a Contact: in-dialog requests go there from now on (§12.2.2). */
  private refreshTarget(call: SipCall, req: SipRequest): void {
    const target = uriOf(header(req, "contact"))?.trim();
    if (target) call.remoteTarget = target;
  }

  /** Our answer to the far end's offer: the stream its direction allows (RFC 3264 §6.1), the session's o=
   *  line, its version one up whenever what it says changes (§8). */
  private answerTo(call: SipCall, offer: string): string {
    const direction = answerDirection(offer);
    if (direction !== call.direction) {
      call.direction = direction;
      call.sdpVersion++;
    }
    return this.compose.sdp(call);
  }

  /** An ACK to our 2xx carries the INVITE's sequence number (§13.2.2.4); it stops the 2xx going out. */
  private acked(call: SipCall, req: SipRequest): void {
    const seq = parseCSeq(header(req, "cseq"))?.seq;
    const answering = call.answering;
    if (!answering || answering.acked || answering.seq !== seq) return;
    answering.acked = true;
    answering.tx.cancel();
  }

  private respond(req: SipRequest, to: Peer, status: number, reason: string, body = ""): void {
    this.transport.send(this.compose.response(req, status, reason, body), to);
  }
}
