// The Twin24 face (/cis/api/v1/telephony/…): autoCall tasks (created, listed, read, edited, started and
// stopped, deleted), their candidates and results, and the schedules and caller ids tasks refer to; webhooks
// for the seed's six events, CALL_REDIRECTED when a bot forwards a call to a channel (secondExec = ch).
// Translates and delegates to the core; errors keep the native {"error": {code, message, field}} shape with
// paths relative to the Twin24 body ("cps", not "body.cps").
import type { FastifyInstance, FastifyRequest } from "fastify";
import { installRelativeFieldErrors } from "../relative-errors.ts";
import { candidateRoutes } from "./candidate-routes.ts";
import type { Twin24Deps } from "./deps.ts";
import { directoryRoutes } from "./directory-routes.ts";
import { taskEditRoutes } from "./task-edit-routes.ts";
import { taskRoutes } from "./task-routes.ts";
import type { TaskBody } from "./translate.ts";

export async function twin24Api(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  installRelativeFieldErrors(app);
  app.addHook("preHandler", async (req) => readIdsAsStored(req));
  await app.register(taskRoutes, deps);
  await app.register(taskEditRoutes, deps);
  await app.register(candidateRoutes, deps);
  await app.register(directoryRoutes, deps);
}

/**
 * RFC 4122: a uuid's hex digits are case-insensitive on input, and Twin24 (Java's UUID.fromString) takes
 * them in capitals, as clients that keep ids in a column that upper-cases them (SQL Server's
 * uniqueidentifier, many .NET and Delphi clients) send them back. The face makes its ids lower-case
 * (randomUUID) and finds them by their text, so every id it takes is read lower-case here, once for all its
 * routes: the path's (tasks, schedules, caller ids) and a task body's scheduleId, and cidData where it names
 * a gornum or pool (with cidType default it names nothing and is kept as sent). They then name what is
 * stored, and are kept with the task (settings.vendor) and answered as stored. Only the task body has these
 * two fields (every body schema of the face refuses fields it does not list).
 */
function readIdsAsStored(req: FastifyRequest): void {
  const params = req.params as { id?: unknown } | undefined;
  if (typeof params?.id === "string") params.id = params.id.toLowerCase();
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) return;
  const body = req.body as Partial<TaskBody>;
  if (typeof body.scheduleId === "string") body.scheduleId = body.scheduleId.toLowerCase();
  if ((body.cidType === "gornum" || body.cidType === "pool") && typeof body.cidData === "string")
    body.cidData = body.cidData.toLowerCase();
}
