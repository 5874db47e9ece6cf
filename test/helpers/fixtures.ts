// Rows for tests, written with Kysely so they work on both dialects.
import { type CampaignSettings, withDefaults } from "../../src/model/campaign-settings.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { insertCampaign } from "../../src/store/campaigns.ts";
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
}

export async function addContacts(
  store: Store,
  ids: { accountId: number; campaignId: number; listId: number },
  specs: ContactSpec[],
  now = 0,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < specs.length; i += 500) {
    const rows = specs.slice(i, i + 500).map((s) => ({
      account_id: ids.accountId,
      campaign_id: ids.campaignId,
      list_id: ids.listId,
      external_id: s.externalId ?? null,
      phones: JSON.stringify(s.phones),
      phone: s.phones[0],
      custom: JSON.stringify(s.custom ?? {}),
      time_zone: s.timeZone ?? null,
      daily_from_sec: s.dailyFromSec ?? null,
      daily_to_sec: s.dailyToSec ?? null,
      start_at: s.startAt ?? null,
      priority: s.priority ?? 0,
      status: "pending",
      ready: 0,
      order_class: 0,
      attempts: 0,
      phone_index: 0,
      phone_attempts: JSON.stringify(s.phones.map(() => 0)),
      retry_counts: "{}",
      next_attempt_at: Math.max(s.startAt ?? now, now),
      wait_reason: (s.startAt ?? 0) > now ? "start_at" : null,
      lease_owner: null,
      lease_expires_at: null,
      last_outcome: null,
      last_attempt_at: null,
      flagged: 0,
      created_at: now,
      updated_at: now,
    }));
    const r = await store.db.insertInto("contacts").values(rows).returning("id").execute();
    out.push(...r.map((x) => x.id));
  }
  return out;
}
