// What an import needs before the first byte: its options checked (a 400 naming the field otherwise),
// the campaign and list found in the caller's account (404 otherwise), and imports into one campaign
// serialized, so duplicate checks against stored contacts are not raced by another import.

import { WallClock } from "../clock/clock.ts";
import { isSupportedPhoneCountry } from "../lib/phone.ts";
import { orderClassOf, withDefaults } from "../model/campaign-settings.ts";
import type { Store } from "../store/db.ts";
import { findList } from "../store/lists.ts";
import { badRequest, ImportError } from "./errors.ts";
import {
  type ContactsTarget,
  DEFAULT_LIMITS,
  DUPLICATE_POLICIES,
  type DuplicatePolicy,
  PHONE_POLICIES,
  type PhonePolicy,
  type ValidationOptions,
} from "./types.ts";
import type { WriterTarget } from "./writer.ts";

export interface CheckedValidation {
  defaultCountry: string | undefined;
  phonePolicy: PhonePolicy;
  duplicatePolicy: DuplicatePolicy;
  maxFieldLength: number;
}

/** Defaults: skip invalid rows, skip repeated phones (calling someone twice is the costlier mistake). */
export function checkValidation(opts: ValidationOptions): CheckedValidation {
  const phonePolicy = opts.phonePolicy ?? "skip";
  if (!PHONE_POLICIES.includes(phonePolicy)) {
    throw badRequest(
      "invalid_option",
      `phone_policy must be one of ${PHONE_POLICIES.join(", ")}`,
      "phone_policy",
    );
  }
  const duplicatePolicy = opts.duplicatePolicy ?? "skip";
  if (!DUPLICATE_POLICIES.includes(duplicatePolicy)) {
    throw badRequest(
      "invalid_option",
      `duplicate_policy must be one of ${DUPLICATE_POLICIES.join(", ")}`,
      "duplicate_policy",
    );
  }
  return {
    defaultCountry: checkedCountry(opts.defaultCountry, "default_country"),
    phonePolicy,
    duplicatePolicy,
    maxFieldLength: positive(opts.maxFieldLength, DEFAULT_LIMITS.maxFieldLength, "max_field_length"),
  };
}

export function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw badRequest("invalid_option", `${field} must be a positive integer`, field);
  return value;
}

/** An import into a list made for it, named `newListName` (see WriterTarget). */
export type NewListTarget = Omit<ContactsTarget, "listId"> & { newListName: string };

/** Loads the campaign and list (unless a new one is to be made), checking both belong to the account, and
 *  notes the campaign's status as the import begins (WriterTarget.campaignAtStart). */
export async function loadTarget(
  store: Store,
  target: ContactsTarget | NewListTarget,
  now: number | undefined,
): Promise<WriterTarget> {
  const campaign = await store.db
    .selectFrom("campaigns")
    .select(["id", "account_id", "settings", "status", "finished_at"])
    .where("id", "=", target.campaignId)
    .executeTakeFirst();
  if (!campaign || Number(campaign.account_id) !== target.accountId) {
    throw new ImportError({
      code: "campaign_not_found",
      status: 404,
      message: `campaign ${target.campaignId} not found`,
      field: "campaignId",
    });
  }
  const newList = "newListName" in target;
  if (!newList && !(await findList(store.db, target.campaignId, target.listId))) {
    throw new ImportError({
      code: "list_not_found",
      status: 404,
      message: `list ${target.listId} not found in campaign ${target.campaignId}`,
      field: "listId",
    });
  }
  const settings = withDefaults(JSON.parse(campaign.settings));
  return {
    accountId: target.accountId,
    campaignId: target.campaignId,
    ...(newList ? { newListName: target.newListName } : { listId: target.listId }),
    orderClass: orderClassOf(settings, false),
    now: now ?? new WallClock().now(),
    campaignAtStart: {
      status: campaign.status,
      finishedAt: campaign.finished_at === null ? null : Number(campaign.finished_at),
    },
  };
}

const campaignLocks = new WeakMap<Store, Map<number, Promise<unknown>>>();

/** Runs `fn` after every earlier import into this campaign (through this store) has finished. */
export async function withCampaignLock<T>(
  store: Store,
  campaignId: number,
  fn: () => Promise<T>,
): Promise<T> {
  let locks = campaignLocks.get(store);
  if (!locks) {
    locks = new Map();
    campaignLocks.set(store, locks);
  }
  const previous = locks.get(campaignId) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(fn);
  const tail = run.catch(() => {});
  locks.set(campaignId, tail);
  try {
    return await run;
  } finally {
    if (locks.get(campaignId) === tail) locks.delete(campaignId);
  }
}

/** The ISO country phone numbers are read for (any case; empty = none), or a 400 naming `field`. */
export function checkedCountry(country: string | undefined, field: string): string | undefined {
  if (country === undefined || country === "") return undefined;
  const upper = country.trim().toUpperCase();
  if (!isSupportedPhoneCountry(upper))
    throw badRequest("invalid_option", `unknown country "${country}"`, field);
  return upper;
}
