// Twin24 autoCall tasks: create one (a campaign with its list and webhook subscriptions), read its status,
// start / pause / resume / stop it. Translates and delegates: settings to translate.ts, lifecycle to the
// engine; it must not schedule anything itself.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import type { CampaignSettings } from "../../../model/campaign-settings.ts";
import type { CampaignStatus } from "../../../model/outcome.ts";
import { newWebhookSecret } from "../../../outbox/delivery.ts";
import { webhookUrlProblem, webhookUrlSpelling } from "../../../outbox/destinations.ts";
import {
  countContactsByStatus,
  deleteCampaignUnlessStatus,
  dropAbandonedCreations,
  findCampaign,
  insertCampaign,
  NOT_DRAFT,
} from "../../../store/campaigns.ts";
import { insertList } from "../../../store/lists.ts";
import type { Database } from "../../../store/schema.ts";
import { insertWebhook } from "../../../store/webhooks.ts";
import { findSettingsProblem, settingsZones } from "../../native/schemas/campaign-settings.ts";
import type { RequestAccount } from "../../plugins/auth.ts";
import { ApiError, invalidRequest, notFound } from "../../plugins/errors.ts";
import { roleAllows } from "../../plugins/permissions.ts";
import type { Twin24Deps } from "./deps.ts";
import { errorResponses, identitySchema, taskBodySchema, uuidParams } from "./schema.ts";
import { findCallerId, findSchedule, findTask, insertTask, type Twin24TaskRow } from "./store.ts";
import {
  findRuleProblem,
  given,
  type ResolvedRefs,
  type TaskBody,
  toSettings,
  type WebhookPlan,
  webhookPlans,
} from "./translate.ts";
import { refusalInTaskTerms, taskView } from "./views.ts";

export const TASK_PATH = "/cis/api/v1/telephony/autoCall";
const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 12;

type Command = "start" | "pause" | "resume" | "stop";
const COMMANDS: Record<Command, string> = {
  start: "Start the task (READY until its startMoment, then PROCESS); a FINISHED one starts again",
  pause: "Pause the task; calls in progress finish",
  resume: "Resume a paused task",
  stop: "Stop the task and hang up calls not yet answered",
};

export const taskSchema = {
  type: "object",
  properties: {
    ...identitySchema.properties,
    name: { type: "string" },
    status: { type: "string", description: "BLANK, READY, PROCESS, PAUSED, STOPPED, FINISHED or HALTED" },
    statusReason: { type: ["string", "null"] },
    campaignId: { type: "integer" },
    createdAt: { type: "string" },
    startedAt: { type: ["string", "null"] },
    haltAt: { type: ["string", "null"] },
    finishedAt: { type: ["string", "null"] },
    candidates: { type: "object", additionalProperties: { type: "integer" } },
  },
} as const;

/** The task of this account, or a 404 that cannot tell another account's task from a missing one. */
export async function ownedTask(deps: Twin24Deps, accountId: number, uuid: string): Promise<Twin24TaskRow> {
  const task = await findTask(deps.store.db, accountId, uuid);
  if (!task) throw notFound("autoCall task", uuid);
  return task;
}

/** scheduleId and cidData → what they name, or a 400 naming the field. */
async function resolveRefs(db: Kysely<Database>, accountId: number, body: TaskBody): Promise<ResolvedRefs> {
  let schedule: ResolvedRefs["schedule"] = null;
  if (given(body.scheduleId)) {
    const row = await findSchedule(db, accountId, body.scheduleId);
    if (!row)
      throw invalidRequest(`scheduleId: no schedule ${body.scheduleId} in this account`, "scheduleId");
    schedule = JSON.parse(row.schedule);
  }
  let callerIds: string[] = [];
  if (body.cidType !== "default" && given(body.cidData)) {
    const row = await findCallerId(db, accountId, body.cidData);
    if (!row || row.kind !== body.cidType) {
      throw invalidRequest(`cidData: no ${body.cidType} ${body.cidData} in this account`, "cidData");
    }
    callerIds = JSON.parse(row.numbers) as string[];
  }
  return { schedule, callerIds };
}

/**
 * The campaign settings and webhook subscriptions a task body makes, or the 4xx that says why not.
 * `settings` are a new task's; `settingsOver` gives an edited task's, onto its stored settings (checked
 * again: a startMoment may now fall after an endAt set through /v1).
 */
