// The Voximplant face at /platform_api: `POST /platform_api` with the method in `cmd`, or
// `/platform_api/<Method>`, parameters as multipart, url-encoded, query or raw-body (file_content) fields.
// Dispatches to methods.ts / views.ts, checks each method's own permission, renders errors the Voximplant way.
// Credentials: the Authorization header, or Voximplant's `account_id` + `api_key` parameters (query: checked
// by the auth hook; form body: checked here, once the body is read, before anything else).
import multipart, { type MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import type { NativeApiDeps } from "../../native/deps.ts";
import { authenticateParams } from "../../plugins/auth.ts";
import { type Permission, roleAllows } from "../../plugins/permissions.ts";
import { installVoxErrors, invalidArgument, VOX, VoxError } from "./errors.ts";
import {
  appendToList,
  createList,
  type MethodContext,
  recoverList,
  startNextTask,
  stopList,
} from "./methods.ts";
import { type Params, text } from "./params.ts";
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

const RAW_TYPES = ["text/csv", "application/csv", "application/octet-stream"];
/** Parts a multipart body may have: far more than the fields of any method. */
const MAX_PARTS = 200;

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

export async function voximplantApi(app: FastifyInstance, deps: VoximplantDeps): Promise<void> {
  installVoxErrors(app);
  await app.register(multipart, {
    // Every part is taken as a file, so its bytes reach us as they were sent: a text field is decoded by
    // the parser as UTF-8 with U+FFFD for what is not, and a windows-1251 file or list name sent so
    // (curl -F 'file_content=<f.csv') was stored garbled. The method reading a parameter decodes it.
    isPartAFile: () => true,
    limits: { fileSize: deps.maxBytes, files: MAX_PARTS },
  });
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: deps.maxBytes },
    (_req, body, done) => done(null, formFields(body as string)),
  );
  for (const type of RAW_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
    app.addContentTypeParser(type, { parseAs: "buffer", bodyLimit: deps.maxBytes }, (_req, body, done) =>
      done(null, body),
    );
  }

  /** The parameters, the caller authenticated by them when the auth hook could not (a form body's
   *  account_id + api_key); the api_key is dropped, so no method sees or stores it. */
  const authenticated = async (req: FastifyRequest): Promise<Params> => {
    const params = await collectParams(req, deps.maxBytes);
    const raw = (name: string) => {
      const v = params[name];
      return v === undefined ? undefined : typeof v === "string" ? v : v.toString("utf8");
    };
    await authenticateParams(req, { accountId: raw("account_id"), apiKey: raw("api_key") }, deps);
    delete params.api_key;
    return params;
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply, fromPath?: string): Promise<unknown> => {
    const params = await authenticated(req);
    const cmd = fromPath ?? text(params, "cmd")?.trim();
    if (!cmd) throw new VoxError(VOX.MISSING_CMD, "Missing 'cmd' parameter");
    const method = BY_LOWER.get(cmd.toLowerCase());
    if (!method) throw new VoxError(VOX.UNKNOWN_COMMAND, `Unknown command '${cmd}'`);
    if (!roleAllows(req.account.role, method.permission)) {
      throw new VoxError(
        VOX.FORBIDDEN_COMMAND,
        `Forbidden command: role ${req.account.role} may not call ${cmd}`,
      );
    }
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

/** The bytes a form value's percent-escapes stand for ('+' a space), whatever their encoding. */
function percentBytes(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === "%" && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch === "+") bytes.push(0x20);
    else for (const b of Buffer.from(ch, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes);
}

/**
 * A url-encoded form (a body, or a query string) as fields; the last of a repeated name wins. Each value
 * keeps its bytes, for the method to read: `file_content` in its `encoding`, the others as UTF-8 or refused.
 * Decoded as UTF-8 here, a windows-1251 file sent this way was lost (U+FFFD, or left as escapes by the query
 * parser and stored as an empty list).
 */
function formFields(form: string): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const pair of form.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const rawName = at < 0 ? pair : pair.slice(0, at);
    const rawValue = at < 0 ? "" : pair.slice(at + 1);
    const [[name] = [""]] = new URLSearchParams(`${rawName}=`);
    out[name] = percentBytes(rawValue);
  }
  return out;
}

/** A multipart part's bytes (every part is a file, see the multipart registration). */
async function partBytes(part: MultipartFile, maxBytes: number): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (err) {
    // @fastify/multipart cuts a part at fileSize and says so by this error: refused naming the field, as a
    // raw body over the limit is, never imported cut short.
    if ((err as { code?: unknown }).code === "FST_REQ_FILE_TOO_LARGE") {
      throw invalidArgument(
        `Request body is too large: the '${part.fieldname}' field is over ${maxBytes} bytes`,
      );
    }
    throw err;
  }
}

/** Query fields, then the body's: multipart fields and files, url-encoded or JSON fields, or a raw body as
 *  file_content. Later sources win. */
async function collectParams(req: FastifyRequest, maxBytes: number): Promise<Params> {
  const out: Params = {};
  const put = (source: unknown) => {
    if (!source || typeof source !== "object") return;
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      const last = Array.isArray(v) ? v[v.length - 1] : v;
      // Voximplant's parameters are texts and numbers; a JSON body may hold anything (5,000 nested arrays
      // overflowed the stack of String()).
      if (last !== null && typeof last === "object" && !Buffer.isBuffer(last)) {
        throw invalidArgument(`The '${k}' parameter must be a text or a number`);
      }
      out[k] = Buffer.isBuffer(last) ? last : String(last ?? "");
    }
  };
  const query = req.url.indexOf("?");
  put(query < 0 ? {} : formFields(req.url.slice(query + 1)));
  if (req.isMultipart()) {
    try {
      for await (const part of req.parts()) {
        if (part.type !== "file") throw new Error(`multipart: the '${part.fieldname}' part was read as text`);
        out[part.fieldname] = await partBytes(part, maxBytes);
      }
    } catch (err) {
      // The multipart parser's own errors (no boundary, a body cut short) carry no status: the client's.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (err instanceof VoxError || typeof status === "number") throw err;
      throw invalidArgument(`Malformed multipart body: ${(err as Error).message}`);
    }
  } else if (Buffer.isBuffer(req.body) || typeof req.body === "string") {
    out.file_content = req.body;
  } else if (req.body !== undefined && req.body !== null) {
    if (typeof req.body !== "object") throw invalidArgument("Unreadable request body");
    put(req.body);
  }
  return out;
}
