// State changes the engine makes outside the dispatch path (campaign status, cancelling a contact), each
// written in one transaction with the webhook events it causes: its outbox inserts pick the subscriptions
// taking them from the webhooks table as stored (outbox/events.ts OUTBOX_RECEIVERS), none cached here.
import type { CompiledQuery } from "kysely";
import type { CampaignStatus } from "../model/outcome.ts";
import { type CallbackRefusal, scheduleCallback } from "../store/agent-calls.ts";
import { atomically } from "../store/atomic.ts";
import { tryLockCampaignPending } from "../store/contacts-insert.ts";
import { cancelPendingContactQuery, findContact } from "../store/contacts-query.ts";
import type { Store } from "../store/db.ts";
import type { Campaign, CampaignUpdate } from "../store/schema.ts";
import { outboxInserts } from "../store/webhooks.ts";
import {
  campaignStatusEvents,
  type DispositionInfo,
  dispositionEvents,
  reopenedEvents,
  settledAtClaimEvents,
} from "./events.ts";

/** What a status change needs to know of the campaign it changes. */
export type StatusHolder = Pick<Campaign, "id" | "account_id" | "status"> &
  Partial<Pick<Campaign, "settings">>;

/** The outbox rows a transaction wrote: the counts `atomically` gives of its last `inserts` statements. */
function rowsOf(counts: readonly number[], inserts: readonly CompiledQuery[]): number {
  return counts.slice(counts.length - inserts.length).reduce((sum, n) => sum + n, 0);
}

export class StateWrites {
  constructor(
    private readonly store: Store,
    /** Called after a commit that wrote outbox rows (an account without subscriptions gets none). */
    private readonly eventsWritten: () => void,
  ) {}

