// The sip driver's calls and the messages it writes for them: what one call's state holds, how a final
// answer maps to the engine's end cause, and a composer that writes every request and response the driver
// sends (RFC 3261 §8.1.1, §9.1, §12.2.1.1, §17.1.1.3), so the driver itself keeps only the state machine.
import { randomBytes } from "node:crypto";
import type { CallEnded, EndCause, OriginateRequest } from "../driver.ts";
import type { AuthHeader, Credential } from "./digest.ts";
import type { DialogJournal } from "./journal.ts";
import { formatRequest, formatResponse, header, param, type SipRequest } from "./message.ts";
import type { Peer, Retransmission } from "./transport.ts";

export interface SipDriverOptions {
  /** Where every call goes, as the configuration parsed it (an IPv6 host without brackets). A host name is
   *  resolved once per call, as its INVITE goes out, and all the call sends goes to that address. */
  trunk: Peer;
  /** The local UDP address; port 0 takes any free one. */
  bindHost: string;
  bindPort: number;
  /** The address the trunk reaches us at (Via, Contact, SDP); the bound one when null. */
  publicHost?: string | null;
  /** Digest credentials for a trunk that challenges (401/407); none = a challenge fails the call. */
  username?: string | null;
  password?: string | null;
  /** Host part of the From URI; the trunk's host when null. */
  fromDomain?: string | null;
  maxChannels?: number | null;
  /** An answered call is hung up after this long (a BYE that never comes would hold its channel forever);
   *  null = no limit. */
  maxCallSec?: number | null;
  /** RFC 3261's T1 (round-trip estimate), 500 ms by default. */
  t1Ms?: number;
  /** RFC 3261's T2 (the longest interval between retransmissions of a non-INVITE request or of a 2xx),
   *  4 s by default. */
  t2Ms?: number;
  /** How long close() waits for its calls to settle (cancelled, hung up, answered) before it gives up on
   *  them, says so, and reports each ended as far as it knows; CLOSE_WAIT_MS by default. */
  closeWaitMs?: number;
  /** Where the driver reports what it could not do (calls close() left unsettled); stderr by default. */
  warn?: (message: string) => void;
  /** Where answered calls' dialogs are kept until they end, so that a run killed mid-call has them hung
   *  up by the next one at the same SIP address; none = in this process's memory only. */
  journal?: DialogJournal | null;
}

/** close()'s default bound: room for an INVITE resent at T1 and 3·T1 (500 ms, 1.5 s) to draw its first
 *  response, then for the CANCEL and its 487 or the ACK and BYE that follow, over a slow trunk. */
export const CLOSE_WAIT_MS = 4000;

export type CancelReason = "timeout" | "hangup";

export interface SipCall {
  req: OriginateRequest;
  sipCallId: string;
  localTag: string;
  remoteTag: string | null;
  /** The INVITE's sequence number (its ACK and CANCEL carry it; a BYE takes the next one). */
  cseq: number;
  branch: string;
  inviteTx: Retransmission | null;
  startedAt: number;
  answeredAt: number | null;
  provisional: boolean;
  rang: boolean;
  cancel: CancelReason | null;
  /** Our CANCEL, once sent (it waits for a provisional response). */
  cancelTx: Retransmission | null;
  /** After a 2xx: where in-dialog requests go, and the route they take. */
  remoteTarget: string | null;
  routes: string[];
  ack: string | null;
  /** The challenges the INVITE answers, one per realm that made one. */
  credentials: Credential[];
  /** Its answers to them as the INVITE out carries them, worked out when it went: the ACK of its 2xx
   *  carries the same (§13.2.2.4). */
  authorization: AuthHeader[];
  authTries: number;
  /** The INVITEs a challenge answered, resent with credentials since: the challenge may come again (our ACK
   *  to it lost) and is ACKed again (RFC 3261 §17.1.1.2). */
  challenged: { branch: string; seq: number }[];
  /** To tags of the other dialogs a forked INVITE made: each ACKed and hung up once. */
  forks: Set<string>;
  /** Refused for maxChannels before it went out: it holds no channel while its 503 is on the way. */
  refused: boolean;
  timers: { cancel(): void }[];
  /** Our BYE is out (the call ends at its answer, or at 64·T1). */
  ending: boolean;
  /** When we hung up an answered call: its talk time ends there, not when the BYE is answered. */
  hungUpAt: number | null;
  /** The From tag of a BYE that ended the call before any 2xx reached us: that dialog is over at the far
   *  end, so a 2xx of it that still comes is ACKed but not hung up again (a BYE would only draw a 481). */
  byeBeforeAnswer: string | null;
  /** How the call ends once the BYE to a callee who answered as we cancelled is answered (till then the
   *  callee holds the trunk's channel); null: as a hang-up of an answered call. */
  endsAs: { cause: EndCause; code: number } | null;
  /** The far end hung up the answered call with a BYE: ours, crossing it, has nobody left to reach. */
  remoteBye: boolean;
  /** Ended and reported; kept 64·T1 to answer retransmissions. */
  done: boolean;
  /** Where the call's requests go (its INVITE, CANCEL, ACKs, BYE): the trunk's address as resolved once
   *  when its INVITE went out, so that a trunk name answering with several servers in turn (round-robin DNS)
   *  cannot send its CANCEL or an ACK to one that never saw the INVITE (RFC 3261 §9.1, §17.1.1.3). Null
   *  until then. */
  peer: Peer | null;
  /** The far end's last INVITE in the dialog (a re-INVITE) and our 2xx to it, resent until its ACK. */
  answering: { seq: number; acked: boolean; tx: Retransmission } | null;
  /** What our session description says of the stream (our answer to an offer on hold is not sendrecv)
   *  and how often it changed (its o= version, RFC 3264 §8). */
  direction: Direction;
  sdpVersion: number;
  /** A dialog this run did not make (a previous run's, from the journal, or one whose 2xx nobody here
   *  owns): its From and To as they were, and where its requests go. Null for the calls this run places. */
  restored: RestoredDialog | null;
}

