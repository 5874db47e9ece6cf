// The reading methods: GetCallLists (filters and paging over the account's call lists) and
// GetCallListDetails (a list's tasks as CSV, JSON or XLS). Reads the store; changes nothing.
import { pipeline, Readable, type Transform } from "node:stream";
import { stringify } from "csv-stringify";
import iconv from "iconv-lite";
import type { Selectable } from "kysely";
import type { CampaignSettings } from "../../../model/campaign-settings.ts";
import type { CampaignStatus } from "../../../model/outcome.ts";
import { countedAttempts } from "../../../model/redial-policy.ts";
import { clockOfDay } from "../../../model/windows.ts";
import type { Campaign, ContactsTable } from "../../../store/schema.ts";
import { xlsxStream } from "../../native/export/writers.ts";
import { invalidArgument, VOX, VoxError } from "./errors.ts";
import { allCallLists, asCallList, findCallList, heldFileStart, isHeld } from "./lists.ts";
import type { MethodContext } from "./methods.ts";
import { bool, formatUtc, int, intList, oneOf, type Params, text, utcDate } from "./params.ts";
import { LIST_STATUS } from "./terms.ts";

const ACTIVE: readonly string[] = ["running", "scheduled", "paused"] satisfies CampaignStatus[];

/** The statuses GetCallLists answers, once each: what its `status` filter takes. */
const LIST_STATUSES = [...new Set(Object.values(LIST_STATUS))];

function listStatus(c: Campaign): string {
  return LIST_STATUS[c.status as CampaignStatus] ?? c.status;
}

/** The rule a list runs: CreateCallList makes the rule id the bot's script id. A script that is no rule id
 *  (set through /v1) runs no Voximplant rule, so the list names none rather than the one it was created with. */
function liveRuleId(settings: CampaignSettings): number | null {
  const script = settings.bot?.scriptId;
  if (script === undefined || !/^\d+$/.test(script)) return null;
  const ruleId = Number(script);
  return Number.isSafeInteger(ruleId) ? ruleId : null;
}

/** The list's dialing settings as the engine applies them, the reverse of CreateCallList's mapping. Read from
 *  the live settings, not the copy in settings.vendor.voximplant: an edit through /v1 (the dashboard) changes
 *  only the live ones, and a list reporting its creation values disagreed with how it was being dialed. */
function liveListSettings(settings: CampaignSettings) {
  return {
    rule_id: liveRuleId(settings),
    max_simultaneous: settings.maxConcurrent,
    num_attempts: settings.maxAttemptsPerContact,
    interval_seconds: settings.retryIntervalSec,
    task_priority_strategy: settings.attemptOrder,
    queue_id: settings.queueId ?? null,
  };
}

function listView(c: Campaign): Record<string, unknown> {
  const { vox, settings } = asCallList(c, 0)!;
  const live = liveListSettings(settings);
  return {
    list_id: c.id,
    list_name: c.name,
    priority: settings.priority,
    rule_id: live.rule_id,
    application_id: vox.application_id,
    max_simultaneous: live.max_simultaneous,
    num_attempts: live.num_attempts,
    dt_submit: formatUtc(c.created_at),
    dt_complete: formatUtc(c.finished_at),
    interval_seconds: live.interval_seconds,
    status: listStatus(c),
    is_active: ACTIVE.includes(c.status),
    type_list: vox.type,
    task_priority_strategy: live.task_priority_strategy,
    queue_id: live.queue_id,
    avg_waiting_sec: vox.avg_waiting_sec,
    reference_ip: vox.reference_ip,
    server_location: vox.server_location,
  };
}

export async function getCallLists(ctx: MethodContext, p: Params): Promise<Record<string, unknown>> {
  const ids = intList(p, "list_id");
  const name = text(p, "name")?.toLowerCase();
  const active = bool(p, "is_active");
  const from = utcDate(p, "from_date");
  const to = utcDate(p, "to_date");
  const type = oneOf(p, "type_list", ["AUTOMATIC", "MANUAL"]);
  const count = int(p, "count", { min: 0 });
  const offset = int(p, "offset", { min: 0 }) ?? 0;
  const apps = intList(p, "application_id");
  const rules = intList(p, "rule_id");
  const status = oneOf(p, "status", LIST_STATUSES);
  refuseNameFilters(p);
  const found = (await allCallLists(ctx.store, ctx.accountId)).filter((c) => {
    const { vox, settings } = asCallList(c, 0)!;
    if (ids && !ids.includes(c.id)) return false;
    if (name !== undefined && !c.name.toLowerCase().includes(name)) return false;
    if (active !== undefined && ACTIVE.includes(c.status) !== active) return false;
    // Compared to the second, as dt_submit shows it: to_date = a list's dt_submit finds that list.
    const submitted = Math.floor(c.created_at / 1000) * 1000;
    if (from !== undefined && submitted < from) return false;
    if (to !== undefined && submitted > to) return false;
    if (type !== undefined && vox.type !== type) return false;
    if (apps && (vox.application_id === null || !apps.includes(vox.application_id))) return false;
    const ruleId = liveRuleId(settings);
    if (rules && (ruleId === null || !rules.includes(ruleId))) return false;
    if (status !== undefined && listStatus(c) !== status) return false;
    return true;
  });
  const page = found.slice(offset, count === undefined ? undefined : offset + count);
  return { result: page.map(listView), count: page.length, total_count: found.length };
}

