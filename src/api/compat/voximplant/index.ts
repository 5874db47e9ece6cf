// The Voximplant face at /platform_api: `POST /platform_api` with the method in `cmd`, or
// `/platform_api/<Method>`, parameters as multipart, url-encoded, query or raw-body (file_content) fields.
// Dispatches to methods.ts / views.ts, checks each method's own permission, renders errors the Voximplant way.
// Credentials: the Authorization header, or Voximplant's `account_id` + `api_key` parameters (query: checked
// by the auth hook; form body: checked here, once the body is read, before anything else).
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import type { NativeApiDeps } from "../../native/deps.ts";
import { authenticateParams } from "../../plugins/auth.ts";
import { type Permission, roleAllows } from "../../plugins/permissions.ts";
import { collectParams, installBodyParsers, RAW_TYPES } from "./body.ts";
import { installVoxErrors, VOX, VoxError } from "./errors.ts";
import { appendToList, createList, type MethodContext, recoverList, startNextTask } from "./methods.ts";
import { type Params, single, text } from "./params.ts";
import { stopList } from "./stop-list.ts";
import { getCallListDetails, getCallLists } from "./views.ts";

export interface VoximplantDeps extends NativeApiDeps {
  /** Largest file_content accepted (bytes). */
  maxBytes: number;
}

type Run = (ctx: MethodContext, p: Params, reply: FastifyReply) => Promise<unknown>;

/** Each method with the permission it needs: the seed's roles Owner, Admin, Developer and Call list manager
 *  are exactly outdial's holders of contacts:write; reading needs campaigns:read (every role but agent). */
const METHODS: Record<string, { permission: Permission; run: Run }> = {
  CreateCallList: { permission: "contacts:write", run: (ctx, p) => createList(ctx, p, false) },
  CreateManualCallList: { permission: "contacts:write", run: (ctx, p) => createList(ctx, p, true) },
  StartNextCallTask: { permission: "contacts:write", run: startNextTask },
  AppendToCallList: { permission: "contacts:write", run: appendToList },
  GetCallLists: { permission: "campaigns:read", run: getCallLists },
  GetCallListDetails: {
    permission: "campaigns:read",
    run: async (ctx, p, reply) => {
      // Checked before the first byte: errors up to here are Voximplant's own answers. Once the answer
      // streams, a failed read can only cut it short (and is logged).
      const out = await getCallListDetails(ctx, p, (err) =>
        reply.log.error({ err }, "GetCallListDetails failed"),
      );
      reply.type(out.contentType);
      if (out.fileName) reply.header("content-disposition", `attachment; filename="${out.fileName}"`);
      return reply.send(out.body);
    },
  },
  StopCallListProcessing: { permission: "contacts:write", run: stopList },
  RecoverCallList: { permission: "contacts:write", run: recoverList },
};
const BY_LOWER = new Map(Object.entries(METHODS).map(([name, m]) => [name.toLowerCase(), m]));

const responses = {
  200: {
    description:
      'The method\'s answer ({"result", "count", "list_id", …}), a file for GetCallListDetails in CSV or XLS, or ' +
      'an error {"error": {"code", "msg"}}: Voximplant\'s clients read errors from HTTP 200 answers',
    type: "object",
    additionalProperties: true,
  },
  "4XX": {
    description:
      "Not sent: every error is HTTP 200 with {error: {code, msg}}, as Voximplant's clients expect",
    type: "object",
    additionalProperties: true,
  },
} as const;

/**
 * A write method by GET under Basic credentials (an account user's, an outdial extension: Voximplant's
 * clients send account_id + api_key or a JWT) is refused: a browser that remembers them attaches them to an
 * image another site's page embeds, and such a GET may carry no Origin, Referer or Sec-Fetch-Site to tell
 * (auth.ts refuseCrossSiteBasic).
 */
function refuseBasicWriteByGet(req: FastifyRequest, cmd: string, permission: Permission): void {
  if (req.method !== "GET" || req.account.via.kind !== "user" || permission.endsWith(":read")) return;
  throw new VoxError(
    VOX.FORBIDDEN_COMMAND,
    `Forbidden command: ${cmd} by GET with a user's password; send it by POST, or with api_key or a Bearer token`,
  );
}