export interface RestoredDialog {
  /** From and To without their tags. */
  localUri: string;
  remoteUri: string;
  peer: Peer;
}

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** The direction that answers an offer's (RFC 3264 §6.1): a media-level attribute over a session-level one. */
export function answerDirection(offer: string): Direction {
  let offered: string | undefined;
  for (const m of offer.matchAll(/^a=(sendrecv|sendonly|recvonly|inactive)[ \t]*\r?$/gm)) offered = m[1];
  if (offered === "sendonly") return "recvonly";
  if (offered === "recvonly") return "sendonly";
  if (offered === "inactive") return "inactive";
  return "sendrecv";
}

export function newCall(req: OriginateRequest, now: number): SipCall {
  return {
    req,
    sipCallId: `${token(12)}@outdial`,
    localTag: token(),
    remoteTag: null,
    cseq: 1,
    branch: "",
    inviteTx: null,
    startedAt: now,
    answeredAt: null,
    provisional: false,
    rang: false,
    cancel: null,
    cancelTx: null,
    remoteTarget: null,
    routes: [],
    ack: null,
    credentials: [],
    authorization: [],
    authTries: 0,
    challenged: [],
    forks: new Set(),
    refused: false,
    timers: [],
    ending: false,
    hungUpAt: null,
    byeBeforeAnswer: null,
    endsAs: null,
    remoteBye: false,
    done: false,
    peer: null,
    answering: null,
    direction: "sendrecv",
    sdpVersion: 0,
    restored: null,
  };
}

/** Where requests in `call`'s dialog go: where an earlier run sent them for a dialog of its making, else
 *  where the call's INVITE went; `trunk` (as configured) for a call whose INVITE has not gone out. */
export function peerOf(call: SipCall, trunk: Peer): Peer {
  return call.restored?.peer ?? call.peer ?? trunk;
}

/** Status codes → the engine's end causes (RFC 3261 §21; 487 depends on why the call was cancelled). */
export function causeOf(status: number, cancel: CancelReason | null): EndCause {
  if (status === 487) return cancel === "hangup" ? "cancelled" : "no_answer";
  if (status === 486 || status === 600) return "busy";
  if (status === 408 || status === 480) return "no_answer";
  if (status === 603 || status === 607 || status === 608) return "rejected";
  return "failed";
}

/** Marks the call ringing at its first 180, and says whether this one started it: only a 180 is the phone
 *  ringing (a 183 often brings a carrier's early media before the handset is alerted, and the ringing time
 *  is what a release after the legal minimum counts). */
export function markRinging(call: SipCall, status: number): boolean {
  if (status !== 180 || call.rang) return false;
  call.rang = true;
  return true;
}

/** What an ended event may say besides its cause and times. */
export type EndDetails = Pick<CallEnded, "answeredAfterCancel" | "result">;

