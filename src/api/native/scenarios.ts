// Robot scenarios: what runs when a person answers. A campaign uses the one whose key its bot script id
// names (settings.bot.scriptId; Twin24's defaultExecData). Queue scenarios (connect to agents) come with
// agents.
import type { FastifyInstance } from "fastify";
import type { RobotScenario } from "../../model/robot-scenario.ts";
import {
  deleteScenario,
  findScenario,
  listScenarios,
  scenarioOf,
  upsertScenario,
} from "../../store/scenarios.ts";
import type { ScenarioRow } from "../../store/schema.ts";
import { ApiError, notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTime } from "./schemas/common.ts";
import { iso } from "./views.ts";

const seconds = { type: "number", minimum: 0, maximum: 86_400 } as const;

const scenarioBody = {
  type: "object",
  required: ["key", "name", "results"],
  additionalProperties: false,
  properties: {
    key: {
      type: "string",
      minLength: 1,
      maxLength: 200,
      description: "What campaigns name it by (bot.scriptId)",
    },
    name: { type: "string", minLength: 1, maxLength: 200 },
    say: {
      type: ["string", "null"],
      maxLength: 10_000,
      description:
        "{{field}} takes the contact's data field of that name (any name without braces, e.g. {{Имя}} or {{first name}})",
    },
    results: {
      type: "array",
      minItems: 1,
      maxItems: 100,
      items: {
        type: "object",
        required: ["name", "weight"],
        additionalProperties: false,
        properties: {
          name: { type: "string", minLength: 1, maxLength: 200 },
          // Bounded so that a hundred weights add up to a finite total for the weighted draw.
          weight: { type: "number", exclusiveMinimum: 0, maximum: 1_000_000 },
        },
      },
    },
    // One schema for the three shapes (each keyword applies to its own type), so an error names what is
    // wrong with the value given rather than "must be null". The range is written as GET answers it
    // ({kind: "uniform", min, max}), or without its kind: what GET returned can be PUT back.
    talkSec: {
      description:
        'Conversation length on the sim driver: seconds, or a uniform range {min, max} (kind "uniform" optional, as GET answers it)',
      type: ["number", "object", "null"],
      minimum: seconds.minimum,
      maximum: seconds.maximum,
      required: ["min", "max"],
      additionalProperties: false,
      properties: { kind: { type: "string", enum: ["uniform"] }, min: seconds, max: seconds },
    },
  },
} as const;

const scenarioSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    key: { type: "string" },
    name: { type: "string" },
    say: { type: ["string", "null"] },
    results: { type: "array", items: { type: "object", additionalProperties: true } },
    talkSec: {},
    created_at: isoTime,
    updated_at: isoTime,
  },
} as const;

type Body = {
  key: string;
  name: string;
  say?: string | null;
  results: RobotScenario["results"];
  talkSec?: number | { kind?: "uniform"; min: number; max: number } | null;
};

function view(row: ScenarioRow) {
  const s = scenarioOf(row);
  return { id: row.id, ...s, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

export async function scenarioRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock, engine } = deps;

  app.put<{ Body: Body }>(
    "/v1/scenarios",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary:
          "Create or replace the robot scenario with this key; running campaigns take it up within 5 s",
        body: scenarioBody,
        response: { 200: scenarioSchema, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const talk = b.talkSec ?? null;
      if (talk !== null && typeof talk !== "number" && talk.min > talk.max) {
        throw new ApiError(
          "invalid_request",
          400,
          `body.talkSec.max must be at least body.talkSec.min (${talk.min})`,
          "body.talkSec.max",
        );
      }
      const row = await upsertScenario(
        store.db,
        req.account.id,
        {
          key: b.key,
          name: b.name,
          say: b.say ?? null,
          results: b.results,
          talkSec:
            talk === null || typeof talk === "number"
              ? talk
              : { kind: "uniform", min: talk.min, max: talk.max },
        },
        clock.now(),
      );
      engine.wake();
      return view(row);
    },
  );

  app.get(
    "/v1/scenarios",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "The account's robot scenarios",
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: scenarioSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: (await listScenarios(store.db, req.account.id)).map(view) }),
  );

  app.get<{ Params: { id: number } }>(
    "/v1/scenarios/:id",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "One robot scenario",
        params: idParams("id"),
        response: { 200: scenarioSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await findScenario(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("scenario", req.params.id);
      return view(row);
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/scenarios/:id",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary: "Delete a robot scenario",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!(await deleteScenario(store.db, req.account.id, req.params.id)))
        throw notFound("scenario", req.params.id);
      return reply.status(204).send();
    },
  );
}
