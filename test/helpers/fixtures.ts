// Rows for tests, written with Kysely so they work on both dialects.
import { type CampaignSettings, withDefaults } from "../../src/model/campaign-settings.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { insertCampaign } from "../../src/store/campaigns.ts";
import { insertContacts } from "../../src/store/contacts-insert.ts";
import type { Store } from "../../src/store/db.ts";
import { insertList } from "../../src/store/lists.ts";

export async function createAccount(store: Store, name = "acme", now = 0): Promise<number> {
  return insertAccount(store.db, name, now);
}

export async function createCampaign(
  store: Store,
  accountId: number,
  settings: Partial<CampaignSettings> = {},
  opts: { name?: string; now?: number } = {},
): Promise<{ campaignId: number; listId: number }> {
  const now = opts.now ?? 0;
  const c = await insertCampaign(store.db, {
    accountId,
    name: opts.name ?? "campaign",
    settings: withDefaults(settings),
    now,
  });
  const l = await insertList(store.db, { accountId, campaignId: c.id, name: "list", now });
  return { campaignId: c.id, listId: l.id };
}

export interface ContactSpec {
  phones: string[];
  timeZone?: string | null;
  priority?: number;
  dailyFromSec?: number | null;
  dailyToSec?: number | null;
  startAt?: number | null;
  custom?: Record<string, string>;
  externalId?: string | null;
  /** JSON of the contact's own call policy (model/contact-policy.ts). */
  policy?: string | null;
}

/** Contacts due from `now` (or their startAt), waiting for the dispatcher to promote them; their ids. */
export async function addContacts(
  store: Store,
  ids: { accountId: number; campaignId: number; listId: number },
  specs: ContactSpec[],
  now = 0,
): Promise<number[]> {
  return insertContacts(store.db, { ...ids, now }, specs, { queueDue: false });
}