/** What the engine hears of a call's end at `now`: talk time ends at our hang-up if it was ours. */
export function endedEvent(
  call: SipCall,
  cause: EndCause,
  code: number | undefined,
  now: number,
  details: EndDetails = {},
): CallEnded {
  const end = call.hungUpAt ?? now;
  const answeredAt = cause === "normal" ? call.answeredAt : null;
  return {
    ...(details.answeredAfterCancel ? { answeredAfterCancel: true } : {}),
    ...(details.result ? { result: details.result } : {}),
    callId: call.req.callId,
    cause,
    ...(code === undefined ? {} : { code }),
    ringSec: ((answeredAt ?? end) - call.startedAt) / 1000,
    talkSec: answeredAt === null ? 0 : (end - answeredAt) / 1000,
    ...(answeredAt === null ? {} : { answeredBy: "human" as const }),
  };
}

/** Why a call close() is giving up on may leave a callee on the line; null when it cannot (a BYE out is
 *  reported with the BYE; a call refused for maxChannels never went out). */
export function unsettled(call: SipCall): string | null {
  if (call.done || call.refused || call.ending) return null;
  const id = `${call.req.callId} (Call-ID ${call.sipCallId}) unsettled: `;
  if (!call.provisional) {
    return `${id}its INVITE had no response, so it could not be cancelled (RFC 3261 §9.1); if the callee answers now, nobody hangs up`;
  }
  return `${id}its CANCEL had no final answer; if the callee answered meanwhile, nobody hangs up`;
}

/** What the driver takes (incoming.ts), as a 405's Allow lists it (RFC 3261 §20.5): UPDATE, INFO and
 *  NOTIFY within a call's dialog only. */
export const ALLOWED_METHODS = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, NOTIFY";

export const token = (bytes = 8) => randomBytes(bytes).toString("hex");
export const newBranch = () => `z9hG4bK${token()}`;
/** A phone or caller id as the user part of a SIP URI: anything outside RFC 3261's user characters escaped,
 *  a character beyond the BMP whole (as UTF-8), half of one (not text at all) as U+FFFD, never a throw. */
const userPart = (s: string) =>
  s.replace(/\p{Cs}/gu, "\uFFFD").replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/gu, (c) => encodeURIComponent(c));

/** A display name is a quoted string: quotes, backslashes and control characters are dropped from it. */
function displayName(id: string): string {
  let out = "";
  for (const ch of id) out += ch === '"' || ch === "\\" || isControl(ch) ? " " : ch;
  return out.replace(/ +/g, " ").trim();
}

/** A value from the engine as a header value: control characters (a line break) become spaces. */
const headerSafe = (value: string) => [...value].map((ch) => (isControl(ch) ? " " : ch)).join("");
const isControl = (ch: string) => ch < " " || ch === "\u007f";

const bracketed = (host: string) => (host.includes(":") ? `[${host}]` : host);

export class SipComposer {
  /** Set once the driver's sockets are bound. */
  local: Peer | null = null;
  rtpPort = 0;

  constructor(
    private readonly trunk: Peer,
    private readonly opts: SipDriverOptions,
  ) {}

  private get host(): string {
    return this.opts.publicHost ?? this.local?.host ?? this.opts.bindHost;
  }

  /** Where requests within the call's dialog go (its remote target), the INVITE's URI before a 2xx. */
  target(call: SipCall): string {
    return call.remoteTarget ?? this.requestUri(call);
  }

  /** Our SIP address as Via and Contact name it (host:port): the far end's way back to us. */
  get hostPort(): string {
    return `${bracketed(this.host)}:${this.local?.port ?? this.opts.bindPort}`;
  }

  requestUri(call: SipCall): string {
    return `sip:${userPart(call.req.to)}@${bracketed(this.trunk.host)}:${this.trunk.port}`;
  }

  /** The dialog's local URI (From without its tag), as a previous run wrote it for a restored one. */
  localUri(call: SipCall): string {
    if (call.restored) return call.restored.localUri;
    const id = call.req.callerId;
    // An IPv6 literal is bracketed in a URI (RFC 3261 §25.1), from the trunk or configured.
    const domain = bracketed(this.opts.fromDomain ?? this.trunk.host);
    const display = id ? `"${displayName(id)}" ` : '"Anonymous" ';
    return `${display}<sip:${id ? userPart(id) : "anonymous"}@${domain}>`;
  }

  /** The dialog's remote URI (To without its tag). */
  remoteUri(call: SipCall): string {
    return call.restored?.remoteUri ?? `<${this.requestUri(call)}>`;
  }

  private from(call: SipCall): string {
    return `${this.localUri(call)};tag=${call.localTag}`;
  }

  private to(call: SipCall, remoteTag = call.remoteTag): string {
    return `${this.remoteUri(call)}${remoteTag ? `;tag=${remoteTag}` : ""}`;
  }

  private via(branch: string): string {
    return `SIP/2.0/UDP ${this.hostPort};branch=${branch};rport`;
  }

  private contact(): string {
    return `<sip:outdial@${this.hostPort}>`;
  }

