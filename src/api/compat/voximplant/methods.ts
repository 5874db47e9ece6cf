// The call list methods that change things: CreateCallList, CreateManualCallList, AppendToCallList,
// StartNextCallTask, RecoverCallList (StopCallListProcessing is stop-list.ts). Translates and delegates: rows
// to the import, lifecycle to the engine; it schedules nothing (a manual list's tasks are released, the
// engine dials them).

import { randomUUID } from "node:crypto";
import iconv from "iconv-lite";
import { sql } from "kysely";
import { EngineError } from "../../../engine/types.ts";
import { MAX_PRIORITY, withDefaults } from "../../../model/campaign-settings.ts";
import { creatingReason, dropAbandonedCreations, findCampaign } from "../../../store/campaigns.ts";
import { findQueue } from "../../../store/queues.ts";
import type { NativeApiDeps } from "../../native/deps.ts";
import { findSettingsProblem } from "../../native/schemas/campaign-settings.ts";
import { dialAgain, refuseIfEnded } from "../dial-again.ts";
import { type CsvFile, importCallListFile } from "./csv.ts";
import { invalidArgument, VOX, VoxError } from "./errors.ts";
import {
  createCallList,
  dropCallList,
  findCallList,
  findCallListByName,
  heldFileStart,
  MANUAL_HOLD_AT,
  type VoxListData,
} from "./lists.ts";
import {
  bool,
  decimal,
  int,
  intList,
  ipAddress,
  listName,
  oneOf,
  type Params,
  single,
  text,
} from "./params.ts";

export interface MethodContext extends NativeApiDeps {
  accountId: number;
  maxBytes: number;
}

type Result = Record<string, unknown>;

function fileOf(p: Params): CsvFile {
  const raw = single(p, "file_content");
  if (raw === undefined || raw.length === 0)
    throw invalidArgument("The 'file_content' parameter is required");
  const encoding = text(p, "encoding");
  // Multipart parts, url-encoded and query values and the raw body reach us as bytes, read in `encoding`
  // (or refused when they are not in it). Only a JSON body's field is text, read as UTF-8 by the JSON
  // parser: one that reads whole is taken as it is; one with U+FFFD lost bytes that were not UTF-8 on the
  // way in (a windows-1251 file was stored so, with result true), and is refused.
  if (typeof raw === "string") {
    const declared = encoding !== undefined && iconv.encodingExists(encoding) && !/^utf-?8$/i.test(encoding);
    if (declared && raw.includes("\uFFFD")) {
      throw invalidArgument(
        `The 'file_content' parameter: a file in ${encoding} must be sent as bytes (a multipart part, a url-encoded field or the request body), not in a JSON body, which is read as UTF-8`,
      );
    }
  }
  return {
    content: typeof raw === "string" ? Buffer.from(raw, "utf8") : raw,
    // Read as UTF-8 whatever it names (an unknown name is still refused, when the file is read).
    encoding:
      typeof raw === "string" && encoding !== undefined && iconv.encodingExists(encoding)
        ? undefined
        : encoding,
    delimiter: text(p, "delimiter"),
    escape: text(p, "escape"),
    quote: text(p, "quote"),
  };
}

/** How long a live answer of a PDS list may wait for an agent: avg_waiting_sec, but never over 2 s — the
 *  legal 2-second rule (issue #5) wins over a longer wait — nor under the native API's floor of 0.5 s. */
function abandonAfterSec(avgWaitingSec: number): number {
  return Math.min(2, Math.max(0.5, avgWaitingSec));
}

/** 9999-12-31T23:59:59Z: the latest start time the campaign settings take. */
const LATEST_START_SEC = 253_402_300_799;

/** CreateCallList's start_at (Unix seconds, UTC) as the campaign's startAt (ms): the engine's start then
 *  schedules the list for it, as the native API's start does. A time already past starts it now. */
function startAtOf(p: Params): number | null {
  const sec = int(p, "start_at", { min: 0, max: LATEST_START_SEC });
  return sec === undefined ? null : sec * 1000;
}

/** start_at and is_cancelled are CreateCallList's (the 4.x client sends them to it): a manual list's tasks
 *  start when StartNextCallTask releases them. Refused rather than ignored, as they were: a list asked to
 *  wait dialed at once. */
function refuseAutomaticOnly(p: Params): void {
  for (const name of ["start_at", "is_cancelled"]) {
    if (text(p, name) !== undefined) {
      throw invalidArgument(
        `The '${name}' parameter is not one of CreateManualCallList's: a manual list's tasks start when StartNextCallTask releases them`,
      );
    }
  }
}