  /**
   * The status change and its campaign.status_changed events. With `ifDrained`, only if the campaign has
   * no contact pending or on a call at the moment of the write (a list reset or an import may have just
   * added some); with `ifUnchanged`, only if the campaign still has the status `from` says, and the settings
   * when `from` carries them (a command or an edit elsewhere may have changed them since they were read, and
   * a start computes its halt time from them). Returns whether the change was made.
   */
  async campaignStatus(
    from: StatusHolder,
    status: CampaignStatus,
    now: number,
    set: CampaignUpdate,
    opts: { ifDrained?: boolean; ifUnchanged?: boolean } = {},
  ): Promise<boolean> {
    let update = this.store.db
      .updateTable("campaigns")
      .set({ ...set, status, updated_at: now })
      .where("id", "=", from.id);
    if (opts.ifUnchanged) {
      update = update.where("status", "=", from.status);
      if (from.settings !== undefined) update = update.where("settings", "=", from.settings);
    }
    if (opts.ifDrained) {
      update = update.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("contacts")
              .select("contacts.id")
              .where("contacts.campaign_id", "=", from.id)
              .where("contacts.status", "in", ["pending", "in_progress"]),
          ),
        ),
      );
    }
    const reason = set.status_reason ?? null;
    const events = campaignStatusEvents(from.account_id, from.id, from.status, status, reason, now);
    const inserts = outboxInserts(this.store.db, events);
    let changed: number;
    let rows: number;
    if (opts.ifDrained && !this.store.sqlite) {
      ({ changed, rows } = await this.drainedWrite(from.id, update.compile(), inserts));
    } else {
      const counts = await atomically(this.store, [update.compile()], { thenIfChanged: inserts });
      changed = counts[0];
      rows = changed > 0 ? rowsOf(counts, inserts) : 0;
    }
    if (rows > 0) this.eventsWritten();
    return changed > 0;
  }

  /**
   * The `ifDrained` write on PostgreSQL. Its guard's subquery sees contacts as of the statement's start: a
   * contact a writer committed while the UPDATE waited for the campaign's row was missed, and stayed pending
   * in a completed campaign, answered 200 and never dialed (jaicp12). Writers making contacts pending hold
   * the campaign's pending lock shared to their commit; taken alone first, the guard reads after them. It is
   * not waited for (an import holds its share through its upload, and this runs in a dispatch pass): with a
   * write in flight the campaign is not drained, and the next pass, within seconds, looks again. Returns the
   * rows changed and the outbox rows written.
   */
  private drainedWrite(
    campaignId: number,
    update: CompiledQuery,
    inserts: CompiledQuery[],
  ): Promise<{ changed: number; rows: number }> {
    return this.store.db.transaction().execute(async (trx) => {
      if (!(await tryLockCampaignPending(trx, campaignId))) return { changed: 0, rows: 0 };
      const changed = Number((await trx.executeQuery(update)).numAffectedRows ?? 0);
      let rows = 0;
      if (changed > 0)
        for (const q of inserts) rows += Number((await trx.executeQuery(q)).numAffectedRows ?? 0);
      return { changed, rows };
    });
  }

  /** Cancels a pending contact with its contact.status_changed event; its campaign's id, or null if it was
   *  not pending. */
  async cancelContact(accountId: number, contactId: number, now: number): Promise<number | null> {
    const contact = await findContact(this.store.db, accountId, contactId);
    if (contact?.status !== "pending") return null;
    const inserts = outboxInserts(
      this.store.db,
      settledAtClaimEvents(contact, "cancelled", "cancelled by request", now),
    );
    const counts = await atomically(
      this.store,
      [cancelPendingContactQuery(this.store.db, accountId, contactId, now)],
      { thenIfChanged: inserts },
    );
    const changed = counts[0];
    if (changed > 0 && rowsOf(counts, inserts) > 0) this.eventsWritten();
    return changed > 0 ? contact.campaign_id : null;
  }

  /**
   * Withdraws a contact on a call now: its call goes on, and the claim then settles it cancelled instead of
   * dialing it again (claim-decision.ts). False when it is not on a call (any more).
   */
  async withdrawAfterCall(accountId: number, contactId: number, now: number): Promise<boolean> {
    const r = await this.store.db
      .updateTable("contacts")
      .set({ withdrawn_at: now })
      .where("account_id", "=", accountId)
      .where("id", "=", contactId)
      .where("status", "=", "in_progress")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Schedules an agent's callback for the attempt's contact (store/agent-calls.ts scheduleCallback); one
   * that had settled is pending again, and its contact.status_changed goes in the same transaction.
   */
  async scheduleCallback(
    accountId: number,
    attemptId: number,
    at: number,
    now: number,
    forAgent: number | null,
  ): Promise<CallbackRefusal | null> {
    return scheduleCallback(this.store, accountId, attemptId, at, now, forAgent, {
      inserts: (c) => outboxInserts(this.store.db, reopenedEvents(accountId, c, now)),
      written: (rows) => {
        if (rows > 0) this.eventsWritten();
      },
    });
  }

  /**
   * Records an agent's disposition of an attempt of the account, with its attempt.disposed event and the
   * writes `alsoWrite` gives for the attempt (a do-not-call entry), in one transaction. Null when the
   * account has no such attempt.
   */
  async disposition(
    accountId: number,
    attemptId: number,
    d: Pick<DispositionInfo, "agentId" | "disposition" | "at" | "callbackAt" | "callbackPersonal" | "dnc">,
    alsoWrite?: (attempt: { phone: string; campaignId: number }) => CompiledQuery[],
  ): Promise<{ phone: string; campaignId: number } | null> {
    const row = await this.store.db
      .selectFrom("attempts")
      .select(["campaign_id", "contact_id", "seq", "phone"])
      .where("id", "=", attemptId)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (!row) return null;
    const campaignId = Number(row.campaign_id);
    const update = this.store.db
      .updateTable("attempts")
      // Who disposed of it, not who took it: agent_id stays the agent the call was connected to (if any).
      .set({ disposition: d.disposition, disposition_at: d.at, disposed_by: d.agentId })
      .where("id", "=", attemptId)
      .compile();
    const events = dispositionEvents({
      ...d,
      accountId,
      campaignId,
      contactId: Number(row.contact_id),
      attemptId,
      seq: row.seq,
      phone: row.phone,
    });
    const attempt = { phone: row.phone, campaignId };
    const inserts = outboxInserts(this.store.db, events);
    const counts = await atomically(this.store, [update, ...(alsoWrite?.(attempt) ?? []), ...inserts]);
    if (rowsOf(counts, inserts) > 0) this.eventsWritten();
    return attempt;
  }
}
