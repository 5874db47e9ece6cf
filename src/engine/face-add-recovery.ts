// A vendor face stores the contacts a client adds, then brings the completed campaign back (its dialAgain):
// a node killed between the two leaves the campaign completed with contacts nobody dials, the client told
// they were accepted. This recovers such campaigns, at a node's start and in every node's sweep: the node
// that died may never start again (replaced, scaled in). The recover is the engine's (a lifecycle command,
// with its status change and events); which campaigns an add brings back is model/face-adds.ts's; this
// owns only the set of campaigns it gave up on.
import { bringsBackOnAdd } from "../model/face-adds.ts";
import type { Store } from "../store/db.ts";
import {
  type CompletedWithPending,
  completedWithPending,
  leaveCompletedForBalance,
} from "../store/face-adds.ts";
import type { Campaign } from "../store/schema.ts";
import { EngineError } from "./types.ts";

/** What the recovery uses of the engine. */
export interface FaceAddRecoveryHost {
  readonly store: Store;
  /** The engine's recover, only from completed (a stop landing after the read stands). */
  recover(accountId: number, campaignId: number): Promise<unknown>;
  /** Why a recover now would be refused for the campaign's end time, or null. */
  endedError(row: Campaign): EngineError | null;
  onError?(err: unknown): void;
}

export class FaceAddRecovery {
  /** Campaigns recoverLost could not bring back (past their end time, or another refusal): not tried again
   *  by this process (a later add's dialAgain, or a start, still brings one back once its endAt is moved). */
  private readonly refused = new Set<number>();

  constructor(private readonly host: FaceAddRecoveryHost) {}

  /**
   * Brings back every completed campaign a face would bring back on an add that has a pending contact: a
   * campaign completes only once none is pending, so any pending one was added since, whoever added it.
   * Returns how many it brought back or tried to. Two nodes sweeping at once recover one campaign once:
   * the recover is a compare-and-set on its status, and the loser finds it running.
   */
  async recoverLost(): Promise<number> {
    const lost = (await completedWithPending(this.host.store)).filter(
      (row) => !this.refused.has(row.id) && bringsBackOnAdd(row, row.hasCampaignToken),
    );
    for (const row of lost) if (!(await this.bringBack(row))) this.refused.add(row.id);
    return lost.length;
  }

  /** Recovers the campaign as the face's dialAgain would have; false when that is refused for good. */
  private async bringBack(row: CompletedWithPending): Promise<boolean> {
    // Past its end time, it stays completed with its contacts stored, as dialAgain leaves it.
    if (this.host.endedError(row)) return false;
    try {
      await this.host.recover(row.account_id, row.id);
      return true;
    } catch (err) {
      if (!(await this.stillCompleted(row))) return true; // another node, or the face's request, was first
      if (err instanceof EngineError && err.code === "insufficient_balance") {
        // Left for the client's own start, as dialAgain leaves it (and no longer found).
        await leaveCompletedForBalance(this.host.store, row.id);
        return true;
      }
      this.host.onError?.(err);
      // A refusal is not tried again by this process; anything else (the database) is, at the next sweep.
      return !(err instanceof EngineError);
    }
  }

  private async stillCompleted(row: Campaign): Promise<boolean> {
    const now = await this.host.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", row.id)
      .executeTakeFirst();
    return now?.status === "completed";
  }
}
