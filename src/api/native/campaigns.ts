// Campaign CRUD: create, list, read (with contact counts), edit name and settings, delete.
import type { FastifyInstance } from "fastify";
import { startAndHaltAfterEdit } from "../../engine/campaign-runtime.ts";
import { type CampaignSettings, withCapAfterEdit, withDefaults } from "../../model/campaign-settings.ts";
import { CAMPAIGN_STATUSES, type CampaignStatus } from "../../model/outcome.ts";
import {
  campaignDeleteRefusal,
  countContactsByStatus,
  deleteCampaignUnlessStatus,
  findCampaign,
  insertCampaign,
  listCampaigns,
  reorderContactsForAttemptOrder,
  untilWritten,
  updateCampaign,
} from "../../store/campaigns.ts";
import { findQueue } from "../../store/queues.ts";
import type { Campaign } from "../../store/schema.ts";
import { ApiError, conflict, invalidRequest, notFound } from "../plugins/errors.ts";
import { type NativeApiDeps, tellAgentsChanged } from "./deps.ts";
import { campaignNameSchema, campaignSchema, campaignWithCountsSchema } from "./schemas/campaign.ts";
import { campaignSettingsSchema, findSettingsProblem, settingsZones } from "./schemas/campaign-settings.ts";
import { commaListQuery, errorResponses, idParams, limitQuery, splitList } from "./schemas/common.ts";
import { campaignView, contactCountsView, parseSettings } from "./views.ts";

/** Statuses in which the engine may be holding calls or about to place them. */
const ACTIVE_STATUSES: readonly CampaignStatus[] = ["running", "scheduled", "paused"];

interface CreateBody {
  name: string;
  settings?: Partial<CampaignSettings>;
}
interface EditBody {
  name?: string;
  settings?: Partial<CampaignSettings>;
}
interface ListQuery {
  limit: number;
  cursor?: string;
  offset?: number;
  status?: string;
  name?: string;
}

