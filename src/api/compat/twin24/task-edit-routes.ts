// Twin24 autoCall tasks listed, edited and deleted. The seed documents only a task's creation, so these
// follow the face's own conventions: the task as GET …/autoCall/{id} answers it, pages as
// {data, nextAfterId} with candidates' paging (the cursor here is the task's campaignId), an edit is the
// creation body again, checked by the same rules, and errors in the face's shape. Lifecycle stays with the
// engine; the task's webhook subscriptions follow its edited webhookUrls.
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { startAndHaltAfterEdit } from "../../../engine/campaign-runtime.ts";
import { campaignStatusEvents } from "../../../engine/events.ts";
import { EngineError } from "../../../engine/types.ts";
import type { CampaignStatus } from "../../../model/outcome.ts";
import { webhookUrlSpelling } from "../../../outbox/destinations.ts";
import {
  campaignDeleteRefusal,
  countContactsByStatus,
  deleteCampaignUnlessStatus,
  findCampaign,
  untilWritten,
  updateCampaign,
} from "../../../store/campaigns.ts";
import type { Campaign, Database } from "../../../store/schema.ts";
import { outboxInserts, updateWebhook, type WebhookEdit } from "../../../store/webhooks.ts";
import { parseSettings } from "../../native/views.ts";
import { conflict, notFound } from "../../plugins/errors.ts";
import type { Twin24Deps } from "./deps.ts";
import { errorResponses, taskBodySchema, uuidParams } from "./schema.ts";
import { listTasks } from "./store.ts";
import {
  insertTaskWebhook,
  ownedTask,
  TASK_PATH,
  TWIN24_DROPPED_WEBHOOKS,
  TWIN24_WEBHOOKS,
  taskPlan,
  taskSchema,
} from "./task-routes.ts";
import type { TaskBody, WebhookPlan } from "./translate.ts";
import { refusalInTaskTerms, TASK_STATUS, taskView } from "./views.ts";

/** A task in one of these is dialing or may dial again by itself: stop it before deleting it. */
const LIVE: readonly CampaignStatus[] = ["running", "scheduled", "paused"];
const STATUS_BY_NAME = Object.fromEntries(Object.entries(TASK_STATUS).map(([core, t]) => [t, core]));

interface TaskListQuery {
  limit: number;
  afterId?: number;
  status?: string;
}

/**
 * Makes a task's subscriptions what its webhookUrls now say: an entry whose URL a subscription already has
 * updates it (its secret stays), a new URL subscribes, and a URL no longer listed is deactivated, not
 * deleted, so its dead letters stay listed and replayable. Whether a listed one is active is left as it
 * is (Twin24 has no field for it: an operator may have paused it through /v1), unless an earlier PUT
 * dropped it: listed again, it is active again.
 */
async function syncTaskWebhooks(
  db: Kysely<Database>,
  at: { accountId: number; campaignId: number; now: number },
  plans: WebhookPlan[],
): Promise<void> {
  const existing = await db
    .selectFrom("webhooks")
    .selectAll()
    .where("account_id", "=", at.accountId)
    .where("campaign_id", "=", at.campaignId)
    .where("made_by", "in", [TWIN24_WEBHOOKS, TWIN24_DROPPED_WEBHOOKS])
    .orderBy("id")
    .execute();
  const unmatched = [...plans];
  for (const hook of existing) {
    // One stored before URLs were stored in one spelling is matched in it.
    const i = unmatched.findIndex((p) => p.url === webhookUrlSpelling(hook.url));
    const plan = i >= 0 ? unmatched.splice(i, 1)[0] : null;
    const dropped = hook.made_by === TWIN24_DROPPED_WEBHOOKS;
    // Marked dropped only if this PUT switches it off: one already paused through /v1 stays paused when
    // listed again.
    const madeBy = plan || (!dropped && !hook.active) ? TWIN24_WEBHOOKS : TWIN24_DROPPED_WEBHOOKS;
    const edit: WebhookEdit = plan
      ? {
          events: plan.events,
          delaySec: plan.delaySec,
          partialResults: plan.partialResults,
          ...(dropped ? { active: true } : {}),
          // One stored in another spelling takes the one every face stores now.
          ...(hook.url !== plan.url ? { url: plan.url } : {}),
        }
      : { active: false };
    if (hook.made_by !== madeBy) edit.madeBy = madeBy;
    await updateWebhook(db, at.accountId, hook.id, edit, at.now);
  }
  for (const plan of unmatched) await insertTaskWebhook(db, at, plan);
}