export async function createList(ctx: MethodContext, p: Params, manual: boolean): Promise<Result> {
  const ruleId = int(p, "rule_id", { required: true, min: 0 }) as number;
  const priority = int(p, "priority", { required: true, min: 0, max: MAX_PRIORITY }) as number;
  const maxSimultaneous = int(p, "max_simultaneous", { required: true, min: 1, max: 10_000 }) as number;
  const numAttempts = int(p, "num_attempts", { required: true, min: 1, max: manual ? 100 : 5 }) as number;
  const name = listName(p, "name");
  const file = fileOf(p);
  const interval = int(p, "interval_seconds", { min: 0, max: 31_536_000 }) ?? 0;
  const strategy = manual
    ? undefined
    : oneOf(p, "task_priority_strategy", ["first_attempts", "repeated_attempts"]);
  const queueId = int(p, "queue_id", { min: 0 }) ?? null;
  const avgWaitingSec = decimal(p, "avg_waiting_sec", { min: 0, max: 86_400 }) ?? 1;
  if (manual) refuseAutomaticOnly(p);
  const startAt = manual ? null : startAtOf(p);
  const cancelled = !manual && bool(p, "is_cancelled") === true;
  if (queueId !== null && !(await findQueue(ctx.store.db, ctx.accountId, queueId))) {
    throw invalidArgument(`The 'queue_id' parameter: queue ${queueId} is not a queue of this account`);
  }
  const vox: VoxListData = {
    type: manual ? "MANUAL" : "AUTOMATIC",
    rule_id: ruleId,
    application_id: int(p, "application_id", { min: 0 }) ?? null,
    queue_id: queueId,
    avg_waiting_sec: avgWaitingSec,
    // The 4.x client names it ip_address.
    reference_ip: ipAddress(p, "reference_ip") ?? ipAddress(p, "ip_address") ?? null,
    server_location: manual ? null : (text(p, "server_location")?.trim() ?? null),
    task_priority_strategy: strategy ?? "first_attempts",
    interval_seconds: interval,
    num_attempts: numAttempts,
    max_simultaneous: maxSimultaneous,
    phone_column: "",
  };
  const settings = withDefaults({
    priority,
    maxConcurrent: maxSimultaneous,
    maxAttemptsPerContact: numAttempts,
    retryIntervalSec: interval,
    // Voximplant retries every failed attempt alike; the scenario decides what failed. Other outcomes
    // without a rule already retry at retryIntervalSec up to num_attempts; a declined call (SIP 603) is
    // final in the core unless it has a rule, so it is given the same one.
    retry: { rejected: { intervalSec: interval, maxRetries: numAttempts } },
    rejectedIsFinal: false,
    // A task's numbers in turn: each failed attempt moves to the next (with one number, no difference).
    multiNumber: "parallel",
    attemptOrder: vox.task_priority_strategy,
    // The rule's scenario runs on answer: the robot scenario keyed by the rule id, when the account has one.
    bot: { scriptId: String(ruleId), onTransfer: "end", transferTo: null },
    vendor: { voximplant: vox },
    startAt,
    // PDS: the list dials predictively for the queue's agents.
    ...(queueId === null
      ? {}
      : { queueId, dialMethod: "predictive", abandonAfterSec: abandonAfterSec(avgWaitingSec) }),
  });
  const now = ctx.clock.now();
  const problem = findSettingsProblem(settings, "settings", now);
  if (problem) throw invalidArgument(problem.message);

  await dropAbandonedCreations(ctx.store, ctx.accountId, "voximplant", now);
  // Hidden until done (creatingReason): a kill on the way leaves no list a client could see or recover.
  const { campaignId, listId } = await createCallList(ctx.store, {
    accountId: ctx.accountId,
    name,
    settings,
    now,
  });
  let count: number;
  try {
    const target = { accountId: ctx.accountId, campaignId, listId, now };
    const imported = await importCallListFile(
      ctx.store,
      target,
      file,
      ctx.maxBytes,
      manual ? MANUAL_HOLD_AT : undefined,
    );
    count = imported.count;
    vox.phone_column = imported.phoneColumn;
    // A manual list is done once its held tasks are in; an automatic one when its start (or, created
    // cancelled, its stop) below commits.
    await ctx.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify(settings), ...(manual ? { status_reason: null } : {}) })
      .where("id", "=", campaignId)
      .execute();
  } catch (err) {
    await dropCallList(ctx.store, campaignId);
    throw err;
  }
  if (cancelled) await ctx.engine.stop(ctx.accountId, campaignId);
  else if (!manual) await startCreated(ctx, campaignId, count);
  else ctx.engine.wake();
  return { result: true, count, list_id: campaignId, batch_id: randomUUID() };
}

