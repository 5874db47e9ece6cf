// The dialogs the sip driver hangs up though none of its calls has them: those an earlier run at the same
// SIP address left up (killed mid-call, its BYE never sent or never answered), read from the journal at
// start; and one whose 2xx comes for a call this run does not have (a 2xx resent after a restart because
// its ACK died with the run that placed the call). A UAC ACKs every 2xx (RFC 3261 §13.2.2.4); nobody being
// left to talk to its callee, the dialog then ends with a BYE. Each is kept 64·T1 after its BYE settles,
// so that a 2xx resent meanwhile is ACKed again, not hung up twice.
import { isIP } from "node:net";
import type { Clock, TimerHandle } from "../../clock/clock.ts";
import type { OutgoingByes } from "./bye.ts";
import { newBranch, newCall, peerOf, type SipCall, type SipComposer } from "./call.ts";
import { MAX_AUTH_TRIES } from "./digest.ts";
import type { JournaledDialog } from "./journal.ts";
import { header, param, type SipResponse, uriOf } from "./message.ts";
import type { Peer, SipTransport } from "./transport.ts";

/** Dialogs held at once at most: 2xx datagrams forged with made-up tags must not grow memory without end. */
const MAX_UNOWNED = 10_000;

/** Lookups of the trunk's name under way at once at most: forged 2xx datagrams must not tie up dns.lookup,
 *  which runs on libuv's few threads (4 by default), those this run's calls resolve the trunk on too. */
const MAX_LOOKUPS = 64;

/** The Call-IDs this driver makes (call.ts newCall): a 2xx for anyone else's call is none of its business. */
const OUR_CALL_ID = /@outdial$/;

export class UnownedDialogs {
  /** By Call-ID and remote tag. */
  private readonly dialogs = new Map<string, SipCall>();
  /** 2xx whose dialog waits for the trunk's name to resolve (holderOf()), by Call-ID and remote tag. */
  private readonly pending = new Set<string>();
  private readonly forgetting = new Set<TimerHandle>();

  constructor(
    private readonly transport: SipTransport,
    private readonly compose: SipComposer,
    private readonly byes: OutgoingByes,
    private readonly clock: Clock,
    private readonly trunk: Peer,
  ) {}

  /** The dialog of `sipCallId` with the far end's tag `remoteTag`, if it is one of these. */
  find(sipCallId: string, remoteTag: string | undefined): SipCall | undefined {
    return this.dialogs.get(keyOf(sipCallId, remoteTag ?? ""));
  }

  /** An earlier run's dialogs, each hung up now. */
  endLeft(left: JournaledDialog[]): void {
    for (const row of left) {
      const dialog = restoredCall(row, this.clock.now());
      if (!this.add(dialog)) continue;
      // Past any sequence number the earlier run may have sent a BYE with (a challenged one goes again, one
      // up, MAX_AUTH_TRIES times): a lower one would be refused as out of order (RFC 3261 §12.2.2).
      this.byes.send(dialog, row.nextCseq + MAX_AUTH_TRIES, null);
    }
  }

  /** A 2xx to INVITE `seq` of a call this driver does not have, which came from `from`: ACKed, and its
   *  dialog hung up once. */
  onAnswer(res: SipResponse, seq: number, from: Peer): void {
    const sipCallId = header(res, "call-id") ?? "";
    if (!OUR_CALL_ID.test(sipCallId)) return;
    const key = keyOf(sipCallId, param(header(res, "to"), "tag") ?? "");
    // A resend while the trunk's name resolves for the first: the ACK and the BYE follow that one.
    if (this.pending.has(key)) return;
    if (this.dialogs.has(key) || isIP(this.trunk.host) !== 0) {
      this.answer(res, seq, this.trunk);
      return;
    }
    // Resent at T1, 2·T1, …, a 2xx turned away here is taken once lookups have room again.
    if (this.pending.size >= MAX_LOOKUPS) return;
    this.pending.add(key);
    void this.holderOf(from).then((peer) => {
      // Not pending any more: the driver closed meanwhile (clear()), and nothing is sent.
      if (this.pending.delete(key)) this.answer(res, seq, peer);
    });
  }

  /** The 2xx ACKed; its dialog, if new, kept and hung up at `peer`. */
  private answer(res: SipResponse, seq: number, peer: Peer): void {
    const known = this.find(header(res, "call-id") ?? "", param(header(res, "to"), "tag"));
    const dialog = known ?? unownedCall(res, seq, peer, this.clock.now());
    if (!dialog) return;
    const ack = this.compose.inDialog(dialog, "ACK", seq, newBranch());
    this.transport.send(ack, peerOf(dialog, this.trunk));
    if (!known && this.add(dialog)) this.byes.send(dialog, seq + 1, null);
  }

