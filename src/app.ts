// The HTTP application as a plugin tree: error handling, authentication, the OpenAPI document and every
// route, wired to the store, engine and clock it is given. It never listens: server.ts does, and tests
// drive it with app.inject().
import { maxHeaderSize, STATUS_CODES } from "node:http";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import Fastify, {
  type ConnectionError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import { CAMPAIGN_TOKEN_IN_PATH, jaicpApi } from "./api/compat/jaicp/index.ts";
import { addPhoneTooLong } from "./api/compat/jaicp/query-limits.ts";
import { twin24Api } from "./api/compat/twin24/index.ts";
import {
  invalidArgument,
  isVoximplantUrl,
  parserRefusalToVox,
  sendVoxError,
  voxErrorBody,
} from "./api/compat/voximplant/errors.ts";
import { voximplantApi } from "./api/compat/voximplant/index.ts";
import { xcallyApi } from "./api/compat/xcally/index.ts";
import { installMetrics } from "./api/metrics.ts";
import { nativeApi } from "./api/native/index.ts";
import { installAuth } from "./api/plugins/auth.ts";
import { ApiError, installErrorHandling, toErrorResponse } from "./api/plugins/errors.ts";
import { installStrictJsonParser } from "./api/plugins/json-body.ts";
import { registerOpenApi } from "./api/plugins/openapi.ts";
import type { Permission } from "./api/plugins/permissions.ts";
import { schemaController } from "./api/plugins/schema-validation.ts";
import { installNativeTextGuard } from "./api/plugins/text-guard.ts";
import type { Clock } from "./clock/clock.ts";
import type { Config } from "./config/config.ts";
import type { EngineControl } from "./engine/types.ts";
import { importRoutes } from "./lists/import-routes.ts";
import type { Store } from "./store/db.ts";
import { dashboard } from "./web/dashboard.ts";

export interface AppDeps {
  store: Store;
  engine: EngineControl;
  clock: Clock;
  config: Readonly<Config>;
  /** true = pino at config.logLevel; an object = extra pino options; false/absent = silent (tests). */
  logger?: boolean | object;
  /** TLS key and certificate (PEM) to serve HTTPS. */
  https?: { cert: Buffer | string; key: Buffer | string };
}

/** JSON bodies of the native API are small; contact imports stream and set their own limit. */
export const JSON_BODY_LIMIT = 1024 * 1024;

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { store, engine, clock, config } = deps;
  const options: FastifyServerOptions & { https?: AppDeps["https"] } = {
    logger: loggerOptions(deps),
    bodyLimit: JSON_BODY_LIMIT,
    schemaController,
    // req.ip (password throttle, logs) is the proxy's address unless the operator names the proxy.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // The router's own refusals (a malformed escape, a path parameter over its length) in the error shape
    // of the face the URL belongs to, not Fastify's.
    frameworkErrors: (err, req, reply) => {
      req.log.info({ code: err.code }, "request refused by the router");
      if (isVoximplantUrl(req.url)) return sendVoxError(reply, invalidArgument(err.message));
      const { status, body } = toErrorResponse(err);
      return (reply as FastifyReply).status(status).send(body);
    },
    clientErrorHandler,
  };
  if (deps.https) options.https = deps.https;
  // Fastify's typings pick the server type from the options; the instance is the same either way.
  const app = Fastify(options) as unknown as FastifyInstance;

  installErrorHandling(app);
  // Before any route or scope: every one inherits it, but Voximplant, which reads JSON its own way.
  installStrictJsonParser(app);
  installAuth(app, { store, clock });
  await registerOpenApi(app, { version });
  // After the OpenAPI plugin, which documents only the routes added once it is in.
  installMetrics(app, { engine, token: config.metricsToken });
  await app.register(nativeApi, { store, engine, clock });
  await app.register(dashboard);
  await app.register(twin24Api, { store, engine, clock });
  await app.register(jaicpApi, { store, engine, clock });
  await app.register(xcallyApi, { store, engine, clock, maxBytes: config.maxImportBytes });
  await app.register(voximplantApi, { store, engine, clock, maxBytes: config.maxImportBytes });
  await app.register(async (scope) => {
    // The import routes live in lists/ and leave authorization to the application: adding contacts.
    // Their JSON bodies are held to the native API's rules on text.
    installNativeTextGuard(scope);
    scope.addHook("onRoute", (route) => {
      route.config = { permission: "contacts:write" satisfies Permission, ...(route.config ?? {}) };
    });
    await scope.register(importRoutes, {
      store,
      getAccountId: (req) => req.account.id,
      wake: () => engine.wake(),
      maxBytes: config.maxImportBytes,
      idleMs: config.importIdleMs,
      now: () => clock.now(),
    });
  });
  return app;
}

