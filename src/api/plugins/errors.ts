// The native API's one error type and its one error handler: every failure leaves as
// {"error": {"code", "message", "field"?}} with a fitting HTTP status; 5xx details stay in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { EngineError } from "../../engine/types.ts";
import { ImportError } from "../../lists/errors.ts";
import { isForeignKeyViolation } from "../../store/db.ts";
import { describeViolation, type SchemaViolation } from "./validation-errors.ts";

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function notFound(what: string, id: number | string): ApiError {
  return new ApiError("not_found", 404, `${what} ${id} not found`);
}

export function invalidRequest(message: string, field?: string): ApiError {
  return new ApiError("invalid_request", 400, message, field);
}

export function conflict(code: string, message: string): ApiError {
  return new ApiError(code, 409, message);
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string; row?: number };
}

/** JSON schema of every error response, for the OpenAPI document. */
export const errorResponseSchema = {
  type: "object",
  description: "An error",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: {
          type: "string",
          description: "Stable machine-readable code, e.g. invalid_request, not_found",
        },
        message: { type: "string", description: "What went wrong, for a person" },
        field: {
          type: "string",
          description: "Path of the offending input, e.g. body.settings.maxConcurrent",
        },
        row: { type: "integer", description: "1-based data row of an import the error was found in" },
      },
    },
  },
} as const;

/** Codes for the 4xx errors Fastify itself raises (malformed JSON, body too large, wrong content type…). */
const CODE_BY_STATUS: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  409: "conflict",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  429: "too_many_requests",
};

type ValidationError = FastifyError & { validation: SchemaViolation[]; validationContext?: string };

export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof ApiError) return render(err.status, err.code, err.message, err.field);
  if (err instanceof ImportError) {
    const message = err.row !== undefined ? `${err.message} (row ${err.row})` : err.message;
    const out = render(err.status, err.code, message, err.field);
    if (err.row !== undefined) out.body.error.row = err.row;
    return out;
  }
  if (err instanceof EngineError) return render(err.status, err.code, err.message, err.field);
  // The handler found its campaign (queue, …), then a delete committed before its own write: answered as
  // the delete first would have been answered.
  if (isForeignKeyViolation(err)) {
    return render(404, "not_found", "what this request refers to was deleted while it ran");
  }
  const fe = err as Partial<ValidationError>;
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const problem = describeViolation(fe.validationContext ?? "body", fe.validation[0]);
    return render(400, "invalid_request", problem.message, problem.field);
  }
  const status = typeof fe.statusCode === "number" ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return render(status, CODE_BY_STATUS[status] ?? "invalid_request", fe.message ?? "bad request");
  }
  return render(500, "internal_error", "internal error; the server log has the details");
}

function render(
  status: number,
  code: string,
  message: string,
  field?: string,
): { status: number; body: ErrorBody } {
  return { status, body: { error: field === undefined ? { code, message } : { code, message, field } } };
}

/** Fastify's "Request body is too large" names no limit: a client cannot tell how much to send at once. */
function bodyTooLarge(req: FastifyRequest): string {
  const limit = req.routeOptions.bodyLimit;
  const mib = limit / (1024 * 1024);
  const size = Number.isInteger(mib) ? `${mib} MiB` : `${limit.toLocaleString("en-US")} bytes`;
  return `the request body is over this route's limit of ${size}: send less at once`;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(err);
    if ((err as Partial<FastifyError>).code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      body.error.message = bodyTooLarge(req);
    }
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.info({ code: body.error.code, status }, "request refused");
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split("?")[0];
    return reply
      .status(404)
      .send({ error: { code: "not_found", message: `no route ${req.method} ${path}` } } satisfies ErrorBody);
  });
}
