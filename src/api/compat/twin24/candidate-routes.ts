// Twin24 candidates of a task: add a batch (each with several numbers and variables) through the lists
// module's JSON add, and read them back with their calls (the task's results). It writes contacts only
// through lists/ and reads attempts as the engine recorded them.
import type { FastifyInstance } from "fastify";
import { ImportError } from "../../../lists/errors.ts";
import { addContacts } from "../../../lists/import.ts";
import type { ContactInput, RowIssue } from "../../../lists/types.ts";
import { findCampaign } from "../../../store/campaigns.ts";
import { queryContacts } from "../../../store/contacts-query.ts";
import type { AttemptRow } from "../../../store/schema.ts";
import { notFound } from "../../plugins/errors.ts";
import {
  apiField,
  apiMessage,
  batchErrors,
  type Candidate,
  numberRulesOf,
  prepareCandidates,
} from "./candidates.ts";
import type { Twin24Deps } from "./deps.ts";
import { candidatesBodySchema, candidatesReportSchema, errorResponses, uuidParams } from "./schema.ts";
import { ownedTask, TASK_PATH } from "./task-routes.ts";
import { CANDIDATE_STATUS, candidateView } from "./views.ts";

/** Bytes of a candidates body: the app's 1 MiB is ~100 bytes a candidate at the schema's 10,000, less than
 *  a number, an id and a few variables take; 16 MiB is ~1.6 KiB a candidate. Candidates with more in them
 *  go in more requests (the schema's own bounds allow far larger ones). */
export const CANDIDATES_BODY_LIMIT = 16 * 1024 * 1024;

const STATUS_BY_NAME = Object.fromEntries(Object.entries(CANDIDATE_STATUS).map(([core, t]) => [t, core]));

interface ResultsQuery {
  limit: number;
  afterId?: number;
  status?: string;
}

export async function candidateRoutes(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  const { store, engine, clock } = deps;

  app.post<{ Params: { id: string }; Body: { batch: Candidate[] } }>(
    `${TASK_PATH}/:id/candidates`,
    {
      config: { permission: "contacts:write" },
      bodyLimit: CANDIDATES_BODY_LIMIT,
      schema: {
        tags: ["twin24"],
        summary: "Twin24: add candidates (several numbers each, variables) to a task",
        description: `At most ${candidatesBodySchema.properties.batch.maxItems} candidates and ${CANDIDATES_BODY_LIMIT} bytes (more: 413).`,
        params: uuidParams,
        body: candidatesBodySchema,
        response: { 200: candidatesReportSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const task = await ownedTask(deps, accountId, req.params.id);
      const campaign = await findCampaign(store.db, accountId, task.campaign_id);
      if (!campaign) throw notFound("autoCall task", req.params.id);
      const rules = numberRulesOf(JSON.parse(campaign.settings).vendor ?? {});
      const prepared = prepareCandidates(req.body.batch, rules);
      // Only candidates with a number go to the lists module; its rows are mapped back to the batch's.
      const rowOf: number[] = [];
      const contacts: ContactInput[] = [];
      prepared.contacts.forEach((c, i) => {
        if (c === null) return;
        contacts.push(c);
        rowOf.push(i + 1);
      });
      const report =
        contacts.length === 0
          ? { inserted: 0, skipped: 0, flagged: 0, errors: [] as RowIssue[] }
          : await addContacts(
              store,
              {
                accountId,
                campaignId: task.campaign_id,
                listId: task.list_id,
                // Numbers arrive here normalized, or raw to be kept flagged (normalizationErrorAction).
                phonePolicy: "flag",
                duplicatePolicy: "skip",
                now: clock.now(),
              },
              contacts,
            ).catch((err) => {
              throw err instanceof ImportError ? inBatchTerms(err, rowOf) : err;
            });
      if (report.inserted > 0) engine.wake();
      const errors = batchErrors(
        prepared,
        report.errors.map((e) => ({
          ...e,
          row: rowOf[e.row - 1] ?? e.row,
          field: apiField(e.field),
          message: apiMessage(e.message, e.field),
        })),
      );
      return {
        received: req.body.batch.length,
        added: report.inserted,
        skipped: req.body.batch.length - report.inserted,
        flagged: report.flagged,
        errors,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: ResultsQuery }>(
    `${TASK_PATH}/:id/candidates`,
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: the task's results: candidates, their status and every call, in id order",
        params: uuidParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            afterId: {
              type: "integer",
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: "nextAfterId of the previous page",
            },
            status: { type: "string", enum: Object.values(CANDIDATE_STATUS) },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["data", "nextAfterId"],
            properties: {
              data: { type: "array", items: { type: "object", additionalProperties: true } },
              nextAfterId: { type: ["integer", "null"] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const task = await ownedTask(deps, req.account.id, req.params.id);
      const q = req.query;
      const rows = await queryContacts(
        store.db,
        task.campaign_id,
        { statuses: q.status ? [STATUS_BY_NAME[q.status]] : undefined },
        { afterId: q.afterId, limit: q.limit + 1 },
      );
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const calls = new Map<number, AttemptRow[]>();
      if (page.length > 0) {
        const attempts = await store.db
          .selectFrom("attempts")
          .selectAll()
          // One held for an agent's preview and not dialed is no call yet (as in the native API).
          .where("reserved", "is", null)
          .where(
            "contact_id",
            "in",
            page.map((c) => c.id),
          )
          .orderBy("id")
          .execute();
        for (const a of attempts) calls.set(a.contact_id, [...(calls.get(a.contact_id) ?? []), a]);
      }
      return {
        data: page.map((c) => candidateView(c, calls.get(c.id) ?? [])),
        nextAfterId: more ? page[page.length - 1].id : null,
      };
    },
  );
}

/** A whole-request refusal of the lists module, in the batch's terms: its candidate's row in the batch
 *  (not among those with a number; the answer appends it to the message), and the API's field names. */
function inBatchTerms(err: ImportError, rowOf: number[]): ImportError {
  const data = err.toData();
  if (data.row !== undefined) data.row = rowOf[data.row - 1] ?? data.row;
  const message = apiMessage(data.message, data.field);
  if (data.field !== undefined) data.field = apiField(data.field);
  return new ImportError({ ...data, message });
}