/** Voximplant's task statuses: 0 New, 1 In progress, 2 Processed, 3 Error, 4 Canceled. A pending task that
 *  has been called (it waits for its next attempt) is in progress: New is a task no call has been made for,
 *  and a client counting New tasks as "not called yet" counted the ones waiting for a retry. */
function taskStatus(status: string, called: boolean): [number, string] {
  switch (status) {
    case "pending":
      return called ? [1, "In progress"] : [0, "New"];
    case "in_progress":
      return [1, "In progress"];
    case "succeeded":
      return [2, "Processed"];
    case "failed":
    case "exhausted":
      return [3, "Error"];
    default:
      return [4, "Canceled"];
  }
}

function timeOfDay(sec: number | null): string | null {
  return sec === null ? null : clockOfDay(sec);
}

const COLUMNS = [
  "list_id",
  "task_id",
  "task_uuid",
  "custom_data",
  "start_execution_time",
  "finish_execution_time",
  "start_at",
  "status_id",
  "status",
  "attempts_left",
  "last_attempt",
  "result_data",
] as const;

/** A list's tasks are read and written a page at a time, so a list of millions is never whole in memory. */
const DETAILS_PAGE = 1000;

export interface DetailsOutput {
  body: Readable;
  contentType: string;
  /** For the files (CSV, XLS); JSON is the answer itself. */
  fileName: string | null;
}

type Task = Record<(typeof COLUMNS)[number], string | number | null>;

/** The batch_id CreateCallList and AppendToCallList answer names no stored batch: a task keeps no record of
 *  the request that brought it (the contacts table has no column for one, and its custom data is the
 *  scenario's). Refused, rather than answering every task of the list as that batch's. */
/** The client's `rule_name` and `application_name` filters: outdial keeps a list's rule and application
 *  ids, not their names, so it cannot filter by them; ignored, every list would be answered as theirs. */
function refuseNameFilters(p: Params): void {
  for (const [name, instead] of [
    ["rule_name", "rule_id"],
    ["application_name", "application_id"],
  ]) {
    if (text(p, name) === undefined) continue;
    throw invalidArgument(
      `The '${name}' parameter is not supported: outdial keeps no ${name.replace("_name", "")} names; filter by '${instead}'`,
    );
  }
}

function refuseBatchFilter(p: Params): void {
  if (text(p, "batch_id") === undefined) return;
  throw invalidArgument(
    "The 'batch_id' parameter is not supported: outdial keeps no batches, so the tasks cannot be filtered by one (leave it out to read the whole list)",
  );
}

