// A campaign completes when its last call ends, while its agent may still be wrapping up: a callback agreed
// then makes a contact pending again, and is only made if the campaign runs. This recovers such a campaign
// (one past its end time or under the balance floor stays completed, said through onError), says before a
// callback is written why it could not be made, and finds the campaigns a process left completed with a
// callback waiting. The recover itself is the engine's (a lifecycle command); this owns only the set of
// campaigns it gave up on.
import type { CampaignStatus } from "../model/outcome.ts";
import { completedWithCallbacks } from "../store/agent-calls.ts";
import type { Store } from "../store/db.ts";
import type { Campaign } from "../store/schema.ts";
import { ACTIVE_STATUSES } from "./campaign-commands.ts";
import { CampaignRuntime } from "./campaign-runtime.ts";
import { EngineError } from "./types.ts";

/** What the reopening uses of the engine. */
export interface CallbackReopenHost {
  readonly store: Store;
  recover(accountId: number, campaignId: number): Promise<unknown>;
  /** Why a recover now would be refused for the campaign's end time, or null. */
  endedError(row: Campaign): EngineError | null;
  /** Throws when the account's balance is under the floor a start needs. */
  requireBalance(row: Campaign): Promise<void>;
  onError?(err: unknown): void;
}

export class CallbackReopening {
  /** Campaigns reopenLost could not recover: not tried again by this process. */
  private readonly refused = new Set<number>();

  constructor(private readonly host: CallbackReopenHost) {}

  /**
   * Recovers the completed campaigns with a contact waiting for a callback: a process that died between
   * writing the callback and recovering the campaign its call completed left them so (read at startup, and
   * in the sweep, for a node that died and is not coming back). One that could not be recovered (past its
   * end, under the balance floor) is not tried again by this process: explain says what to do with it.
   */
  async reopenLost(): Promise<void> {
    for (const k of await completedWithCallbacks(this.host.store.db)) {
      if (this.refused.has(k.id)) continue;
      if (!(await this.reopen(k.account_id, k.id))) this.refused.add(k.id);
    }
  }

  /** Recovers a campaign completed on the call a callback was agreed on; false when that was refused. */
  async reopen(accountId: number, campaignId: number): Promise<boolean> {
    const completed = async () =>
      (
        await this.host.store.db
          .selectFrom("campaigns")
          .select("status")
          .where("account_id", "=", accountId)
          .where("id", "=", campaignId)
          .executeTakeFirst()
      )?.status === "completed";
    if (!(await completed())) return true;
    try {
      await this.host.recover(accountId, campaignId);
      return true;
    } catch (err) {
      if (!(await completed())) return true; // another node (or request) recovered it meanwhile
      this.host.onError?.(err);
      return false;
    }
  }

  /** Why a callback from the attempt could not be made: its campaign completed and could not be recovered
   *  (past its end time, under the balance floor). Asked before the callback is written. */
  async refusal(accountId: number, attemptId: number, callbackAt: number): Promise<EngineError | null> {
    const row = await this.host.store.db
      .selectFrom("attempts as a")
      .innerJoin("campaigns as c", "c.id", "a.campaign_id")
      .selectAll("c")
      .where("a.id", "=", attemptId)
      .where("a.account_id", "=", accountId)
      .executeTakeFirst();
    if (!row) return null;
    // A callback at or after the campaign halts would wait there for good: dialing (or about to), at its
    // halt_at (its end time or lifetime, whichever comes first: haltAtFor). A stopped or completed one's
    // lifetime counts again from a recover, so only its end time is sure.
    const endsAt = ACTIVE_STATUSES.includes(row.status as CampaignStatus)
      ? row.halt_at
      : new CampaignRuntime(row).settings.endAt;
    if (endsAt !== null && callbackAt >= endsAt) {
      const at = new Date(endsAt).toISOString();
      return new EngineError(
        "callback_after_end",
        `campaign ${row.id} ends at ${at}: a callback then or later would never be made; set an earlier one, or move the campaign's endAt (lifetimeSec) first`,
      );
    }
    if (row.status !== "completed") return null;
    const ended = this.host.endedError(row);
    if (ended) return ended;
    try {
      await this.host.requireBalance(row);
    } catch (err) {
      if (err instanceof EngineError) return err;
      throw err;
    }
    return null;
  }
}
