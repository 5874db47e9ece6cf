// Runs the numbered migrations under Kysely's Migrator. On PostgreSQL it takes an advisory lock and one
// transaction; on SQLite it takes neither (its adapter has no lock and no transactional DDL), so two
// processes opening one file at once both ran 001 and one died on "table already exists", and a process
// killed inside a migration left it half applied and unrecorded, failing every later start. There the
// whole run is one BEGIN IMMEDIATE transaction when there is anything to run: the second process waits on
// the write lock (busy_timeout) and then finds nothing to do, and a crash rolls back to the last whole state.
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from "kysely";
import { isPostgresDb } from "./dialect.ts";
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
import * as m018 from "./migrations/018_disposed_by.ts";
import * as m019 from "./migrations/019_abandoned_at.ts";
import * as m020 from "./migrations/020_node_heartbeats.ts";
import * as m021 from "./migrations/021_webhook_retention.ts";
import * as m022 from "./migrations/022_number_history.ts";
import * as m023 from "./migrations/023_agent_sessions.ts";
import * as m024 from "./migrations/024_top_up_keys.ts";
import * as m025 from "./migrations/025_withdraw_after_call.ts";
import * as m026 from "./migrations/026_contact_page_indexes.ts";
import * as m027 from "./migrations/027_sip_dialogs.ts";
import * as m028 from "./migrations/028_sip_dialog_node.ts";
import * as m029 from "./migrations/029_node_heartbeat_token.ts";
import * as m030 from "./migrations/030_dnc_search_key.ts";
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
  "018_disposed_by": m018,
  "019_abandoned_at": m019,
  "020_node_heartbeats": m020,
  "021_webhook_retention": m021,
  "022_number_history": m022,
  "023_agent_sessions": m023,
  "024_top_up_keys": m024,
  "025_withdraw_after_call": m025,
  "026_contact_page_indexes": m026,
  "027_sip_dialogs": m027,
  "028_sip_dialog_node": m028,
  "029_node_heartbeat_token": m029,
  "030_dnc_search_key": m030,
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

/** Runs `run` as one transaction on SQLite (see the header); as it is on PostgreSQL. */
async function exclusively(db: Kysely<Database>, run: () => Promise<MigrationResultSet>) {
  if (isPostgresDb(db)) return run();
  await sql`BEGIN IMMEDIATE`.execute(db);
  let result: MigrationResultSet;
  try {
    result = await run();
  } catch (err) {
    await sql`ROLLBACK`.execute(db);
    throw err;
  }
  const failed = result.error !== undefined || result.results?.some((r) => r.status === "Error");
  await sql.raw(failed ? "ROLLBACK" : "COMMIT").execute(db);
  return result;
}

export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<void> {
  const m = migrator(db, schema);
  // Nothing to do (every start but the first of a new version) takes no write lock: another process may
  // hold it for a while (an import), and waiting on it here could fail the start.
  if (!isPostgresDb(db) && (await m.getMigrations()).every((x) => x.executedAt !== undefined)) return;
  check("", await exclusively(db, () => m.migrateToLatest()));
}

/** Migrates up (or down) to the named migration: for tests of an upgrade from an older schema. */
export async function migrateTo(db: Kysely<Database>, name: string, schema?: string): Promise<void> {
  check(name, await exclusively(db, () => migrator(db, schema).migrateTo(name)));
}
