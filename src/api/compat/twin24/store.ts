// The Twin24 face's own rows (migration 003): task uuid ↔ campaign, schedules and caller-id entities.
// Plain functions taking the store's db; the core tables are read and written elsewhere, never here.
import type { ExpressionBuilder, Kysely } from "kysely";
import type { WeeklySchedule } from "../../../model/campaign-settings.ts";
import { creatingReason } from "../../../store/campaigns.ts";
import type { Campaign, Database } from "../../../store/schema.ts";

export type Twin24TaskRow = {
  uuid: string;
  account_id: number;
  campaign_id: number;
  list_id: number;
  created_at: number;
};

export type Twin24ScheduleRow = {
  uuid: string;
  account_id: number;
  name: string;
  schedule: string;
  created_at: number;
};

export type CallerIdKind = "gornum" | "pool";

export type Twin24CallerIdRow = {
  uuid: string;
  account_id: number;
  kind: string;
  name: string;
  numbers: string;
  created_at: number;
};

// A type alias, not an interface: withTables wants a type with an implicit index signature.
type Twin24Tables = {
  twin24_tasks: Twin24TaskRow;
  twin24_schedules: Twin24ScheduleRow;
  twin24_caller_ids: Twin24CallerIdRow;
};

type Db = Kysely<Database>;

function tables(db: Db): Kysely<Database & Twin24Tables> {
  return db.withTables<Twin24Tables>();
}

export async function insertTask(db: Db, row: Twin24TaskRow): Promise<void> {
  await tables(db).insertInto("twin24_tasks").values(row).execute();
}

/** A task of this account; another account's task is as absent as a missing one, and so is one still being
 *  created (see creatingReason: a request killed before its start left it behind). */
export async function findTask(db: Db, accountId: number, uuid: string): Promise<Twin24TaskRow | undefined> {
  return tables(db)
    .selectFrom("twin24_tasks as t")
    .innerJoin("campaigns as c", "c.id", "t.campaign_id")
    .selectAll("t")
    .where("t.uuid", "=", uuid)
    .where("t.account_id", "=", accountId)
    .where(created)
    .executeTakeFirst();
}

function created(eb: ExpressionBuilder<Database & { c: Campaign }, "c">) {
  return eb.or([
    eb("c.status", "!=", "draft"),
    eb("c.status_reason", "is", null),
    eb("c.status_reason", "!=", creatingReason("twin24")),
  ]);
}

/** The account's tasks with their campaigns, in campaign id order after `afterCampaignId`. */
export async function listTasks(
  db: Db,
  accountId: number,
  q: { statuses?: string[]; afterCampaignId?: number; limit: number },
): Promise<(Campaign & { task_uuid: string })[]> {
  let query = tables(db)
    .selectFrom("twin24_tasks as t")
    .innerJoin("campaigns as c", "c.id", "t.campaign_id")
    .selectAll("c")
    .select("t.uuid as task_uuid")
    .where("t.account_id", "=", accountId)
    .where(created);
  if (q.statuses?.length) query = query.where("c.status", "in", q.statuses);
  if (q.afterCampaignId !== undefined) query = query.where("c.id", ">", q.afterCampaignId);
  return query.orderBy("c.id").limit(q.limit).execute();
}

export async function insertSchedule(
  db: Db,
  s: { uuid: string; accountId: number; name: string; schedule: WeeklySchedule; now: number },
): Promise<void> {
  await tables(db)
    .insertInto("twin24_schedules")
    .values({
      uuid: s.uuid,
      account_id: s.accountId,
      name: s.name,
      schedule: JSON.stringify(s.schedule),
      created_at: s.now,
    })
    .execute();
}

export async function findSchedule(
  db: Db,
  accountId: number,
  uuid: string,
): Promise<Twin24ScheduleRow | undefined> {
  return tables(db)
    .selectFrom("twin24_schedules")
    .selectAll()
    .where("uuid", "=", uuid)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
}

export async function insertCallerId(
  db: Db,
  c: { uuid: string; accountId: number; kind: CallerIdKind; name: string; numbers: string[]; now: number },
): Promise<void> {
  await tables(db)
    .insertInto("twin24_caller_ids")
    .values({
      uuid: c.uuid,
      account_id: c.accountId,
      kind: c.kind,
      name: c.name,
      numbers: JSON.stringify(c.numbers),
      created_at: c.now,
    })
    .execute();
}

export async function findCallerId(
  db: Db,
  accountId: number,
  uuid: string,
): Promise<Twin24CallerIdRow | undefined> {
  return tables(db)
    .selectFrom("twin24_caller_ids")
    .selectAll()
    .where("uuid", "=", uuid)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
}
