// What the far end asks of the sip driver (RFC 3261 §8.2, §12.2.2): a BYE ends the call, a re-INVITE (a
// session refresh) gets our answer (or our offer again), an in-dialog UPDATE with an offer its answer and
// one without an empty 200 (RFC 3311), OPTIONS and in-dialog INFO and NOTIFY an empty 200, any other method
// in the live call's dialog a 405 (501 if unknown) but never a 481, which would end the call, and anything
// else a refusal (an outbound dialer takes no calls). An answer has the offer's m= lines, our audio for its
// first audio stream and the others declined (RFC 3264 §6); an offer without audio (a fax gateway's T.38)
// gets a 488, and the session stays as it was (§14.2). A re-INVITE or UPDATE naming a Contact moves the
// dialog's remote target there (a target refresh, §12.2.2): our BYE goes to it. Our 2xx to an INVITE is
// the UAS core's to resend until its ACK (§13.3.1.4): UDP may lose it, and a far end without it tears the
// call down.
import { answerDirection, type Direction, type SipCall, type SipComposer } from "./call.ts";
import { header, param, parseCSeq, type SipRequest, uriOf } from "./message.ts";
import type { Peer, SipTransport } from "./transport.ts";

/** What answering a request may do to the driver's calls. */
export interface DialogHost {
  /** The call a Call-ID names, ended ones too while they linger; or, by Call-ID and the far end's tag
   *  `fromTag`, a dialog none of this run's calls has (an earlier run's, being hung up). */
  find(sipCallId: string, fromTag: string | undefined): SipCall | undefined;
  /** The far end hung up with a BYE from `fromTag`: answered or not, as the call's state says. */
  ended(call: SipCall, fromTag: string | undefined): void;
  /** Our 2xx to the far end's re-INVITE was never ACKed: the session ends with our BYE (§13.3.1.4). */
  hangUp(call: SipCall): void;
  /** A target refresh moved the call's remote target: what is kept of its dialog must follow. */
  retargeted(call: SipCall): void;
}

/** An SDP body's lines before its first m= line, and each media section from its m= line to the next. */
interface SdpSections {
  session: string[];
  media: string[][];
}

function sdpSections(sdp: string): SdpSections {
  const out: SdpSections = { session: [], media: [] };
  for (const line of sdp.split(/\r?\n/)) {
    if (line === "") continue;
    if (line.startsWith("m=")) out.media.push([line]);
    else (out.media.at(-1) ?? out.session).push(line);
  }
  return out;
}

/** A stream we can take: audio on a port (one offered with port 0 is off, and stays so in the answer). */
const LIVE_AUDIO = /^m=audio +[1-9]\d*(\/\d+)? /;

/** An offered stream declined (RFC 3264 §6): its m= line with port 0, its formats as offered. */
function declined(mLine: string): string {
  return mLine.replace(/^(m=\S+ +)\d+(\/\d+)?/, (_, head: string) => `${head}0`);
}

/** How an answer lays the offer's streams out: ours (null) where the audio goes, the declined ones as
 *  they read. Our own offer has our audio stream alone. */
type Layout = (string | null)[];
const OUR_OFFER: Layout = [null];

/** The methods of RFC 3261, and those of the extensions PBXs and trunks send (PRACK RFC 3262, SUBSCRIBE and
 *  NOTIFY RFC 6665, REFER RFC 3515, INFO RFC 6086, MESSAGE RFC 3428, UPDATE RFC 3311, PUBLISH RFC 3903). */
const CORE_METHODS = ["INVITE", "ACK", "CANCEL", "BYE", "REGISTER", "OPTIONS"];
const EXTENSION_METHODS = ["PRACK", "SUBSCRIBE", "NOTIFY", "REFER", "INFO", "MESSAGE", "UPDATE", "PUBLISH"];
const KNOWN_METHODS = new Set([...CORE_METHODS, ...EXTENSION_METHODS]);

export class IncomingRequests {
  /** The layout of each call's last SDP, where it is not our offer's: a change is a new version (§8). */
  private readonly layouts = new WeakMap<SipCall, Layout>();

  constructor(
    private readonly transport: SipTransport,
    private readonly compose: SipComposer,
    private readonly host: DialogHost,
  ) {}