/**
 * Whether a task made startType = manual goes back to BLANK: one READY for its startMoment, or PAUSED
 * before that moment came (not begun, as the engine's startAndHaltAfterEdit tells it: a start time still
 * ahead). Such a task was never started, and a manual task waits for /start (the seed): left PAUSED with
 * no start time, a /resume would dial it at once. One paused after it began dialing stays PAUSED and
 * resumes as ever: it was started.
 */
function unstartsAsManual(current: Campaign, body: TaskBody, now: number): boolean {
  if (body.startType !== "manual") return false;
  if (current.status === "scheduled") return true;
  return current.status === "paused" && current.started_at !== null && current.started_at > now;
}

/**
 * Puts a campaign that has not begun dialing (scheduled, or paused before its start) back to draft, as
 * never started, with its campaign.status_changed events (AUTOCALL_STATUS_CHANGED), as the engine writes
 * every other status change's: in the same transaction, matched against the subscriptions the task has
 * once `trx` synced them to the edit. Only while it is still one of those: one the engine began dialing
 * meanwhile goes on, and no event is written. The engine's own status writes are conditional on the status
 * it last read, so its stale view of the campaign cannot start it; it drops the campaign at its next look
 * without a status write (so this change is told once, here).
 */
async function unschedule(
  trx: Kysely<Database>,
  accountId: number,
  current: Campaign,
  now: number,
): Promise<void> {
  const result = await trx
    .updateTable("campaigns")
    .set({ status: "draft", status_reason: null, started_at: null, halt_at: null })
    .where("account_id", "=", accountId)
    .where("id", "=", current.id)
    // Still in the status that was judged unstarted: one read scheduled, started by the engine and then
    // paused before this write is paused now, but it has dialed.
    .where("status", "=", current.status)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return;
  // The insert reads the subscriptions in the edit's transaction: it holds the task's webhooks just synced.
  const events = campaignStatusEvents(accountId, current.id, current.status, "draft", null, now);
  for (const insert of outboxInserts(trx, events)) await trx.executeQuery(insert);
}

/** Starts the task the edit judged unstarted, unless a command since has started or stopped it. */
async function startIfStillDraft(deps: Twin24Deps, accountId: number, campaignId: number): Promise<void> {
  try {
    await deps.engine.start(accountId, campaignId, { onlyFrom: ["draft"] });
  } catch (err) {
    if (!(err instanceof EngineError && err.code === "invalid_state")) throw err;
    // Refused as no longer a draft: that command stands. Any other refusal of a draft (its end time
    // passed since the edit checked it) is the edit's answer.
    const now = await findCampaign(deps.store.db, accountId, campaignId);
    if (now?.status === "draft") throw err;
  }
}

