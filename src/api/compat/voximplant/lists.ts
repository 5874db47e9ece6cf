// Call lists as outdial campaigns: what the face keeps in settings.vendor.voximplant, finding a list by id or
// name, and creating one (a campaign with one list). Storage only; lifecycle is the engine's.
import type { CampaignSettings } from "../../../model/campaign-settings.ts";
import { insertCampaign, isBeingCreated } from "../../../store/campaigns.ts";
import type { Store } from "../../../store/db.ts";
import { insertList } from "../../../store/lists.ts";
import type { Campaign } from "../../../store/schema.ts";
import { invalidArgument } from "./errors.ts";

export const LIST_NAME = "call list";

/** Contacts of a manual list wait at or above this start time until StartNextCallTask releases them one
 *  by one: held at MANUAL_HOLD_AT plus the file's own `__start_at` (0 when it has none), so the task keeps
 *  the time before which it may not be released. */
export const MANUAL_HOLD_AT = Date.UTC(9999, 0, 1);

/** Whether a contact's start_at is a manual list's hold. */
export function isHeld(startAt: number | null): boolean {
  return startAt !== null && startAt >= MANUAL_HOLD_AT;
}

/** The file's `__start_at` (ms) a held task keeps, or null when the file gave none. */
export function heldFileStart(startAt: number): number | null {
  const own = startAt - MANUAL_HOLD_AT;
  return own > 0 ? own : null;
}

/** The Voximplant-only fields of a call list, kept verbatim. */
export interface VoxListData {
  type: "AUTOMATIC" | "MANUAL";
  rule_id: number;
  application_id: number | null;
  queue_id: number | null;
  avg_waiting_sec: number;
  reference_ip: string | null;
  server_location: string | null;
  task_priority_strategy: "first_attempts" | "repeated_attempts";
  interval_seconds: number;
  num_attempts: number;
  max_simultaneous: number;
  /** The file's column the phone came from (added back to custom_data in GetCallListDetails). */
  phone_column: string;
}

export interface CallList {
  campaign: Campaign;
  settings: CampaignSettings;
  vox: VoxListData;
  listId: number;
}

export function asCallList(campaign: Campaign, listId: number): CallList | null {
  // Being created (creatingReason): until its file is in and it is started (or, manual, held).
  if (isBeingCreated(campaign)) return null;
  const settings = JSON.parse(campaign.settings) as CampaignSettings;
  const vox = settings.vendor?.voximplant as VoxListData | undefined;
  return vox ? { campaign, settings, vox, listId } : null;
}

async function withList(store: Store, campaign: Campaign | undefined): Promise<CallList | null> {
  if (!campaign) return null;
  const list = await store.db
    .selectFrom("lists")
    .select("id")
    .where("campaign_id", "=", campaign.id)
    .orderBy("id")
    .executeTakeFirst();
  return list ? asCallList(campaign, list.id) : null;
}

/** The call list `list_id` of this account, or Voximplant's invalid-argument error. */
export async function findCallList(store: Store, accountId: number, listId: number): Promise<CallList> {
  const campaign = await store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", listId)
    .executeTakeFirst();
  const found = await withList(store, campaign);
  if (!found) throw invalidArgument(`Call list ${listId} not found`);
  return found;
}

export async function findCallListByName(store: Store, accountId: number, name: string): Promise<CallList> {
  const rows = await store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("name", "=", name)
    .execute();
  const lists = (await Promise.all(rows.map((r) => withList(store, r)))).filter((l) => l !== null);
  if (lists.length === 0) throw invalidArgument(`Call list '${name}' not found`);
  if (lists.length > 1) throw invalidArgument(`More than one call list is named '${name}': use list_id`);
  return lists[0];
}

export async function allCallLists(store: Store, accountId: number): Promise<Campaign[]> {
  const rows = await store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("settings", "like", '%"voximplant"%')
    .orderBy("id")
    .execute();
  return rows.filter((r) => asCallList(r, 0) !== null);
}

export async function createCallList(
  store: Store,
  c: { accountId: number; name: string; settings: CampaignSettings; now: number },
): Promise<{ campaignId: number; listId: number }> {
  return store.db.transaction().execute(async (trx) => {
    const row = await insertCampaign(trx, { ...c, creatingBy: "voximplant" });
    const list = await insertList(trx, {
      accountId: c.accountId,
      campaignId: row.id,
      name: LIST_NAME,
      now: c.now,
    });
    return { campaignId: row.id, listId: list.id };
  });
}

/** Removes a list whose file was refused, so a failed CreateCallList leaves nothing behind. */
export async function dropCallList(store: Store, campaignId: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("contacts").where("campaign_id", "=", campaignId).execute();
    await trx.deleteFrom("lists").where("campaign_id", "=", campaignId).execute();
    await trx.deleteFrom("campaigns").where("id", "=", campaignId).execute();
  });
}