export async function taskPlan(
  db: Kysely<Database>,
  account: RequestAccount,
  body: TaskBody,
  now: number,
): Promise<{
  settings: CampaignSettings;
  settingsOver: (stored: CampaignSettings) => CampaignSettings;
  plans: WebhookPlan[];
}> {
  const problem = findRuleProblem(body);
  if (problem) throw invalidRequest(problem.message, problem.field);
  // Where each URL takes each event: a URL may be listed again for other events (with another delay), but
  // an event it already takes would go to it twice.
  const takenAt = new Map<string, number>();
  for (const [i, entry] of (body.webhookUrls ?? []).entries()) {
    const url = typeof entry === "string" ? entry : entry.url;
    if (typeof url !== "string" || url === "") continue;
    const urlProblem = webhookUrlProblem(url);
    if (urlProblem) throw invalidRequest(`webhookUrls[${i}]: the URL ${urlProblem}`, `webhookUrls[${i}]`);
    for (const event of webhookPlans([entry])[0]?.events ?? []) {
      const key = `${event} ${webhookUrlSpelling(url)}`;
      const first = takenAt.get(key);
      if (first !== undefined) {
        throw invalidRequest(
          `webhookUrls[${i}]: the URL takes ${event} at webhookUrls[${first}] already; each event goes to a URL once`,
          `webhookUrls[${i}]`,
        );
      }
      takenAt.set(key, i);
    }
  }
  const plans = webhookPlans(body.webhookUrls);
  if (plans.length > 0 && !roleAllows(account.role, "webhooks:manage")) {
    throw new ApiError("forbidden", 403, `role ${account.role} may not subscribe webhookUrls`, "webhookUrls");
  }
  const refs = await resolveRefs(db, account.id, body);
  // A zone the stored task already runs in (an abbreviation /v1 stored before they were refused) stays
  // editable around: only a newly given one is refused.
  const checked = (settings: CampaignSettings, keptZones?: ReadonlySet<string>): CampaignSettings => {
    const problem = findSettingsProblem(settings, "settings", now, keptZones);
    if (!problem) return settings;
    if (problem.field === "settings.endAt") {
      throw invalidRequest(
        `startMoment must be before the task's endAt (${new Date(settings.endAt as number).toISOString()}, set through /v1/campaigns)`,
        "startMoment",
      );
    }
    const field = taskFieldOf(problem.field);
    if (field === "scheduleId" && problem.message.endsWith("never open at once")) {
      throw invalidRequest(
        "scheduleId: the schedule is never open within the time spec /v1 set on the task",
        field,
      );
    }
    throw invalidRequest(
      `${field} does not go with what /v1/campaigns set on the task: ${problem.message}`,
      field,
    );
  };
  return {
    settings: checked(toSettings(body, refs)),
    settingsOver: (stored) => checked(toSettings(body, refs, stored), settingsZones(stored)),
    plans,
  };
}

/** A task's webhookUrls entry as a native subscription of its campaign, with a secret of its own. */
export async function insertTaskWebhook(
  db: Kysely<Database>,
  at: { accountId: number; campaignId: number; now: number },
  plan: WebhookPlan,
): Promise<void> {
  await insertWebhook(db, {
    ...at,
    url: plan.url,
    secret: newWebhookSecret(),
    events: plan.events,
    delaySec: plan.delaySec,
    partialResults: plan.partialResults,
    maxAttempts: DEFAULT_WEBHOOK_MAX_ATTEMPTS,
    active: true,
    madeBy: TWIN24_WEBHOOKS,
  });
}

/** webhooks.made_by of the subscriptions a task's webhookUrls made. */
export const TWIN24_WEBHOOKS = "twin24";
/** webhooks.made_by of one a PUT dropped from the task's webhookUrls (so deactivated by the face, not by
 *  an operator through /v1): listed again, it is made active again; an operator's deactivation stays. */
export const TWIN24_DROPPED_WEBHOOKS = "twin24:dropped";

