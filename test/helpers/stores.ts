// Real databases for tests: SQLite in memory always; PostgreSQL when OUTDIAL_TEST_PG_URL is set (each
// store gets a schema of its own, dropped afterwards). Under CI (CI=true, or OUTDIAL_REQUIRE_PG=1) a
// missing PostgreSQL is an error, never a silent skip.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { openStore, type Store } from "../../src/store/db.ts";

/**
 * OUTDIAL_TEST_DB_JITTER_MS=N (PostgreSQL) delays each statement by a random 0–N ms before it goes out and
 * as much after its result: a run under it shows the tests that read what a write not awaited has yet to
 * land (one failed in CI on a slower PostgreSQL).
 */
function withJitter(store: Store): Store {
  const ms = Number(process.env.OUTDIAL_TEST_DB_JITTER_MS ?? 0);
  const pool = store.pool;
  if (!(ms > 0) || !pool) return store;
  const pause = () => new Promise((r) => setTimeout(r, Math.random() * ms));
  const patched = new WeakSet<object>();
  const patch = (client: pg.PoolClient) => {
    if (patched.has(client)) return client;
    patched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    const delayed = async (args: unknown[]) => {
      await pause();
      const result = await query(...args);
      await pause();
      return result;
    };
    (client as { query: unknown }).query = (...args: unknown[]) => {
      // A Submittable (a cursor, a COPY stream) answers synchronously: left as it is.
      const first = args[0] as { submit?: unknown } | undefined;
      if (typeof first?.submit === "function") return query(...args);
      // A callback call (pool.query sends its statements so) answers nothing: sent after the pause.
      if (typeof args.at(-1) === "function") {
        void pause().then(() => query(...args));
        return undefined;
      }
      return delayed(args);
    };
    return client;
  };
  type Done = (err?: Error) => void;
  type Callback = (err: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void;
  const connect = pool.connect.bind(pool) as unknown as (cb?: Callback) => Promise<pg.PoolClient> | undefined;
  // Kysely's PostgreSQL driver takes a client for each statement and sends it with client.query; pool.query
  // takes one with a callback.
  (pool as { connect: unknown }).connect = (cb?: Callback) => {
    if (cb) return connect((err, client, done) => cb(err, client && patch(client), done));
    return (connect() as Promise<pg.PoolClient>).then(patch);
  };
  return store;
}

export interface DialectCase {
  name: "sqlite" | "postgres";
  /** A fresh store; `migrate: false` leaves its schema empty (for upgrade tests). */
  open(opts?: { migrate?: boolean }): Promise<Store>;
}

/** PostgreSQL must be there: asked for with OUTDIAL_REQUIRE_PG=1, and implied under CI=true. */
export function pgRequired(): boolean {
  const flag = process.env.OUTDIAL_REQUIRE_PG;
  return flag === "1" || (process.env.CI === "true" && flag !== "0");
}

export function dialects(): DialectCase[] {
  const out: DialectCase[] = [
    { name: "sqlite", open: (opts) => openStore({ url: ":memory:", migrate: opts?.migrate }) },
  ];
  const pgUrl = process.env.OUTDIAL_TEST_PG_URL;
  if (pgUrl) {
    out.push({
      name: "postgres",
      async open(opts) {
        const schema = `t_${randomBytes(6).toString("hex")}`;
        const store = await openStore({ url: pgUrl, pgSchema: schema, poolSize: 4, migrate: opts?.migrate });
        const close = store.close;
        store.close = async () => {
          await store.pool!.query(`DROP SCHEMA "${schema}" CASCADE`);
          await close();
        };
        return withJitter(store);
      },
    });
  } else if (pgRequired()) {
    throw new Error(
      "PostgreSQL is required here (CI or OUTDIAL_REQUIRE_PG=1) but OUTDIAL_TEST_PG_URL is not set",
    );
  }
  return out;
}
