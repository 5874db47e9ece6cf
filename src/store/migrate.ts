// Runs the numbered migrations under Kysely's Migrator, which takes a lock (an advisory lock on
// PostgreSQL, the write lock on SQLite) so two processes starting at once cannot both migrate.
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
} from "kysely";
import * as m001 from "./migrations/001_core.ts";
import * as m002 from "./migrations/002_webhooks.ts";
import * as m003 from "./migrations/003_twin24.ts";
import * as m004 from "./migrations/004_credentials.ts";
import * as m005 from "./migrations/005_billing.ts";
import * as m006 from "./migrations/006_contact_policy.ts";
import * as m007 from "./migrations/007_scenarios.ts";
import * as m008 from "./migrations/008_xcally.ts";
import * as m009 from "./migrations/009_dnc.ts";
import * as m010 from "./migrations/010_agents.ts";
import * as m011 from "./migrations/011_queues.ts";
import * as m012 from "./migrations/012_personal_callbacks.ts";
import * as m013 from "./migrations/013_campaign_dnc.ts";
import * as m014 from "./migrations/014_webhook_owner.ts";
import * as m015 from "./migrations/015_reserved_attempts.ts";
import * as m016 from "./migrations/016_campaign_leases.ts";
import * as m017 from "./migrations/017_webhook_heads.ts";
import type { Database } from "./schema.ts";

const MIGRATIONS: Record<string, Migration> = {
  "001_core": m001,
  "002_webhooks": m002,
  "003_twin24": m003,
  "004_credentials": m004,
  "005_billing": m005,
  "006_contact_policy": m006,
  "007_scenarios": m007,
  "008_xcally": m008,
  "009_dnc": m009,
  "010_agents": m010,
  "011_queues": m011,
  "012_personal_callbacks": m012,
  "013_campaign_dnc": m013,
  "014_webhook_owner": m014,
  "015_reserved_attempts": m015,
  "016_campaign_leases": m016,
  "017_webhook_heads": m017,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** `schema`: the PostgreSQL schema the store lives in, when not the default one. Kysely looks its
 *  bookkeeping tables up by name across schemas, so each store's must be named explicitly. */
function migrator(db: Kysely<Database>, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: new StaticProvider(),
    // Migrations are independent of each other; one numbered below an applied one (work that landed in
    // another order than it was numbered) still runs instead of stopping the start.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

function check(name: string, { error, results }: MigrationResultSet): void {
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? name} failed: ${String(error)}`);
  }
}

export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<void> {
  check("", await migrator(db, schema).migrateToLatest());
}

/** Migrates up (or down) to the named migration: for tests of an upgrade from an older schema. */
export async function migrateTo(db: Kysely<Database>, name: string, schema?: string): Promise<void> {
  check(name, await migrator(db, schema).migrateTo(name));
}
