// The sip driver's BYEs: each resent until answered (or 64·T1), its digest challenges answered as an
// INVITE's are (a proxy's realm and the PBX's in turn, a new nonce when one goes stale, MAX_AUTH_TRIES at
// most), and a BYE that never got through said, not hidden: the call still ends (its channel must be
// freed), but the callee may still be on the line.
import type { EndDetails, SipCall, SipComposer } from "./call.ts";
import { newBranch, peerOf } from "./call.ts";
import { type Credential, type DigestClient, MAX_AUTH_TRIES, renewCredentials } from "./digest.ts";
import type { SipResponse } from "./message.ts";
import type { Peer, Retransmission, SipTransport } from "./transport.ts";

interface Bye {
  /** The dialog it ends: the call's own, or another one a forked INVITE made. */
  dialog: SipCall;
  seq: number;
  tx: Retransmission;
  /** The call that ends with its answer; null for a fork's dialog, which the engine never heard of. */
  ends: SipCall | null;
  /** The challenges it answers, one per realm that made one. */
  credentials: Credential[];
  /** BYEs of this hang-up sent with credentials so far. */
  authTries: number;
}

/** What a BYE's answer may do to the driver. */
export interface ByeHost {
  /** `call` is over at our hang-up; `details` say so when its BYE was not taken. */
  ended(call: SipCall, details: EndDetails): void;
  /** `dialog`'s BYE is settled (answered, refused, or never answered): nothing more is sent in it. Not
   *  said of one close() gives up on, which the next start hangs up again. */
  over(dialog: SipCall): void;
  warn(message: string): void;
}

export class OutgoingByes {
  /** BYEs being retransmitted, by branch: they outlive the call they end. */
  private readonly byes = new Map<string, Bye>();

  constructor(
    private readonly transport: SipTransport,
    private readonly compose: SipComposer,
    private readonly trunk: Peer,
    private readonly digest: DigestClient,
    private readonly host: ByeHost,
  ) {}

  get size(): number {
    return this.byes.size;
  }

  /** A BYE in `dialog`, resent until answered (or 64·T1); `ends` is the call that ends with it. */
  send(
    dialog: SipCall,
    seq: number,
    ends: SipCall | null,
    credentials: Credential[] = [],
    authTries = 0,
  ): void {
    const branch = newBranch();
    // Each BYE answers its challenges anew: the next count of each nonce, hashed for BYE and its target.
    const authorization = this.digest.sign(credentials, "BYE", this.compose.target(dialog));
    const text = this.compose.inDialog(dialog, "BYE", seq, branch, authorization);
    // Where the dialog's INVITE went (an earlier run's, for a dialog that run made): the server holding it.
    const tx = this.transport.retransmit(text, peerOf(dialog, this.trunk), false, () => {
      const bye = this.byes.get(branch);
      this.byes.delete(branch);
      if (bye) this.failed(bye, "was never answered");
    });
    this.byes.set(branch, { dialog, seq, tx, ends, credentials, authTries });
  }

  /** A response to one of our BYEs (matched by its Via branch). */
  onAnswer(res: SipResponse, branch: string): void {
    const bye = this.byes.get(branch);
    if (!bye || res.status < 200) return;
    bye.tx.cancel();
    this.byes.delete(branch);
    if (res.status < 300 || bye.dialog.remoteBye || goneAfterRestart(bye.dialog, res.status)) {
      // Taken; or the callee hung up meanwhile (BYEs crossing), so whatever it answers ours, nobody is left.
      this.host.over(bye.dialog);
      if (bye.ends) this.host.ended(bye.ends, {});
      return;
    }
    // A challenged BYE never reached the callee, who is still on the line: it goes again with credentials.
    const fresh = this.digest.challenge(res);
    const next = fresh && bye.authTries < MAX_AUTH_TRIES ? renewCredentials(bye.credentials, fresh) : null;
    if (next) {
      this.send(bye.dialog, bye.seq + 1, bye.ends, next, bye.authTries + 1);
      return;
    }
    this.failed(bye, `was answered ${res.status}${res.reason ? ` ${res.reason}` : ""}`, res.status);
  }

  /** close(): the BYEs still out are given up on, each said. */
  abandon(closeWaitMs: number): void {
    for (const bye of this.byes.values()) {
      bye.tx.cancel();
      // The callee's own BYE came (crossing ours): nobody is left on the line.
      if (bye.dialog.remoteBye) continue;
      const why = "unsettled: its BYE was not answered, so the callee may still be on the line";
      this.host.warn(
        `sip driver closed after ${closeWaitMs} ms with ${whose(bye)} (Call-ID ${bye.dialog.sipCallId}) ${why}`,
      );
    }
    this.byes.clear();
  }

  /** A BYE that did not get through: the call ends all the same (the engine frees its channel), said. */
  private failed(bye: Bye, what: string, code?: number): void {
    this.host.over(bye.dialog);
    if (bye.dialog.remoteBye) {
      if (bye.ends) this.host.ended(bye.ends, {});
      return;
    }
    this.host.warn(
      `sip driver hung up ${whose(bye)} (Call-ID ${bye.dialog.sipCallId}) but its BYE ${what}: the callee may still be on the line`,
    );
    const result = { reason: "bye_unconfirmed", ...(code === undefined ? {} : { code }) };
    if (bye.ends) this.host.ended(bye.ends, { result });
  }
}

/**
 * Whether the far end says a dialog this run did not make is gone (481, or 404 from some PBXs): the
 * commonest leftover of a killed run, whose callee hung up while the node was down, its BYE unanswered.
 * Nobody is on the line, so nothing is worth a warning. A dialog of this run's own answered so is still
 * said: its callee's BYE never reached us, which is not the usual course.
 */
function goneAfterRestart(dialog: SipCall, status: number): boolean {
  return dialog.restored !== null && (status === 481 || status === 404);
}

/** What a BYE ends, as a warning names it. */
function whose(bye: Bye): string {
  if (bye.ends) return `call ${bye.ends.req.callId}`;
  return bye.dialog.restored ? "a call left up by an earlier run" : "a forked dialog of a call";
}