  /** The call's session description; the same o= line each time, as the answer to a re-INVITE must keep
   *  it, its version one up for each change (RFC 3264 §8). */
  sdp(call: SipCall): string {
    const ip = this.host.includes(":") ? "IP6" : "IP4";
    const session = call.startedAt % 1e9;
    return [
      "v=0",
      `o=outdial ${session} ${session + call.sdpVersion} IN ${ip} ${this.host}`,
      "s=outdial",
      `c=IN ${ip} ${this.host}`,
      "t=0 0",
      `m=audio ${this.rtpPort} RTP/AVP 0 8 101`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000",
      `a=${call.direction}`,
      "",
    ].join("\r\n");
  }

  /** The INVITE on the call's current branch and sequence number, with its answers to the challenges. */
  invite(call: SipCall): string {
    const headers: [string, string][] = [
      ["Via", this.via(call.branch)],
      ["Max-Forwards", "70"],
      ["From", this.from(call)],
      ["To", this.to(call)],
      ["Call-ID", call.sipCallId],
      ["CSeq", `${call.cseq} INVITE`],
      ["Contact", this.contact()],
      ["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"],
      ["User-Agent", "outdial"],
      ["Content-Type", "application/sdp"],
    ];
    if (call.req.callerId === null) headers.push(["Privacy", "id"]);
    // What the PBX routes the answered call by (its dialplan reads them): the attempt, and the bot script
    // or robot scenario the campaign runs, if any.
    headers.push(["X-Outdial-Call-Id", headerSafe(call.req.callId)]);
    const script = call.req.bot?.scriptId ?? call.req.robot?.key ?? null;
    if (script) headers.push(["X-Outdial-Script", headerSafe(script)]);
    headers.push(...call.authorization);
    return formatRequest("INVITE", this.requestUri(call), headers, this.sdp(call));
  }

  /** CANCEL and the ACK of a failure belong to the INVITE's transaction: its branch, its sequence number. */
  cancel(call: SipCall): string {
    return formatRequest("CANCEL", this.requestUri(call), [
      ["Via", this.via(call.branch)],
      ["Max-Forwards", "70"],
      ["From", this.from(call)],
      ["To", this.to(call, null)],
      ["Call-ID", call.sipCallId],
      ["CSeq", `${call.cseq} CANCEL`],
      ["User-Agent", "outdial"],
    ]);
  }

  failureAck(call: SipCall, toValue: string | undefined): string {
    return formatRequest("ACK", this.requestUri(call), [
      ["Via", this.via(call.branch)],
      ["Max-Forwards", "70"],
      ["From", this.from(call)],
      ["To", toValue ?? this.to(call)],
      ["Call-ID", call.sipCallId],
      ["CSeq", `${call.cseq} ACK`],
    ]);
  }

  /** A request within the dialog a 2xx made: to its remote target, along its route set. */
  inDialog(
    call: SipCall,
    method: string,
    cseq: number,
    branch: string,
    authorization: AuthHeader[] = [],
  ): string {
    const headers: [string, string][] = [
      ["Via", this.via(branch)],
      ["Max-Forwards", "70"],
    ];
    for (const r of call.routes) headers.push(["Route", r]);
    headers.push(
      ["From", this.from(call)],
      ["To", this.to(call)],
      ["Call-ID", call.sipCallId],
      ["CSeq", `${cseq} ${method}`],
      ["User-Agent", "outdial"],
    );
    headers.push(...authorization);
    return formatRequest(method, this.target(call), headers);
  }

  response(req: SipRequest, status: number, reason: string, body = ""): string {
    const headers: [string, string][] = [];
    for (const v of req.headers.get("via") ?? []) headers.push(["Via", v]);
    const toValue = header(req, "to") ?? "";
    const tagged =
      status > 100 && param(toValue, "tag") === undefined ? `${toValue};tag=${token()}` : toValue;
    headers.push(
      ["From", header(req, "from") ?? ""],
      ["To", tagged],
      ["Call-ID", header(req, "call-id") ?? ""],
      ["CSeq", header(req, "cseq") ?? ""],
      ["User-Agent", "outdial"],
    );
    // A 2xx to a target refresh request names where we are (RFC 3261 §12.2.2, RFC 3311 §5.2); a body is
    // always our session description.
    if ((req.method === "INVITE" || req.method === "UPDATE") && status === 200) {
      headers.push(["Contact", this.contact()]);
    }
    if (body) headers.push(["Content-Type", "application/sdp"]);
    if (status === 405) headers.push(["Allow", ALLOWED_METHODS]);
    return formatResponse(status, reason, headers, body);
  }
}