export async function taskRoutes(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  const { store, engine, clock } = deps;

  app.post<{ Body: TaskBody }>(
    TASK_PATH,
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: create an autoCall task",
        body: taskBodySchema,
        response: { 200: identitySchema, ...errorResponses },
      },
    },
    async (req) => {
      const body = req.body;
      const { settings, plans } = await taskPlan(store.db, req.account, body, clock.now());
      // startType = time starts the task: under 1 USD that start is refused, so nothing is written.
      if (body.startType === "time") await engine.requireStartBalance(req.account.id, null);
      const uuid = randomUUID();
      const now = clock.now();
      const accountId = req.account.id;
      const starts = body.startType === "time";
      // One this request starts is written as being created: a kill before the start leaves no task the
      // client could see besides the one its retry makes (the next creation drops it later).
      if (starts) await dropAbandonedCreations(store, accountId, "twin24", now);
      const campaign = await store.db.transaction().execute(async (trx) => {
        const row = await insertCampaign(trx, {
          accountId,
          name: body.name,
          settings,
          now,
          ...(starts ? { creatingBy: "twin24" as const } : {}),
        });
        const list = await insertList(trx, { accountId, campaignId: row.id, name: "candidates", now });
        await insertTask(trx, {
          uuid,
          account_id: accountId,
          campaign_id: row.id,
          list_id: list.id,
          created_at: now,
        });
        for (const plan of plans) await insertTaskWebhook(trx, { accountId, campaignId: row.id, now }, plan);
        return row;
      });
      // startType = time starts by itself: the engine holds it READY until startMoment. A start the engine
      // still refuses (the balance fell meanwhile) fails the whole request: the task goes again.
      if (starts) {
        try {
          await engine.start(accountId, campaign.id, { finishingCreation: true });
        } catch (err) {
          await deleteCampaignUnlessStatus(store, accountId, campaign.id, NOT_DRAFT, now);
          throw err;
        }
      }
      return { id: { identity: uuid } };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${TASK_PATH}/:id`,
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: a task's status and candidate counts",
        params: uuidParams,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (req) => {
      const task = await ownedTask(deps, req.account.id, req.params.id);
      const row = await findCampaign(store.db, req.account.id, task.campaign_id);
      if (!row) throw notFound("autoCall task", req.params.id);
      return taskView(task.uuid, row, await countContactsByStatus(store.db, row.id));
    },
  );

  for (const command of Object.keys(COMMANDS) as Command[]) {
    app.post<{ Params: { id: string } }>(
      `${TASK_PATH}/:id/${command}`,
      {
        config: { permission: "campaigns:control" },
        schema: {
          tags: ["twin24"],
          summary: `Twin24: ${COMMANDS[command]}`,
          params: uuidParams,
          response: { 200: taskSchema, ...errorResponses },
        },
      },
      async (req) => {
        const accountId = req.account.id;
        const task = await ownedTask(deps, accountId, req.params.id);
        const before = await findCampaign(store.db, accountId, task.campaign_id);
        if (!before) throw notFound("autoCall task", req.params.id);
        // A FINISHED task given new candidates starts again, and so does a HALTED one (its lifetime over):
        // the engine calls that a recovery, and counts the lifetime afresh; only from those, on its own
        // fresh read (a command landing since is not undone, and a paused task keeps its lifetime).
        let status: CampaignStatus;
        try {
          status =
            command === "start" && (before.status === "completed" || before.status === "halted")
              ? (await engine.recover(accountId, task.campaign_id, { onlyFrom: ["completed", "halted"] }))
                  .status
              : await engine[command](accountId, task.campaign_id);
        } catch (err) {
          throw refusalInTaskTerms(err, task.uuid, task.campaign_id);
        }
        const row = await findCampaign(store.db, accountId, task.campaign_id);
        if (!row) throw notFound("autoCall task", req.params.id);
        return taskView(task.uuid, { ...row, status }, await countContactsByStatus(store.db, row.id));
      },
    );
  }
}

/** The Twin24 field a settings problem found after translation comes from (the body passed its own rules;
 *  what it sets clashes with what /v1/campaigns set on the task): the schedule, the rate, the callee
 *  window; else the body as a whole (a zone or a scenario only /v1 sets). */
function taskFieldOf(settingsField: string): string {
  if (/^settings\.(schedule|timeSpec)\b/.test(settingsField)) return "scheduleId";
  if (settingsField.startsWith("settings.callsPerSecond")) return "cps";
  if (settingsField.startsWith("settings.calleeWindow")) return "additionalOptions.allowCallTimeFrom";
  return "body";
}
