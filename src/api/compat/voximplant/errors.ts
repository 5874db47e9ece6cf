// Voximplant's error convention for the /platform_api face: HTTP 200 with {"error": {"code", "msg"}} (its
// clients drop non-2xx answers). Maps outdial's errors onto Voximplant's HTTP API codes; owns nothing else.
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { EngineError } from "../../../engine/types.ts";
import { ImportError } from "../../../lists/errors.ts";
import { ApiError } from "../../plugins/errors.ts";
import { refusalInListTerms } from "./terms.ts";

/** Codes of Voximplant's HTTP API error list (voximplant.com/docs/references/httpapi/errors). */
export const VOX = {
  INTERNAL: 2,
  /** "Billing failed": the closest code of the list for a balance under 1 USD. */
  BILLING: 5,
  AUTH_FAILED: 100,
  INVALID_ARGUMENTS: 101,
  MISSING_CMD: 102,
  UNKNOWN_COMMAND: 103,
  FORBIDDEN_COMMAND: 104,
  OUTPUT_NOT_SUPPORTED: 105,
} as const;

export class VoxError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "VoxError";
  }
}

export function invalidArgument(message: string): VoxError {
  return new VoxError(VOX.INVALID_ARGUMENTS, message);
}

export function toVoxError(err: unknown, words: (message: string) => string = (m) => m): VoxError {
  if (err instanceof VoxError) return err;
  if (err instanceof ApiError) {
    if (err.status === 401 || err.status === 429) {
      return new VoxError(VOX.AUTH_FAILED, `Authorization failed: ${err.message}`);
    }
    if (err.status === 403) return new VoxError(VOX.FORBIDDEN_COMMAND, `Forbidden command: ${err.message}`);
    if (err.status >= 500) return new VoxError(VOX.INTERNAL, "Internal error");
    return new VoxError(VOX.INVALID_ARGUMENTS, err.message);
  }
  if (err instanceof ImportError) {
    // A busy node is no fault of the file: the client is told to send it again.
    if (err.status === 429)
      return new VoxError(VOX.INTERNAL, `Server busy, send the request again: ${err.message}`);
    return new VoxError(VOX.INVALID_ARGUMENTS, `file_content: ${words(err.message)}`);
  }
  if (err instanceof EngineError) {
    // Said of the call list (list_id is the campaign's id), never of "campaign 12" and its endAt.
    const { message } = refusalInListTerms(err) as EngineError;
    if (err.code === "insufficient_balance") return new VoxError(VOX.BILLING, message);
    return new VoxError(VOX.INVALID_ARGUMENTS, message);
  }
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new VoxError(VOX.INVALID_ARGUMENTS, fe.message ?? "Invalid arguments");
  }
  return new VoxError(VOX.INTERNAL, "Internal error; the server log has the details");
}

/** The face's URLs: a failure the router itself raises there (a malformed URL) answers the Voximplant way. */
export function isVoximplantUrl(url: string): boolean {
  return url === "/platform_api" || url.startsWith("/platform_api/") || url.startsWith("/platform_api?");
}

/** A request Node's HTTP parser refused before any route could (too long, not HTTP, too slow) as error 101.
 *  One too long is told the face also reads its parameters from a POST body, which that limit spares. */
export function parserRefusalToVox(refusal: ApiError): VoxError {
  if (refusal.status !== 431) return toVoxError(refusal);
  return invalidArgument(
    `${refusal.message}; send long or many parameters in a POST body (url-encoded or multipart)`,
  );
}

/** The body of a Voximplant error, sent with HTTP 200. */
export function voxErrorBody(vox: VoxError): { error: { code: number; msg: string } } {
  return { error: { code: vox.code, msg: vox.message } };
}

/** A Voximplant error as its clients read it: HTTP 200 with {"error": {"code", "msg"}}. */
export function sendVoxError(reply: FastifyReply, vox: VoxError): FastifyReply {
  // A file answer may have set its own type before failing.
  return reply.status(200).type("application/json; charset=utf-8").send(voxErrorBody(vox));
}

/** Every failure in the face's scope, the auth hook's 401/403 included, leaves as a Voximplant error. */
export function installVoxErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const vox = toVoxError(err);
    if (vox.code === VOX.INTERNAL) req.log.error({ err }, "platform_api request failed");
    else req.log.info({ code: vox.code }, "platform_api request refused");
    return sendVoxError(reply, vox);
  });
}
