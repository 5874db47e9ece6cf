// Vendor faces whose clients send a bare body name fields as the body does ("cps", "[3].phone"), not as
// the native API does ("body.cps"); otherwise errors keep the native {"error": {code, message, field}}.
// The same faces (Twin24, JAICP, Xcally) refuse text holding a NUL character with a 400 naming the field.
import type { FastifyInstance } from "fastify";
import { invalidRequest, toErrorResponse } from "../plugins/errors.ts";
import { installNulGuard, nulMessage } from "../plugins/nul-guard.ts";

const BODY_PREFIX = /\bbody(?=[.[])\.?/g;

export function installRelativeFieldErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.info({ code: body.error.code, status }, "request refused");
    const e = body.error;
    e.message = e.message.replace(BODY_PREFIX, "");
    if (e.field !== undefined) e.field = e.field.replace(BODY_PREFIX, "");
    return reply.status(status).send(body);
  });
  installNulGuard(app, (field) => invalidRequest(nulMessage(field), field === "" ? undefined : field));
}
