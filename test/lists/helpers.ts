// A real in-memory SQLite store with one account, campaign and list, and small helpers around it.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { ImportError, type ImportRequest, importCsv } from "../../src/lists/import.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { insertList } from "../../src/store/lists.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";

export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

export interface Fixture {
  store: Store;
  accountId: number;
  campaignId: number;
  listId: number;
}

export async function fixture(settings: Record<string, unknown> = {}): Promise<Fixture> {
  const store = await openStore({ url: ":memory:" });
  const accountId = await createAccount(store, "acme", NOW);
  const { campaignId, listId } = await createCampaign(store, accountId, settings, {
    name: "calls",
    now: NOW,
  });
  return { store, accountId, campaignId, listId };
}

export async function addList(store: Store, accountId: number, campaignId: number): Promise<number> {
  return (await insertList(store.db, { accountId, campaignId, name: "list", now: NOW })).id;
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