export async function campaignRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, engine, clock } = deps;

  app.post<{ Body: CreateBody }>(
    "/v1/campaigns",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary: "Create a campaign (as a draft)",
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: campaignNameSchema, settings: campaignSettingsSchema },
        },
        response: { 201: campaignSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const settings = withDefaults(req.body.settings);
      assertSettings(settings, "body.settings", clock.now());
      await assertOwnQueue(deps, req.account.id, settings.queueId);
      const row = await insertCampaign(store.db, {
        accountId: req.account.id,
        name: req.body.name,
        settings,
        now: clock.now(),
      });
      return reply.status(201).send(campaignView(row));
    },
  );

  app.get<{ Querystring: ListQuery }>(
    "/v1/campaigns",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "List campaigns, newest first",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: limitQuery,
            cursor: { type: "string", maxLength: 100, description: "next_cursor of the previous page" },
            offset: {
              type: "integer",
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: "Rows to skip (instead of cursor)",
            },
            status: commaListQuery(CAMPAIGN_STATUSES, "campaign statuses"),
            name: { type: "string", minLength: 1, maxLength: 200, description: "Substring of the name" },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["data", "next_cursor"],
            properties: {
              data: { type: "array", items: campaignSchema },
              next_cursor: { type: ["string", "null"], description: "Pass as cursor for the next page" },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.cursor !== undefined && q.offset !== undefined) {
        throw invalidRequest(
          "querystring.offset cannot be combined with querystring.cursor",
          "querystring.offset",
        );
      }
      const rows = await listCampaigns(store.db, req.account.id, {
        statuses: splitList(q.status),
        nameContains: q.name,
        beforeId: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
        offset: q.offset,
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      return {
        data: page.map(campaignView),
        next_cursor: more ? encodeCursor(page[page.length - 1].id) : null,
      };
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "Read a campaign with its contact counts",
        params: idParams("id"),
        response: { 200: campaignWithCountsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await findCampaign(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("campaign", req.params.id);
      const counts = await countContactsByStatus(store.db, row.id);
      return { ...campaignView(row), contact_counts: contactCountsView(counts) };
    },
  );

  app.patch<{ Params: { id: number }; Body: EditBody }>(
    "/v1/campaigns/:id",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary: "Rename a campaign or change settings (top-level settings fields replace the stored ones)",
        params: idParams("id"),
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: { name: campaignNameSchema, settings: campaignSettingsSchema },
        },
        response: { 200: campaignSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const id = req.params.id;
      await assertOwnQueue(deps, accountId, req.body.settings?.queueId);
      // The merge is made from a read; if another edit lands in between, read again and merge onto it.
      const row = await untilWritten(
        async () => {
          const current = await findCampaign(store.db, accountId, id);
          if (!current) throw notFound("campaign", id);
          return applyEdit(current, req.body);
        },
        () => conflict("edit_conflict", `campaign ${id} kept changing during the edit; send it again`),
      );
      await engine.campaignEdited(id);
      // Another queue: agents logged in through the old one may no longer belong.
      if (req.body.settings?.queueId !== undefined) await tellAgentsChanged(deps, accountId);
      return campaignView(row);
    },
  );

  /** The edit merged onto `current`, written only if its settings are still stored (undefined if not). */
  async function applyEdit(current: Campaign, body: EditBody): Promise<Campaign | undefined> {
    const before = parseSettings(current);
    const settings = body.settings
      ? withCapAfterEdit(before, body.settings, { ...before, ...body.settings })
      : undefined;
    // A zone the stored campaign already runs in (an abbreviation stored before they were refused) stays
    // editable around; only a newly given one is refused.
    if (settings) assertSettings(settings, "body.settings", clock.now(), settingsZones(before));
    const now = clock.now();
    const times = settings ? startAndHaltAfterEdit(current, before, settings, now) : {};
    const reorder = settings !== undefined && settings.attemptOrder !== before.attemptOrder;
    return store.db.transaction().execute(async (trx) => {
      const updated = await updateCampaign(trx, current.account_id, current.id, {
        name: body.name,
        settings,
        ...times,
        basedOn: current,
        now,
      });
      if (updated && reorder) await reorderContactsForAttemptOrder(trx, current.id, settings.attemptOrder);
      return updated;
    });
  }

  app.delete<{ Params: { id: number } }>(
    "/v1/campaigns/:id",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary:
          "Delete a campaign that is not active, with its lists, contacts, attempts and own webhooks (409 deliveries_pending while those have events to deliver)",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (await deleteCampaignUnlessStatus(store, req.account.id, id, ACTIVE_STATUSES, clock.now())) {
        // Its queue went with it: agents logged in to it are members of nothing now.
        await tellAgentsChanged(deps, req.account.id);
        return reply.status(204).send();
      }
      const refusal = await campaignDeleteRefusal(store.db, req.account.id, id, ACTIVE_STATUSES);
      if (refusal.reason === "missing") throw notFound("campaign", id);
      if (refusal.reason === "deliveries_pending") {
        throw conflict(
          "deliveries_pending",
          `campaign ${id}'s own webhooks have events still to deliver, which its deletion would drop: delete it once they are delivered (or dead-lettered), or delete those webhooks first to drop them`,
        );
      }
      if (refusal.reason === "busy") {
        throw conflict(
          "campaign_busy",
          `campaign ${id} has calls still on the line (a stop hangs up only unanswered ones): delete it once they end`,
        );
      }
      throw conflict("campaign_active", `campaign ${id} is ${refusal.status}; stop it before deleting it`);
    },
  );
}

function assertSettings(
  settings: CampaignSettings,
  prefix: string,
  now: number,
  keptZones?: ReadonlySet<string>,
): void {
  const problem = findSettingsProblem(settings, prefix, now, keptZones);
  if (problem) throw invalidRequest(problem.message, problem.field);
}

/** A queueId given must be a queue of the account (another account's reads as missing). Only a given one
 *  is checked: a campaign whose queue was deleted since can still have its other settings changed. */
async function assertOwnQueue(deps: NativeApiDeps, accountId: number, queueId: number | null | undefined) {
  if (queueId == null || (await findQueue(deps.store.db, accountId, queueId))) return;
  throw invalidRequest(`queue ${queueId} is not a queue of this account`, "body.settings.queueId");
}

// The cursor is opaque to clients so the paging scheme can change; today it is the last id seen.
function encodeCursor(lastId: number): string {
  return Buffer.from(`c:${lastId}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const m = /^c:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!m)
    throw new ApiError(
      "invalid_request",
      400,
      "querystring.cursor is not a cursor this API issued",
      "querystring.cursor",
    );
  return Number(m[1]);
}
