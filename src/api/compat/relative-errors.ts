// Vendor faces whose clients send a bare body name fields as the body does ("cps", "[3].phone"), not as
// the native API does ("body.cps"), and query parameters by their names ("phone"); otherwise errors keep the native {"error": {code, message, field}}.
// The same faces (Twin24, JAICP, Xcally) refuse text holding a NUL character with a 400 naming the field,
// and say how many bytes a request body may have when one is over.
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import { ApiError, invalidRequest, toErrorResponse } from "../plugins/errors.ts";
import { installTextGuard, textProblemMessage } from "../plugins/text-guard.ts";
import { describeViolation, type SchemaViolation } from "../plugins/validation-errors.ts";

/** Only the native path's own "body" goes, never one inside a name the client sent ("variables.body.x"). */
const LEADING_BODY = /^body(?=[.[])\.?/;
/** Stands for the body where a schema error names it: the NUL guard refuses a NUL in any name or text
 *  before validation, so the client's own names never hold one. */
const MARK = "\u0000";

export function installRelativeFieldErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorResponse(relative(err, req));
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.info({ code: body.error.code, status }, "request refused");
    const e = body.error;
    e.message = e.message.replace(LEADING_BODY, "");
    if (e.field !== undefined) e.field = e.field.replace(LEADING_BODY, "");
    return reply.status(status).send(body);
  });
  installTextGuard(app, (field, _part, reason) =>
    invalidRequest(textProblemMessage(field, reason), field === "" ? undefined : field),
  );
}

/** A schema error on the body or the query with its paths relative to it (the body itself still "body",
 *  the query "query"); a body over the limit with the limit in bytes; anything else as it is. */
function relative(err: unknown, req: FastifyRequest): unknown {
  const fe = err as Partial<FastifyError & { validation: SchemaViolation[]; validationContext: string }>;
  // Every parser of these faces (Fastify's JSON, Xcally's form and text) holds the body to the route's
  // limit, else the server's: the one routeOptions reports, whatever the body's type.
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    const limit = req.routeOptions.bodyLimit;
    return new ApiError(
      "payload_too_large",
      413,
      `the request body is over this request's limit of ${limit} bytes`,
    );
  }
  const context = fe.validationContext;
  if (!Array.isArray(fe.validation) || fe.validation.length === 0) return err;
  if (context !== "body" && context !== "querystring") return err;
  // A query's parameters are named as the client sent them too ("phone", not "querystring.phone").
  const whole = context === "body" ? "body" : "query";
  const p = describeViolation(MARK, fe.validation[0]);
  const unmark = (s: string) =>
    s.replaceAll(`${MARK}.`, "").replaceAll(`${MARK}[`, "[").replaceAll(MARK, whole);
  return invalidRequest(unmark(p.message), unmark(p.field));
}