/** An automatic list's start, which ends its creation: running, or scheduled for its start_at. Under 1 USD
 *  it is stored as a draft any Voximplant method shows, for RecoverCallList after a top-up. */
async function startCreated(ctx: MethodContext, campaignId: number, count: number): Promise<void> {
  try {
    await ctx.engine.start(ctx.accountId, campaignId, { finishingCreation: true });
  } catch (err) {
    if ((err as { code?: string }).code !== "insufficient_balance") throw err;
    await ctx.store.db
      .updateTable("campaigns")
      .set({ status_reason: null })
      .where("id", "=", campaignId)
      .where("status_reason", "=", creatingReason("voximplant"))
      .execute();
    throw new VoxError(
      VOX.BILLING,
      `The account's balance is under 1 USD: call list ${campaignId} is stored (${count} records) but not ` +
        "processed; top up and call RecoverCallList",
    );
  }
}

export async function appendToList(ctx: MethodContext, p: Params): Promise<Result> {
  const name = text(p, "list_name");
  // Voximplant's Go client sends list_id "0" beside a list_name (its field has no omitempty): no list.
  const id =
    name !== undefined && text(p, "list_id")?.trim() === "0" ? undefined : int(p, "list_id", { min: 1 });
  if (id === undefined && name === undefined)
    throw invalidArgument("The 'list_id' or 'list_name' parameter is required");
  const list =
    id !== undefined
      ? await findCallList(ctx.store, ctx.accountId, id)
      : await findCallListByName(ctx.store, ctx.accountId, name as string);
  const file = fileOf(p);
  // Nothing is written for a list past its end time: no recover or StartNextCallTask can dial it.
  await refuseIfEnded(ctx, ctx.accountId, list.campaign.id);
  const target = {
    accountId: ctx.accountId,
    campaignId: list.campaign.id,
    listId: list.listId,
    now: ctx.clock.now(),
  };
  // A manual list's new tasks are written held in the import's own commit: none is dialed unasked, and
  // nothing (a pause, a hold afterwards) is left half-done by a process killed on the way.
  const manual = list.vox.type === "MANUAL";
  const { count } = await importCallListFile(
    ctx.store,
    target,
    file,
    ctx.maxBytes,
    manual ? MANUAL_HOLD_AT : undefined,
  );
  // An automatic list that has run dry is brought back for its new tasks (a manual one waits for
  // StartNextCallTask, which does so itself).
  if (manual) ctx.engine.wake();
  else await dialAgain(ctx, ctx.accountId, list.campaign.id);
  return { result: true, count, list_id: list.campaign.id, batch_id: randomUUID() };
}

/** Releases the next held task of the first manual list (in the order given) that has one whose file
 *  `__start_at` has come (a task the file starts later is not released before then). Concurrent calls
 *  each release a task of their own: the release is conditional on the task still being held, and a call
 *  that lost the task to another goes on to the next one. */
export async function startNextTask(ctx: MethodContext, p: Params): Promise<Result> {
  const ids = intList(p, "list_id");
  if (!ids || ids.length === 0)
    throw invalidArgument("The 'list_id' parameter must name call lists separated by ';'");
  const customParams = text(p, "custom_params");
  for (const id of ids) {
    const list = await findCallList(ctx.store, ctx.accountId, id);
    if (list.vox.type !== "MANUAL") throw invalidArgument(`Call list ${id} is not a manual call list`);
    let started = false;
    // A task lost to a concurrent call is no longer held: the same look-up then finds the next one.
    for (;;) {
      const next = await nextHeldTask(ctx, list.listId);
      if (!next) break;
      const heldAt = Number(next.start_at);
      // A paused list is resumed too: the answer says the task is being called (RecoverCallList resumes one).
      if (!started && ["draft", "stopped", "completed", "halted", "paused"].includes(list.campaign.status)) {
        await startOrRecover(ctx, list.campaign.id, list.campaign.status);
      }
      started = true;
      const now = ctx.clock.now();
      const custom =
        customParams === undefined
          ? next.custom
          : JSON.stringify({ ...JSON.parse(next.custom), custom_params: customParams });
      // The file's start time stays the task's (GetCallListDetails shows it); it is dialed now.
      const released = await ctx.store.db
        .updateTable("contacts")
        .set({
          start_at: heldFileStart(heldAt) ?? now,
          next_attempt_at: now,
          wait_reason: null,
          custom,
          updated_at: now,
        })
        .where("id", "=", next.id)
        .where("status", "=", "pending")
        .where("start_at", "=", heldAt)
        .executeTakeFirst();
      if (Number(released.numUpdatedRows) === 1) {
        ctx.engine.wake();
        return { result: 1, list_id: id };
      }
    }
  }
  const later = await heldLater(ctx, ids);
  throw invalidArgument(
    later === null
      ? "No tasks left to start in the given call lists"
      : `No task is due to start in the given call lists before ${new Date(later).toISOString()} (its __start_at)`,
  );
}

