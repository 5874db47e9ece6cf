// The Twin24 face (/cis/api/v1/telephony/…): autoCall tasks, their candidates and results, and the
// schedules and caller ids tasks refer to. Translates and delegates to the core; errors keep the native
// {"error": {code, message, field}} shape with paths relative to the Twin24 body ("cps", not "body.cps").
import type { FastifyInstance } from "fastify";
import { toErrorResponse } from "../../plugins/errors.ts";
import { candidateRoutes } from "./candidate-routes.ts";
import type { Twin24Deps } from "./deps.ts";
import { directoryRoutes } from "./directory-routes.ts";
import { taskRoutes } from "./task-routes.ts";

const BODY_PREFIX = /\bbody\./g;

export async function twin24Api(app: FastifyInstance, deps: Twin24Deps): Promise<void> {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.info({ code: body.error.code, status }, "request refused");
    const e = body.error;
    e.message = e.message.replace(BODY_PREFIX, "");
    if (e.field !== undefined) e.field = e.field.replace(BODY_PREFIX, "");
    return reply.status(status).send(body);
  });
  await app.register(taskRoutes, deps);
  await app.register(candidateRoutes, deps);
  await app.register(directoryRoutes, deps);
}
