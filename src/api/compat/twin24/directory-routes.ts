// Objects Twin24 tasks refer to by id: call schedules (scheduleId) and caller-id entities, one number
// (cidType gornum) or a pool of numbers used in turn (cidType pool). Stored by the face (store.ts); a
// task copies what they hold when it is created.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { zoneNameProblem } from "../../../lib/time-zone.ts";
import type { WeeklySchedule } from "../../../model/campaign-settings.ts";
import { validateWeeklySchedule } from "../../../model/windows.ts";
import { invalidRequest, notFound } from "../../plugins/errors.ts";
import { dialablePhone } from "../dialable-phone.ts";
import type { Twin24Deps } from "./deps.ts";
import {
  callerIdBodySchema,
  errorResponses,
  identitySchema,
  scheduleBodySchema,
  uuidParams,
} from "./schema.ts";
import { type CallerIdKind, findCallerId, findSchedule, insertCallerId, insertSchedule } from "./store.ts";

export const SCHEDULE_PATH = "/cis/api/v1/telephony/schedule";
const CALLER_ID_PATHS: Record<CallerIdKind, string> = {
  gornum: "/cis/api/v1/telephony/gornum",
  pool: "/cis/api/v1/telephony/pool",
};

const scheduleSchema = {
  type: "object",
  properties: {
    ...identitySchema.properties,
    name: { type: "string" },
    timezone: { type: "string" },
    ranges: scheduleBodySchema.properties.ranges,
  },
} as const;

const callerIdSchema = {
  type: "object",
  properties: {
    ...identitySchema.properties,
    name: { type: "string" },
    numbers: { type: "array", items: { type: "string" } },
  },
} as const;

interface ScheduleBody {
  name: string;
  timezone: string;
  ranges: WeeklySchedule["ranges"];
}

export async function directoryRoutes(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  const { store, clock } = deps;

  app.post<{ Body: ScheduleBody }>(
    SCHEDULE_PATH,
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: create a call schedule (weekly hours in one zone) for scheduleId",
        body: scheduleBodySchema,
        response: { 200: identitySchema, ...errorResponses },
      },
    },
    async (req) => {
      const { name, timezone, ranges } = req.body;
      const zoneProblem = zoneNameProblem(timezone);
      if (zoneProblem) {
        throw invalidRequest(
          `timezone must be an IANA time zone such as Europe/Moscow (got ${JSON.stringify(timezone)}${zoneProblem.hint ? `; ${zoneProblem.hint}` : ""})`,
          "timezone",
        );
      }
      const schedule: WeeklySchedule = { zone: timezone, ranges };
      const [problem] = validateWeeklySchedule(schedule);
      if (problem) throw invalidRequest(`${problem.field}: ${problem.message}`, problem.field);
      const uuid = randomUUID();
      await insertSchedule(store.db, { uuid, accountId: req.account.id, name, schedule, now: clock.now() });
      return { id: { identity: uuid } };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${SCHEDULE_PATH}/:id`,
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["twin24"],
        summary: "Twin24: read a call schedule",
        params: uuidParams,
        response: { 200: scheduleSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await findSchedule(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("schedule", req.params.id);
      const s = JSON.parse(row.schedule) as WeeklySchedule;
      return { id: { identity: row.uuid }, name: row.name, timezone: s.zone, ranges: s.ranges };
    },
  );

  for (const kind of Object.keys(CALLER_ID_PATHS) as CallerIdKind[]) {
    const path = CALLER_ID_PATHS[kind];
    app.post<{ Body: { name?: string; numbers: string[] } }>(
      path,
      {
        config: { permission: "campaigns:write" },
        schema: {
          tags: ["twin24"],
          summary:
            kind === "gornum"
              ? "Twin24: register one caller number (cidType gornum)"
              : "Twin24: create a pool of caller numbers used in turn (cidType pool)",
          body:
            kind === "gornum"
              ? {
                  ...callerIdBodySchema,
                  properties: {
                    ...callerIdBodySchema.properties,
                    numbers: { ...callerIdBodySchema.properties.numbers, maxItems: 1 },
                  },
                }
              : callerIdBodySchema,
          response: { 200: identitySchema, ...errorResponses },
        },
      },
      async (req) => {
        const numbers = req.body.numbers.map((raw, i) => {
          // A caller number with an extension, or two in one string, is refused (dialablePhone).
          const r = dialablePhone(raw.startsWith("+") ? raw : `+${raw}`);
          if (!r.ok)
            throw invalidRequest(`numbers[${i}]: ${r.reason} (got ${JSON.stringify(raw)})`, `numbers[${i}]`);
          return r.e164;
        });
        const uuid = randomUUID();
        await insertCallerId(store.db, {
          uuid,
          accountId: req.account.id,
          kind,
          name: req.body.name ?? numbers[0],
          numbers,
          now: clock.now(),
        });
        return { id: { identity: uuid } };
      },
    );

    app.get<{ Params: { id: string } }>(
      `${path}/:id`,
      {
        config: { permission: "campaigns:read" },
        schema: {
          tags: ["twin24"],
          summary: `Twin24: read a ${kind}`,
          params: uuidParams,
          response: { 200: callerIdSchema, ...errorResponses },
        },
      },
      async (req) => {
        const row = await findCallerId(store.db, req.account.id, req.params.id);
        if (!row || row.kind !== kind) throw notFound(kind, req.params.id);
        return { id: { identity: row.uuid }, name: row.name, numbers: JSON.parse(row.numbers) as string[] };
      },
    );
  }
}
