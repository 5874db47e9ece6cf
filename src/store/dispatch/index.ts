// Picks the dispatch hot path for the store's dialect.
import type { Store } from "../db.ts";
import { postgresDispatchStore } from "./postgres.ts";
import { sqliteDispatchStore } from "./sqlite.ts";
import type { DispatchStore } from "./types.ts";

export function openDispatchStore(store: Store): DispatchStore {
  if (store.dialect === "sqlite" && store.sqlite) return sqliteDispatchStore(store.sqlite);
  if (store.dialect === "postgres" && store.pool) return postgresDispatchStore(store.pool);
  throw new Error(`no dispatch store for dialect ${store.dialect}`);
}