export async function voximplantApi(app: FastifyInstance, deps: VoximplantDeps): Promise<void> {
  installVoxErrors(app);
  await installBodyParsers(app, deps.maxBytes);

  /** The parameters, the caller authenticated by them when the auth hook could not (a form body's
   *  account_id + api_key); the api_key is dropped, so no method sees or stores it. */
  const authenticated = async (req: FastifyRequest): Promise<Params> => {
    const params = await collectParams(req, deps.maxBytes);
    const raw = (name: string) => {
      const v = single(params, name);
      return v === undefined ? undefined : typeof v === "string" ? v : v.toString("utf8");
    };
    await authenticateParams(
      req,
      { accountId: raw("account_id"), accountName: raw("account_name"), apiKey: raw("api_key") },
      deps,
    );
    delete params.api_key;
    return params;
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply, fromPath?: string): Promise<unknown> => {
    const params = await authenticated(req);
    // "/platform_api/" routes with an empty method: the cmd parameter names it, as at "/platform_api".
    const cmd = fromPath || text(params, "cmd")?.trim();
    if (!cmd) throw new VoxError(VOX.MISSING_CMD, "Missing 'cmd' parameter");
    const method = BY_LOWER.get(cmd.toLowerCase());
    if (!method) throw new VoxError(VOX.UNKNOWN_COMMAND, `Unknown command '${cmd}'`);
    if (!roleAllows(req.account.role, method.permission)) {
      throw new VoxError(
        VOX.FORBIDDEN_COMMAND,
        `Forbidden command: role ${req.account.role} may not call ${cmd}`,
      );
    }
    refuseBasicWriteByGet(req, cmd, method.permission);
    const ctx: MethodContext = { ...deps, accountId: req.account.id };
    return method.run(ctx, params, reply);
  };

  const common = {
    // Its GET forms run write methods with the credentials in the query: a HEAD (a link checker, a chat
    // app's preview of the URL), which Fastify would answer with the GET's handler, must run nothing.
    exposeHeadRoute: false,
    bodyLimit: deps.maxBytes,
    config: { permission: "campaigns:read" as Permission, paramCredentials: true },
  };
  app.post(
    "/platform_api",
    {
      ...common,
      schema: {
        tags: ["voximplant"],
        summary:
          "Voximplant: call a method named in the `cmd` field (multipart or url-encoded, or the query)",
        consumes: ["multipart/form-data", "application/x-www-form-urlencoded", ...RAW_TYPES],
        response: responses,
      },
    },
    (req, reply) => handle(req, reply),
  );
  for (const method of ["GET", "POST"] as const) {
    // Voximplant's own URLs are often written with a trailing slash (/platform_api/GetCallLists/).
    for (const url of ["/platform_api/:method", "/platform_api/:method/"]) {
      app.route<{ Params: { method: string } }>({
        method,
        url,
        ...common,
        schema: {
          tags: ["voximplant"],
          summary: "Voximplant: call the method in the path with query or form parameters",
          params: { type: "object", properties: { method: { type: "string" } }, required: ["method"] },
          response: responses,
          hide: url.endsWith("/"),
        },
        handler: (req, reply) => handle(req, reply, req.params.method),
      });
    }
  }
  // The method in the query: GET /platform_api?cmd=GetCallLists, as Voximplant's clients also send it.
  app.get(
    "/platform_api",
    {
      ...common,
      schema: {
        tags: ["voximplant"],
        summary: "Voximplant: call the method named in the `cmd` query parameter, with query parameters",
        querystring: {
          type: "object",
          properties: { cmd: { type: "string", description: "The method, e.g. GetCallLists" } },
        },
        response: responses,
      },
    },
    (req, reply) => handle(req, reply),
  );
  // Anything else under /platform_api is an unknown command, answered the Voximplant way, not as a
  // native 404 its clients would drop.
  const unknown = async (req: FastifyRequest) => {
    await authenticated(req);
    throw new VoxError(VOX.UNKNOWN_COMMAND, `Unknown command ${req.method} '${req.url.split("?")[0]}'`);
  };
  const otherMethods: HTTPMethods[] = ["PUT", "DELETE", "PATCH", "OPTIONS"];
  app.route({
    method: otherMethods,
    url: "/platform_api",
    ...common,
    schema: { hide: true },
    handler: unknown,
  });
  app.route({
    method: ["GET", "POST", ...otherMethods],
    url: "/platform_api/*",
    ...common,
    schema: { hide: true },
    handler: unknown,
  });
}