  on(req: SipRequest, from: Peer): void {
    const call = this.host.find(header(req, "call-id") ?? "", param(header(req, "from"), "tag"));
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
      // Over on our side already, our BYE perhaps still out: its 481 now says nothing of a callee left.
      else if (ours) call.remoteBye = true;
      return;
    }
    // A call over on our side (our BYE answered or given up on; a restored dialog a restart hangs up) stays
    // findable for 64·T1, but its dialog is gone: an UPDATE or INFO in it gets 481 below, as a re-INVITE
    // does, so a PBX refreshing the session (RFC 4028) after a BYE it never got ends its side instead of
    // keeping the callee up. While a live call's BYE is still out it is not done, and is answered as live.
    const live = ours && !call.done;
    if (req.method === "OPTIONS" || (live && ["INFO", "NOTIFY"].includes(req.method))) {
      this.respond(req, from, 200, "OK");
      return;
    }
    if (req.method === "UPDATE" && live) {
      // An offer gets its answer in the 200 (RFC 3311 §5.2); a refresh without one, an empty 200.
      const answer = req.body.trim() ? this.answerTo(call, req.body) : "";
      if (answer === null) {
        this.respond(req, from, 488, "Not Acceptable Here");
        return;
      }
      this.refreshTarget(call, req);
      this.respond(req, from, 200, "OK", answer);
      return;
    }
    if (req.method === "INVITE" && live) {
      this.reinvite(call, req, from);
      return;
    }
    // In the live call's dialog, what we do not take is refused as a method, never as the dialog: a 481
    // tells the far end the dialog is gone (RFC 3261 §12.2.1.2), and a PBX transferring the callee (REFER)
    // would hang it up. A CANCEL's 481 says only that it matches no transaction of ours (§9.2).
    if (live && req.method !== "CANCEL") {
      this.refuseMethod(req, from);
      return;
    }
    // A To tag names a dialog: one this driver no longer has (the call ended) or never had gets 481, so the
    // far end ends its side of it (RFC 3261 §12.2.2). Outside a dialog, a new INVITE is declined: a dialer
    // takes no incoming calls.
    if (param(header(req, "to"), "tag") !== undefined) {
      this.respond(req, from, 481, "Call/Transaction Does Not Exist");
      return;
    }
    if (req.method === "INVITE") this.respond(req, from, 603, "Decline");
    else this.refuseMethod(req, from);
  }

  /** A method we know but do not take gets 405, its Allow naming what we take; one we do not know, 501
   *  (RFC 3261 §8.2.1). */
  private refuseMethod(req: SipRequest, from: Peer): void {
    if (KNOWN_METHODS.has(req.method)) this.respond(req, from, 405, "Method Not Allowed");
    else this.respond(req, from, 501, "Not Implemented");
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
    // An offer gets its answer; an INVITE without one gets ours (the session's, again).
    const body = req.body.trim() ? this.answerTo(call, req.body) : this.ourOffer(call);
    if (body === null) {
      // Refused, the re-INVITE changes nothing (§14.2): not the session, not the target, not a 2xx still
      // awaiting its ACK. A copy of it gets the 488 again.
      this.respond(req, from, 488, "Not Acceptable Here");
      return;
    }
    last?.tx.cancel();
    this.refreshTarget(call, req);
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
    if (!target || target === call.remoteTarget) return;
    call.remoteTarget = target;
    this.host.retargeted(call);
  }

  /** Our answer to the far end's offer, or null when it offers no audio we can take: its m= lines in order
   *  (RFC 3264 §6), the first live audio stream ours in the direction its attributes allow (§6.1), every
   *  other one declined; the session's o= line, its version one up whenever what it says changes (§8). */
  private answerTo(call: SipCall, offer: string): string | null {
    const offered = sdpSections(offer);
    const audio = offered.media.findIndex((m) => LIVE_AUDIO.test(m[0]));
    if (audio === -1) return null;
    // Only the audio stream's own attributes and the session's: a video stream's sendonly says nothing of it.
    const direction = answerDirection([...offered.session, ...offered.media[audio]].join("\r\n"));
    const layout = offered.media.map((m, i) => (i === audio ? null : declined(m[0])));
    return this.describe(call, direction, layout);
  }

  /** Our offer again, in the session's direction, our audio stream alone. */
  private ourOffer(call: SipCall): string {
    return this.describe(call, call.direction, OUR_OFFER);
  }

  /** The session's SDP with our audio stream where `layout` has it, its version up if it changed. */
  private describe(call: SipCall, direction: Direction, layout: Layout): string {
    const last = this.layouts.get(call) ?? OUR_OFFER;
    const moved = layout.length !== last.length || layout.some((m, i) => m !== last[i]);
    if (direction !== call.direction || moved) {
      call.direction = direction;
      call.sdpVersion++;
      this.layouts.set(call, layout);
    }
    const ours = sdpSections(this.compose.sdp(call));
    const media = layout.flatMap((m) => (m === null ? ours.media[0] : [m]));
    return [...ours.session, ...media, ""].join("\r\n");
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