  /**
   * Where the dialog of a 2xx from `from` is ACKed and hung up, the trunk being a name: the server that sent
   * it, at the trunk's port (as a call of this run's goes to the trunk's name resolved once, transport.ts
   * resolve()), if the name resolves to it now. A trunk name may stand for several servers in turn
   * (round-robin DNS) and only the sender holds the dialog; looked up again for each datagram, the name
   * would take the ACK and the BYE to others, and the holder would resend its 2xx while its callee stays
   * on a line nobody hangs up. But a datagram's source can be forged: taken as it is, a 2xx would have an
   * ACK and a dozen BYE retransmissions sent to any host its sender names. A source the name does not
   * resolve to (or a name that does not resolve) leaves the trunk as configured. (A trunk given as an
   * address is the server itself: onAnswer() never asks.)
   */
  private async holderOf(from: Peer): Promise<Peer> {
    const addresses = await this.transport.addressesOf(this.trunk.host);
    return addresses.includes(from.host) ? { host: from.host, port: this.trunk.port } : this.trunk;
  }

  /** `dialog`'s BYE settled: it is forgotten once a 2xx resent meanwhile can no longer come. */
  over(dialog: SipCall): void {
    const key = keyOf(dialog.sipCallId, dialog.remoteTag ?? "");
    if (this.dialogs.get(key) !== dialog) return;
    const timer = this.clock.after(64 * this.transport.t1Ms, () => {
      this.forgetting.delete(timer);
      if (this.dialogs.get(key) === dialog) this.dialogs.delete(key);
    });
    this.forgetting.add(timer);
  }

  clear(): void {
    for (const t of this.forgetting) t.cancel();
    this.forgetting.clear();
    this.dialogs.clear();
    this.pending.clear();
  }

  private add(dialog: SipCall): boolean {
    const key = keyOf(dialog.sipCallId, dialog.remoteTag ?? "");
    if (this.dialogs.has(key) || this.dialogs.size >= MAX_UNOWNED) return false;
    this.dialogs.set(key, dialog);
    return true;
  }
}

const keyOf = (sipCallId: string, remoteTag: string) => `${sipCallId} ${remoteTag}`;

/** A dialog none of this run's calls has, as a call already over (nothing is reported of it). */
function foreignCall(
  d: Omit<JournaledDialog, "nextCseq" | "answeredAt">,
  cseq: number,
  now: number,
): SipCall {
  const { localUri, remoteUri, peer } = d;
  return {
    ...newCall({ callId: `unowned ${d.sipCallId}`, to: "", callerId: null, ringTimeoutSec: 0 }, now),
    sipCallId: d.sipCallId,
    localTag: d.localTag,
    remoteTag: d.remoteTag,
    remoteTarget: d.remoteTarget,
    routes: d.routes,
    cseq,
    answeredAt: now,
    ending: true,
    done: true,
    restored: { localUri, remoteUri, peer },
  };
}

/** A dialog from the journal. */
export function restoredCall(row: JournaledDialog, now: number): SipCall {
  return foreignCall(row, row.nextCseq - 1, now);
}

/** The dialog a 2xx to INVITE `seq` makes (§12.1.2), its requests going to `peer`; null without a From tag
 *  (no dialog of ours). */
function unownedCall(res: SipResponse, seq: number, peer: Peer, now: number): SipCall | null {
  const from = header(res, "from") ?? "";
  const to = header(res, "to") ?? "";
  const localTag = param(from, "tag");
  if (!localTag) return null;
  const dialog = {
    sipCallId: header(res, "call-id") ?? "",
    localTag,
    remoteTag: param(to, "tag") ?? "",
    localUri: withoutTag(from),
    remoteUri: withoutTag(to),
    remoteTarget: uriOf(header(res, "contact")) ?? uriOf(to) ?? "",
    routes: [...(res.headers.get("record-route") ?? [])].reverse(),
    peer,
  };
  return foreignCall(dialog, seq, now);
}

/** A From or To value without its tag parameter (outside the URI's angle brackets). */
function withoutTag(value: string): string {
  const close = value.lastIndexOf(">");
  return value.slice(0, close + 1) + value.slice(close + 1).replace(/;\s*tag\s*=\s*[^;]*/i, "");
}