export async function taskEditRoutes(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  const { store, engine, clock } = deps;

  app.get<{ Querystring: TaskListQuery }>(
    TASK_PATH,
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: the account's tasks in creation order, optionally of one status",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 500, default: 100 },
            afterId: {
              type: "integer",
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: "nextAfterId of the previous page",
            },
            status: { type: "string", enum: Object.values(TASK_STATUS) },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["data", "nextAfterId"],
            properties: {
              data: { type: "array", items: taskSchema },
              nextAfterId: { type: ["integer", "null"] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listTasks(store.db, req.account.id, {
        statuses: q.status ? [STATUS_BY_NAME[q.status]] : undefined,
        afterCampaignId: q.afterId,
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const data = [];
      for (const row of page) {
        data.push(taskView(row.task_uuid, row, await countContactsByStatus(store.db, row.id)));
      }
      return { data, nextAfterId: more ? page[page.length - 1].id : null };
    },
  );

  app.put<{ Params: { id: string }; Body: TaskBody }>(
    `${TASK_PATH}/:id`,
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: change a task (the whole creation body again); its candidates and calls stay",
        params: uuidParams,
        body: taskBodySchema,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const task = await ownedTask(deps, accountId, req.params.id);
      // The engine's refusals of the start this edit asks for, named as the lifecycle routes name them.
      const inTaskTerms = <T>(p: Promise<T>) =>
        p.catch((err: unknown) => {
          throw refusalInTaskTerms(err, task.uuid, task.campaign_id);
        });
      const { settingsOver, plans } = await taskPlan(store.db, req.account, req.body, clock.now());
      // Decided on a read and written only onto it (basedOn): a start or an edit landing in between is
      // read again, so the halt time and the manual-start rule follow the task as it is.
      const { current, starts, unscheduled } = await untilWritten(
        async () => {
          const read = await findCampaign(store.db, accountId, task.campaign_id);
          if (!read) throw notFound("autoCall task", req.params.id);
          // Onto the settings read, so what /v1 set meanwhile is kept too (or the write sees it changed).
          const stored = parseSettings(read);
          const settings = settingsOver(stored);
          // The start below would be refused under 1 USD, or past the task's end time: refuse the whole edit
          // before anything is written.
          const starts = req.body.startType === "time" && read.status === "draft";
          if (starts) await inTaskTerms(engine.requireStartable(read, settings));
          // A manual task waits for /start (the seed): one READY for its startMoment (or paused before it)
          // is BLANK again, as if created so, or the engine would find it scheduled with no start time and
          // dial at once (a paused one at its /resume).
          const now = clock.now();
          const unschedules = unstartsAsManual(read, req.body, now);
          const times = startAndHaltAfterEdit(read, stored, settings, now);
          const written = await store.db.transaction().execute(async (trx) => {
            const updated = await updateCampaign(trx, accountId, read.id, {
              name: req.body.name,
              settings,
              ...times,
              basedOn: read,
              now,
            });
            if (!updated) return false;
            await syncTaskWebhooks(trx, { accountId, campaignId: read.id, now }, plans);
            if (unschedules) await unschedule(trx, accountId, read, now);
            return true;
          });
          return written ? { current: read, starts, unscheduled: unschedules } : null;
        },
        () => conflict("edit_conflict", `task ${req.params.id} kept changing during the edit; send it again`),
      );
      // The status change to BLANK went to the outbox: delivery looks now, not at its next poll.
      if (unscheduled) engine.outboxChanged();
      await engine.campaignEdited(current.id);
      // As at creation, startType = time starts a task not yet started: the engine holds it READY. Only the
      // draft this edit wrote: a /stop or /start landing since stands (the edit is written either way).
      if (starts) await inTaskTerms(startIfStillDraft(deps, accountId, current.id));
      const row = await findCampaign(store.db, accountId, current.id);
      if (!row) throw notFound("autoCall task", req.params.id);
      return taskView(task.uuid, row, await countContactsByStatus(store.db, row.id));
    },
  );

  app.delete<{ Params: { id: string } }>(
    `${TASK_PATH}/:id`,
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: delete a task that is not running, with its candidates, calls and webhooks",
        params: uuidParams,
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const accountId = req.account.id;
      const task = await ownedTask(deps, accountId, req.params.id);
      // The status test is in the delete itself, so a task started meanwhile is never deleted.
      if (!(await deleteCampaignUnlessStatus(store, accountId, task.campaign_id, LIVE, clock.now()))) {
        const refusal = await campaignDeleteRefusal(store.db, accountId, task.campaign_id, LIVE);
        if (refusal.reason === "missing") throw notFound("autoCall task", req.params.id);
        if (refusal.reason === "deliveries_pending") {
          throw conflict(
            "task_webhooks_pending",
            `task ${task.uuid}'s webhooks have results still to deliver, which its deletion would drop: delete it once they are delivered, or drop its webhookUrls with a PUT first`,
          );
        }
        if (refusal.reason === "busy") {
          throw conflict(
            "task_busy",
            `task ${task.uuid} has calls still on the line: delete it once they end`,
          );
        }
        throw conflict(
          "task_active",
          `task ${task.uuid} is ${TASK_STATUS[refusal.status]}; stop it before deleting it`,
        );
      }
      return reply.status(204).send();
    },
  );
}
