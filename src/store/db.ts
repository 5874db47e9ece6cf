// Opens the store on either dialect and runs migrations. SQLite is the embedded default (WAL, one file
// under ./data); PostgreSQL is chosen by a postgres:// URL and is what several outdial nodes share.
import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { migrateToLatest } from "./migrate.ts";
import { CurrentSchemaPostgresDialect } from "./pg-introspector.ts";
import type { Database } from "./schema.ts";

export type DialectName = "sqlite" | "postgres";

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The raw better-sqlite3 handle (SQLite only): the dispatch hot path uses prepared statements on it. */
  sqlite?: SQLite.Database;
  /** The raw pg pool (PostgreSQL only). */
  pool?: pg.Pool;
  /** PostgreSQL: the connections imports hold for the whole of an upload, apart from `pool`, so that
   *  uploads (slow clients included) can never take the connections the dispatcher's heartbeat needs. */
  importPool?: pg.Pool;
  /** The PostgreSQL schema the store lives in, when not the default one. */
  schema?: string;
  close(): Promise<void>;
}

// int8 (bigint) and numeric come back from pg as strings by default; every bigint we store is a
// millisecond time, an id or a micro-USD amount, all well inside 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface OpenStoreOptions {
  /** `postgres://…` or a SQLite file path; ':memory:' for a private in-memory database. */
  url: string;
  migrate?: boolean;
  /** PostgreSQL schema to use (tests isolate themselves with one schema each). */
  pgSchema?: string;
  /** SQLite page cache in MB (default 64). */
  sqliteCacheMb?: number;
  poolSize?: number;
  /** PostgreSQL: imports at once (each holds one connection of its own; default 4). */
  importConnections?: number;
  /** PostgreSQL: a pooled connection the server or the network broke (a restart, a failover, an idle
   *  reaper). The queries on it fail and the pool opens a new one; this only hears of it. */
  onConnectionError?(err: Error): void;
}

/** A write refused by a unique index or constraint, on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

/** A write refused because a row it refers to is gone (deleted by a request that committed meanwhile). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  return code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503";
}

export function isPostgresUrl(url: string): boolean {
  // postgres:// or postgresql://, the scheme in any case: URL schemes are case-insensitive, and pg takes both.
  return /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(opts.url)) {
    const schema = opts.pgSchema;
    if (schema && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema))
      throw new Error(`invalid schema name "${schema}"`);
    // The schema goes in the connection's startup options, so every pooled connection has it from its
    // first query on (a SET issued on "connect" would race the pool's first query).
    const newPool = (max: number) => {
      const made = new pg.Pool({
        connectionString: opts.url,
        max,
        // A pool whose connections are all taken makes the caller fail after this long instead of waiting
        // for ever (the dispatch pass then retries; it must not hang with the node's heartbeat behind
        // it), and keepalives find a connection whose peer vanished.
        connectionTimeoutMillis: 10_000,
        keepAlive: true,
        ...(schema ? { options: `-c search_path=${schema}` } : {}),
      });
      // An 'error' nobody listens to ends the process: the pool emits it for an idle connection that
      // broke, a connection for one that broke while checked out between two queries. Both are heard
      // here for the connection's whole life; the queries on it fail on their own, and a released broken
      // connection is dropped by the pool.
      const heard = (err: Error) => opts.onConnectionError?.(err);
      made.on("error", heard);
      made.on("connect", (client) => client.on("error", heard));
      return made;
    };
    const pool = newPool(opts.poolSize ?? 10);
    // Opens its connections only when imports run.
    const importPool = newPool(opts.importConnections ?? 4);
    if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const db = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
    const close = async () => {
      await db.destroy();
      await importPool.end();
    };
    store = { db, dialect: "postgres", pool, importPool, schema, close };
  } else {
    if (opts.url !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(opts.url)), { recursive: true });
    const sqlite = new SQLite(opts.url);
    sqlite.pragma("journal_mode = WAL");
    // NORMAL in WAL mode is durable against a process crash (SIGKILL); only an OS crash may lose the
    // last transactions, which the lease reconciliation then treats like any lost call.
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    // The dial queue walks several indexes of a large contacts table; a 64 MB page cache (default 2 MB)
    // keeps their hot pages in memory instead of re-reading them from the OS on every batch.
    sqlite.pragma(`cache_size = ${-(opts.sqliteCacheMb ?? 64) * 1024}`);
    // Checkpoint every 64 MB of WAL instead of every 4 MB: contact pages rewritten by many attempts between
    // two checkpoints are copied back once, which is most of the dispatch hot path's write volume.
    sqlite.pragma("wal_autocheckpoint = 16384");
    // SQLite's own lower() folds ASCII only, so a case-insensitive search for "клиенты" missed "Клиенты"
    // here while PostgreSQL found it; JavaScript's folds every script, as PostgreSQL's does.
    sqlite.function("lower", { deterministic: true }, (v: unknown) =>
      v === null ? null : String(v).toLowerCase(),
    );
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    store = { db, dialect: "sqlite", sqlite, close: () => db.destroy() };
  }
  if (opts.migrate !== false) await migrateToLatest(store.db, store.schema);
  return store;
}
