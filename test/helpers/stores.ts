// Real databases for tests: SQLite in memory always; PostgreSQL when OUTDIAL_TEST_PG_URL is set (each
// store gets a schema of its own, dropped afterwards). Under CI (CI=true, or OUTDIAL_REQUIRE_PG=1) a
// missing PostgreSQL is an error, never a silent skip.
import { randomBytes } from "node:crypto";
import { openStore, type Store } from "../../src/store/db.ts";

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
        return store;
      },
    });
  } else if (pgRequired()) {
    throw new Error(
      "PostgreSQL is required here (CI or OUTDIAL_REQUIRE_PG=1) but OUTDIAL_TEST_PG_URL is not set",
    );
  }
  return out;
}