/** The list's first held task (by priority, then id) whose file start time has come. The status and hold
 *  bound are literals, not parameters: they are the WHERE of the partial index contacts_manual_held
 *  (store/migrations/026), which a planner uses only for a query that visibly implies it. Through it the
 *  look-up reads one task; without it every held task of the list was read and sorted (300,000: ~650 ms). */
async function nextHeldTask(ctx: MethodContext, listId: number) {
  return ctx.store.db
    .selectFrom("contacts")
    .select(["id", "custom", "start_at"])
    .where("list_id", "=", listId)
    .where("status", "=", sql.lit("pending"))
    .where("start_at", ">=", sql.lit(MANUAL_HOLD_AT))
    .where("start_at", "<=", MANUAL_HOLD_AT + ctx.clock.now())
    .orderBy("priority")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
}

/** The earliest file start time of a task still held in the given manual lists (all of them due later). */
async function heldLater(ctx: MethodContext, ids: number[]): Promise<number | null> {
  const row = await ctx.store.db
    .selectFrom("contacts")
    .select((eb) => eb.fn.min("start_at").as("at"))
    .where("account_id", "=", ctx.accountId)
    .where("campaign_id", "in", ids)
    .where("status", "=", "pending")
    .where("start_at", ">=", MANUAL_HOLD_AT)
    .executeTakeFirst();
  return row?.at == null ? null : heldFileStart(Number(row.at));
}

async function startOrRecover(ctx: MethodContext, campaignId: number, status: string): Promise<void> {
  try {
    if (status === "draft" || status === "scheduled") await ctx.engine.start(ctx.accountId, campaignId);
    else await ctx.engine.recover(ctx.accountId, campaignId);
  } catch (err) {
    // A concurrent StartNextCallTask started or recovered it first.
    if (!(await runningAnyway(ctx, campaignId, err))) throw err;
  }
}

/** Whether `err` is the engine refusing a start or recover because a request beside this one has just
 *  started or recovered the list: it is running, as asked. */
async function runningAnyway(ctx: MethodContext, campaignId: number, err: unknown): Promise<boolean> {
  if (!(err instanceof EngineError && err.code === "invalid_state")) return false;
  const now = await findCampaign(ctx.store.db, ctx.accountId, campaignId);
  return now?.status === "running" || now?.status === "scheduled";
}

/** count_recovery: the tasks the list will dial, now or at their start times. A manual list's tasks wait
 *  for StartNextCallTask (held until then): recovering the list does not release them, so they are not
 *  counted. */
async function dueTasks(ctx: MethodContext, campaignId: number): Promise<number> {
  const row = await ctx.store.db
    .selectFrom("contacts")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "pending")
    .where("next_attempt_at", "<", MANUAL_HOLD_AT)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function recoverList(ctx: MethodContext, p: Params): Promise<Result> {
  const list = await findCallList(
    ctx.store,
    ctx.accountId,
    int(p, "list_id", { required: true, min: 1 }) as number,
  );
  const status = list.campaign.status;
  if (status === "running") return { result: true, count_recovery: 0 };
  if (status === "draft" || status === "scheduled") {
    await startOrRecover(ctx, list.campaign.id, status);
    return { result: true, count_recovery: await dueTasks(ctx, list.campaign.id) };
  }
  try {
    await ctx.engine.recover(ctx.accountId, list.campaign.id);
    return { result: true, count_recovery: await dueTasks(ctx, list.campaign.id) };
  } catch (err) {
    // Recovered by a request beside this one: nothing left for this one to count.
    if (!(await runningAnyway(ctx, list.campaign.id, err))) throw err;
    return { result: true, count_recovery: 0 };
  }
}
