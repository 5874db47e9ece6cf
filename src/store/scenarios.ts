// Robot scenarios of an account: CRUD for the API, and the lookup by key the engine makes for its campaigns.
import type { Kysely } from "kysely";
import type { RobotScenario } from "../model/robot-scenario.ts";
import { deleteOwned, findOwned, listOwned } from "./owned-rows.ts";
import type { Database, ScenarioRow } from "./schema.ts";

export type ScenarioConfig = Omit<RobotScenario, "key" | "name">;

export function scenarioOf(row: ScenarioRow): RobotScenario {
  return { key: row.key, name: row.name, ...(JSON.parse(row.config) as ScenarioConfig) };
}

/** Inserts or replaces the account's scenario with this key. */
export async function upsertScenario(
  db: Kysely<Database>,
  accountId: number,
  s: RobotScenario,
  now: number,
): Promise<ScenarioRow> {
  const config = JSON.stringify({
    say: s.say,
    results: s.results,
    talkSec: s.talkSec,
  } satisfies ScenarioConfig);
  return db
    .insertInto("scenarios")
    .values({ account_id: accountId, key: s.key, name: s.name, config, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.columns(["account_id", "key"]).doUpdateSet({ name: s.name, config, updated_at: now }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const findScenario = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "scenarios", accountId, id);
export const listScenarios = (db: Kysely<Database>, accountId: number) =>
  listOwned(db, "scenarios", accountId);
export const deleteScenario = (db: Kysely<Database>, accountId: number, id: number) =>
  deleteOwned(db, "scenarios", accountId, id);

/** The scenarios the given (account, key) pairs name, keyed `${accountId}:${key}`. */
export async function scenariosByKey(
  db: Kysely<Database>,
  wanted: { accountId: number; key: string }[],
): Promise<Map<string, RobotScenario>> {
  const out = new Map<string, RobotScenario>();
  if (wanted.length === 0) return out;
  const rows = await db
    .selectFrom("scenarios")
    .selectAll()
    .where("key", "in", [...new Set(wanted.map((w) => w.key))])
    .where("account_id", "in", [...new Set(wanted.map((w) => w.accountId))])
    .execute();
  for (const r of rows) out.set(`${r.account_id}:${r.key}`, scenarioOf(r));
  return out;
}
