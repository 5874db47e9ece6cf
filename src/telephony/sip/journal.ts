// The sip driver's journal of confirmed dialogs. Its calls live in its memory, and so did the BYE that ends
// each answered one: a node killed mid-call left its callees on the line and the trunk's channels taken
// for good (only the far end could hang up). Now each dialog whose 2xx the driver ACKs is written down,
// with what a BYE in it needs (RFC 3261 §12.2.1.1), until it is over; the next run at the same SIP address
// reads what is left and hangs it up, and what a node that never comes back there left is taken over by a
// live node's periodic look (lapsed-dialogs.ts) and hung up from there. Whoever creates the driver gives it
// the journal (the store's table sip_dialogs, which also knows which node kept each dialog and whether that
// node is still up): the driver knows no database, and no other node.
import type { SipCall, SipComposer } from "./call.ts";
import type { Peer } from "./transport.ts";

/** A confirmed dialog as the journal keeps it. */
export interface JournaledDialog {
  sipCallId: string;
  localTag: string;
  /** The callee's To tag; "" from a far end that sent none. */
  remoteTag: string;
  /** From and To as our requests in the dialog carry them, without their tags. */
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  /** The route set, in the order Route headers carry it. */
  routes: string[];
  /** The sequence number our BYE takes. */
  nextCseq: number;
  /** Where its requests went: the trunk's address as the run that made it resolved it for the call's INVITE
   *  (a trunk name may answer with other servers since, which never saw the dialog). */
  peer: Peer;
  answeredAt: number;
}

/**
 * Where the driver keeps its confirmed dialogs. `local` is the SIP address the far end knows this node by
 * (host:port, as Via and Contact name it). Other live nodes may name the same address (each on the default
 * bind toward its own PBX, or behind one public host:port), so the journal also keeps whose each dialog is.
 * A write happens once per answered call and once per ended one.
 */
export interface DialogJournal {
  /** Read once, at start: the dialogs under `local` an earlier run left, none a live node still holds. */
  left(local: string): Promise<JournaledDialog[]>;
  /** Asked every LAPSED_LOOK_MS (lapsed-dialogs.ts): the dialogs of nodes no longer alive, kept under any
   *  address, taken over as this node's under `local`; each row is taken by one live node only. A journal
   *  no other node writes has none to give (left out). */
  takeLapsed?(local: string): Promise<JournaledDialog[]>;
  /** Writes the dialog, or rewrites it (its remote target moved). */
  save(local: string, dialog: JournaledDialog): Promise<void>;
  forget(local: string, sipCallId: string, remoteTag: string): Promise<void>;
}

/** What the journal keeps of `call`'s dialog, its requests going to `peer`; answered at `now` unless the
 *  call says when. */
export function journaled(call: SipCall, compose: SipComposer, peer: Peer, now: number): JournaledDialog {
  return {
    sipCallId: call.sipCallId,
    localTag: call.localTag,
    remoteTag: call.remoteTag ?? "",
    localUri: compose.localUri(call),
    remoteUri: compose.remoteUri(call),
    remoteTarget: compose.target(call),
    routes: call.routes,
    nextCseq: call.cseq + 1,
    peer: call.restored?.peer ?? peer,
    answeredAt: call.answeredAt ?? now,
  };
}

/**
 * The driver's side of the journal. The driver's handlers are synchronous and a call goes on whatever the
 * database does, so writes are not awaited there: each dialog's writes go one after another (its save and
 * its forget, sent on two pooled connections, could cross and leave the row behind), a failed one is
 * said, not thrown, and close() awaits them all before the store closes.
 */
export class DialogLog {
  /** Our SIP address (DialogJournal's `local`), set once the socket is bound. */
  local = "";
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly journal: DialogJournal | null,
    private readonly warn: (message: string) => void,
  ) {}

  /** The dialogs an earlier run at this address left; none when they cannot be read (said). */
  async left(): Promise<JournaledDialog[]> {
    if (!this.journal) return [];
    try {
      return await this.journal.left(this.local);
    } catch (err) {
      this.warn(`sip driver could not read the dialogs an earlier run left up: ${messageOf(err)}`);
      return [];
    }
  }

  /** Whether the journal can give other nodes' dialogs (takeLapsed). */
  get takesLapsed(): boolean {
    return this.journal?.takeLapsed !== undefined;
  }

  /** Dead nodes' dialogs, taken over; none when they cannot be taken (said: the next look tries again). */
  async takeLapsed(): Promise<JournaledDialog[]> {
    if (!this.journal?.takeLapsed) return [];
    try {
      return await this.journal.takeLapsed(this.local);
    } catch (err) {
      this.warn(`sip driver could not take over the dialogs of nodes no longer alive: ${messageOf(err)}`);
      return [];
    }
  }

  save(dialog: JournaledDialog): void {
    const journal = this.journal;
    if (!journal) return;
    this.inTurn(dialog.sipCallId, dialog.remoteTag, "keep", () => journal.save(this.local, dialog));
  }

  forget(sipCallId: string, remoteTag: string | null): void {
    const journal = this.journal;
    if (!journal) return;
    const tag = remoteTag ?? "";
    this.inTurn(sipCallId, tag, "forget", () => journal.forget(this.local, sipCallId, tag));
  }

  /** Every write under way, done. */
  async flush(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  private inTurn(sipCallId: string, remoteTag: string, what: string, write: () => Promise<void>): void {
    const key = `${sipCallId} ${remoteTag}`;
    const next = (this.pending.get(key) ?? Promise.resolve()).then(write).catch((err: unknown) => {
      this.warn(`sip driver could not ${what} the dialog of Call-ID ${sipCallId}: ${messageOf(err)}`);
    });
    this.pending.set(key, next);
    void next.then(() => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    });
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