export async function getCallListDetails(
  ctx: MethodContext,
  p: Params,
  onError: (err: unknown) => void,
): Promise<DetailsOutput> {
  const list = await findCallList(
    ctx.store,
    ctx.accountId,
    int(p, "list_id", { required: true, min: 1 }) as number,
  );
  const count = int(p, "count", { min: 0 });
  const offset = int(p, "offset", { min: 0 }) ?? 0;
  refuseBatchFilter(p);
  const output = (text(p, "output") ?? "csv").trim().toLowerCase();
  if (!["csv", "json", "xls", "xlsx"].includes(output)) {
    throw new VoxError(
      VOX.OUTPUT_NOT_SUPPORTED,
      `The output format '${output}' is not supported (CSV, JSON or XLS)`,
    );
  }
  const encoding = text(p, "encoding") ?? "utf-8";
  if (!iconv.encodingExists(encoding))
    throw invalidArgument(`The 'encoding' parameter: unknown encoding ${encoding}`);
  const delimiter = text(p, "delimiter") ?? ";";
  // A quote or a line break as the delimiter makes a file no CSV reader can take apart again.
  if (delimiter.length === 0 || delimiter.length > 4 || /["\r\n]/.test(delimiter))
    throw invalidArgument(
      "The 'delimiter' parameter must be 1 to 4 characters, none of them a quote or line break",
    );
  const phoneColumn = list.vox.phone_column || "phone";
  const manual = list.vox.type === "MANUAL";
  const attemptsAllowed = liveListSettings(list.settings).num_attempts;
  const toTask = (c: Selectable<ContactsTable>): Task => {
    const [statusId, status] = taskStatus(c.status, c.last_attempt_at !== null);
    // The phone cell as it was given: every number of it, not the one being dialed now.
    const cell = (JSON.parse(c.phones) as string[]).join(",");
    const custom = { [phoneColumn]: cell, ...(JSON.parse(c.custom) as Record<string, unknown>) };
    const stored = c.start_at === null ? null : Number(c.start_at);
    const startAt = stored !== null && manual && isHeld(stored) ? heldFileStart(stored) : stored;
    return {
      list_id: list.campaign.id,
      task_id: Number(c.id),
      task_uuid: c.external_id,
      custom_data: JSON.stringify(custom),
      start_execution_time: timeOfDay(c.daily_from_sec),
      finish_execution_time: timeOfDay(c.daily_to_sec),
      start_at: startAt === null ? null : Math.floor(startAt / 1000),
      status_id: statusId,
      status,
      // As the engine counts them against num_attempts: a ringing call a stop hung up is given back.
      attempts_left: Math.max(0, attemptsAllowed - countedAttempts(c.attempts, JSON.parse(c.retry_counts))),
      last_attempt: formatUtc(c.last_attempt_at === null ? null : Number(c.last_attempt_at)),
      result_data: c.last_outcome,
    };
  };
  const pages = taskPages(ctx, list.listId, offset, count ?? Number.POSITIVE_INFINITY, toTask);
  if (output === "json") {
    const out = Readable.from(jsonTasks(pages));
    out.on("error", onError);
    return { body: out, contentType: "application/json; charset=utf-8", fileName: null };
  }
  const cells = (async function* () {
    for await (const page of pages) {
      for (const t of page) yield COLUMNS.map((k) => (t[k] === null ? "" : String(t[k])));
    }
  })();
  if (output === "csv") {
    const csv = tasksCsv(cells, delimiter, onError);
    csv.setEncoding("utf8"); // iconv's encoder takes text
    return {
      body: pipeline(csv, iconv.encodeStream(encoding) as Transform, (err) => {
        if (err) onError(err);
      }),
      contentType: "application/octet-stream",
      fileName: `call_list_${list.campaign.id}.csv`,
    };
  }
  return {
    body: xlsxStream("call list", [...COLUMNS], cells, onError),
    contentType: "application/octet-stream",
    fileName: `call_list_${list.campaign.id}.xlsx`,
  };
}

/**
 * The tasks as CSV, every value as the JSON output has it (quoted where it holds the delimiter, a quote or a
 * line break). Clients parse this answer, match task_uuid and read custom_data's JSON: the native export's
 * spreadsheet-formula guard (inertCell) put an apostrophe before a task_uuid's leading '-' and after each
 * ',' before a '+' in custom_data ("+12125550100,'+12125550101"), values no client had sent.
 */
function tasksCsv(
  cells: AsyncIterable<string[]>,
  delimiter: string,
  onError: (err: unknown) => void,
): Readable {
  const csv = stringify({ header: true, columns: [...COLUMNS], delimiter });
  // pipeline carries the client's pace back to the reads and tears everything down on an error.
  return pipeline(Readable.from(cells), csv, (err) => {
    if (err) onError(err);
  });
}

/** The list's contacts as tasks in id order, from the `offset`-th on, at most `limit`, a page at a time. */
async function* taskPages(
  ctx: MethodContext,
  listId: number,
  offset: number,
  limit: number,
  toTask: (c: Selectable<ContactsTable>) => Task,
): AsyncGenerator<Task[]> {
  const db = ctx.store.db;
  let afterId = 0;
  if (offset > 0) {
    const before = await db
      .selectFrom("contacts")
      .select("id")
      .where("list_id", "=", listId)
      .orderBy("id")
      .limit(1)
      .offset(offset - 1)
      .executeTakeFirst();
    if (!before) return;
    afterId = Number(before.id);
  }
  let left = limit;
  while (left > 0) {
    const size = Math.min(DETAILS_PAGE, left);
    const rows = await db
      .selectFrom("contacts")
      .selectAll()
      .where("list_id", "=", listId)
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(size)
      .execute();
    if (rows.length > 0) yield rows.map(toTask);
    if (rows.length < size) return;
    left -= rows.length;
    afterId = Number(rows[rows.length - 1].id);
  }
}

/** Voximplant's JSON answer {"result": [tasks], "count": n}, written as the tasks are read. */
async function* jsonTasks(pages: AsyncIterable<Task[]>): AsyncGenerator<string> {
  yield '{"result":[';
  let n = 0;
  for await (const page of pages) {
    yield page.map((t, i) => (n + i === 0 ? "" : ",") + JSON.stringify(t)).join("");
    n += page.length;
  }
  yield `],"count":${n}}`;
}
