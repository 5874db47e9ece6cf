// The Twin24 face (/cis/api/v1/telephony/…): autoCall tasks (created, listed, read, edited, started and
// stopped, deleted), their candidates and results, and the schedules and caller ids tasks refer to; webhooks
// for the seed's six events, CALL_REDIRECTED when a bot forwards a call to a channel (secondExec = ch).
// Translates and delegates to the core; errors keep the native {"error": {code, message, field}} shape with
// paths relative to the Twin24 body ("cps", not "body.cps").
import type { FastifyInstance } from "fastify";
import { installRelativeFieldErrors } from "../relative-errors.ts";
import { candidateRoutes } from "./candidate-routes.ts";
import type { Twin24Deps } from "./deps.ts";
import { directoryRoutes } from "./directory-routes.ts";
import { taskEditRoutes } from "./task-edit-routes.ts";
import { taskRoutes } from "./task-routes.ts";

export async function twin24Api(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  installRelativeFieldErrors(app);
  await app.register(taskRoutes, deps);
  await app.register(taskEditRoutes, deps);
  await app.register(candidateRoutes, deps);
  await app.register(directoryRoutes, deps);
}
