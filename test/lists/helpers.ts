// A real in-memory SQLite store with one account, campaign and list, and small helpers around it.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { ImportError, type ImportRequest, importCsv } from "../../src/lists/import.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { openStore, type Store } from "../../src/store/db.ts";

export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

export interface Fixture {
  store: Store;
  accountId: number;
  campaignId: number;
  listId: number;
}

export async function fixture(settings: Record<string, unknown> = {}): Promise<Fixture> {
  const store = await openStore({ url: ":memory:" });
  const account = await store.db
    .insertInto("accounts")
    .values({ name: "acme", created_at: NOW, balance_micros: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  const campaign = await store.db
    .insertInto("campaigns")
    .values({
      account_id: account.id,
      name: "calls",
      status: "draft",
      status_reason: null,
      priority: 1000,
      settings: JSON.stringify(withDefaults(settings)),
      created_at: NOW,
      updated_at: NOW,
      started_at: null,
      halt_at: null,
      finished_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const list = await addList(store, account.id, campaign.id);
  return { store, accountId: account.id, campaignId: campaign.id, listId: list };
}

export async function addList(store: Store, accountId: number, campaignId: number): Promise<number> {
  const list = await store.db
    .insertInto("lists")
    .values({ account_id: accountId, campaign_id: campaignId, name: "list", created_at: NOW })
    .returning("id")
    .executeTakeFirstOrThrow();
  return list.id;
}

/** A stream of the given bytes, cut into small chunks so chunk boundaries get exercised. */
export function streamOf(data: string | Buffer, chunkSize = 7): Readable {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

export async function contactRows(f: Fixture) {
  return f.store.db.selectFrom("contacts").selectAll().orderBy("id").execute();
}

export async function countContacts(f: Fixture): Promise<number> {
  const row = await f.store.db
    .selectFrom("contacts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function target(f: Fixture) {
  return { accountId: f.accountId, campaignId: f.campaignId, listId: f.listId, now: NOW };
}

/** importCsv of `body` into the fixture's list, streamed in small chunks. */
export function run(f: Fixture, body: string | Buffer, options: Partial<ImportRequest> = {}) {
  return importCsv(f.store, { ...target(f), ...options }, streamOf(body));
}

/** Awaits a rejection with an ImportError carrying the expected fields; returns it. */
export async function rejects(
  promise: Promise<unknown>,
  expected: Partial<ImportError>,
): Promise<ImportError> {
  let caught: unknown;
  await promise.catch((err) => {
    caught = err;
  });
  assert.ok(caught instanceof ImportError, `expected an ImportError, got ${String(caught)}`);
  for (const [key, value] of Object.entries(expected)) {
    assert.equal((caught as unknown as Record<string, unknown>)[key], value, `ImportError.${key}`);
  }
  return caught as ImportError;
}