/**
 * Requests Node's HTTP parser refuses before Fastify routes them, in the error shape of the face the URL
 * belongs to rather than Fastify's default {"error": "…", "statusCode"}: a request line and headers over
 * http.maxHeaderSize (16 KiB, Node's default, kept: a larger one is more memory per connection for every
 * client), a request that is not HTTP, one that did not arrive in time. Written to the socket, as no reply
 * exists yet.
 */
function clientErrorHandler(this: FastifyInstance, err: ConnectionError, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const requestStart = requestStartOf(err);
  const refusal = clientErrorAnswer(err, requestStart);
  this.log[refusal.status === 400 ? "debug" : "info"](
    { code: err.code },
    "request refused by the HTTP parser",
  );
  if (socket.writable) socket.write(clientErrorResponse(refusal, requestTargetOf(requestStart)));
  socket.destroy(err);
}

/** The first bytes of the packet the parser was reading when it refused: the request's start when it came
 *  in one piece, as a request of a few tens of KiB from one write does (Fastify's typings say otherwise;
 *  Node gives a Buffer). Empty when there is none, as for a request that did not arrive in time. */
function requestStartOf(err: ConnectionError): string {
  const packet: unknown = err.rawPacket;
  return Buffer.isBuffer(packet) ? packet.subarray(0, 512).toString("latin1") : "";
}

/** The request target (path and query, cut at 512 bytes) of a request start; null when the packet does not
 *  begin with a request line (it was a later piece of the request). */
function requestTargetOf(requestStart: string): string | null {
  return /^[A-Z]+ (\/\S*)/.exec(requestStart)?.[1] ?? null;
}

function clientErrorAnswer(err: ConnectionError, requestStart: string): ApiError {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return new ApiError("request_timeout", 408, "the request did not arrive in time");
  }
  if (err.code === "HPE_HEADER_OVERFLOW") {
    return (
      addPhoneTooLong(requestStart, maxHeaderSize) ??
      new ApiError(
        "headers_too_large",
        431,
        `the request line and headers are over ${maxHeaderSize} bytes, the most this server reads`,
      )
    );
  }
  return new ApiError("invalid_request", 400, "the request is not valid HTTP");
}

/** The raw HTTP answer to a refused request, in the error shape of the face its URL belongs to, as
 *  frameworkErrors answers: Voximplant's clients drop non-2xx answers. Native when the URL is unknown. */
function clientErrorResponse(refusal: ApiError, target: string | null): string {
  const { status, body } =
    target !== null && isVoximplantUrl(target)
      ? { status: 200, body: voxErrorBody(parserRefusalToVox(refusal)) }
      : toErrorResponse(refusal);
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`
  );
}

function loggerOptions(deps: AppDeps): FastifyServerOptions["logger"] {
  if (!deps.logger) return false;
  return {
    level: deps.config.logLevel,
    ...(typeof deps.logger === "object" ? deps.logger : {}),
    // API keys travel in this header; they must never reach a log line.
    redact: { paths: ["req.headers.authorization", "headers.authorization"], censor: "[redacted]" },
    // Fastify's own request fields, with JAICP's campaign token (a secret in the path) blanked out.
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: urlForLog(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
}

/** A request's URL as logs may show it: secrets that some faces carry in the path or the query are
 *  replaced. */
export function urlForLog(url: string): string {
  // The router decodes the path before matching, so "/api/calls/%63ampaign/<token>" reaches the route too;
  // and "campaign%2F<token>" reaches the 404 handler's log line. Each segment is decoded on its own, so
  // one malformed escape (in the query, say) cannot keep the rest from being read.
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const decoded = path
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/");
  const query = q < 0 ? "" : `?${queryForLog(url.slice(q + 1))}`;
  if (!CAMPAIGN_TOKEN_IN_PATH.test(decoded)) return path + query;
  return decoded.replace(CAMPAIGN_TOKEN_IN_PATH, "$1[redacted]") + query;
}

/** Query parameters that are secrets: Voximplant's clients may send their API key as `api_key`. */
const SECRET_QUERY_PARAMS = new Set(["api_key"]);

/** A query string with the secrets' values replaced. A name is read as the faces read it (URLSearchParams:
 *  "api%5Fkey" is api_key too), and in any case. */
function queryForLog(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const at = pair.indexOf("=");
      const rawName = at < 0 ? pair : pair.slice(0, at);
      const name = new URLSearchParams(`${rawName}=`).keys().next().value ?? "";
      return SECRET_QUERY_PARAMS.has(name.trim().toLowerCase()) ? `${rawName}=[redacted]` : pair;
    })
    .join("&");
}
