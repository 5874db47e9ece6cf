// Text that cannot be stored faithfully is refused up front, each face in its own error format, naming the
// field: a NUL character ("\u0000" is valid JSON, "%00" a valid query byte), which PostgreSQL refuses in
// text columns (a 500 from the store, and stored on SQLite); a lone UTF-16 surrogate ("\ud800" is valid
// JSON), which both stores turn into U+FFFD (two distinct external ids then read back as one); and nesting
// deeper than any field of any face needs, which overflowed the stack of the walks below (a 10 KB body of
// 5,000 nested arrays answered 500). The native API and every vendor face install it.
import type { FastifyInstance } from "fastify";
import { invalidRequest } from "./errors.ts";

const NUL = "\u0000";
/** Nesting deeper than this is refused; no field of any face is a tenth as deep. */
export const MAX_DEPTH = 32;
/** A UTF-16 surrogate not part of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface TextProblem {
  /** Where in the part: "" for the value itself, "name", "contacts[2].phone". */
  path: string;
  reason: "nul" | "surrogate" | "depth";
}

/** Why this text cannot be stored as sent, if it cannot. */
export function stringProblem(text: string): "nul" | "surrogate" | undefined {
  if (text.includes(NUL)) return "nul";
  return LONE_SURROGATE.test(text) ? "surrogate" : undefined;
}

/** A value met in the walk: where it sits is kept as its parent and key, and spelt out only for a problem. */
interface Visit {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Visit | null;
}

function pathOf(visit: Visit, last?: string): string {
  const keys: (string | number)[] = last === undefined ? [] : [last];
  for (let at: Visit | null = visit; at !== null && at.key !== null; at = at.parent) keys.unshift(at.key);
  let path = "";
  for (const k of keys) path = typeof k === "number" ? `${path}[${k}]` : path === "" ? k : `${path}.${k}`;
  return path;
}

/** The first string (value or key) of a parsed body or query that cannot be stored as sent, or the first
 *  value nested too deep; undefined when there is none. Buffers and streams (raw uploads) are not text and
 *  are not looked into. Iterative, so no body can overflow the stack. */
export function textProblem(value: unknown): TextProblem | undefined {
  const stack: Visit[] = [{ value, depth: 0, key: null, parent: null }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const v = visit.value;
    if (typeof v === "string") {
      const reason = stringProblem(v);
      if (reason) return { path: pathOf(visit), reason };
      continue;
    }
    // A raw upload's body is bytes, or the request stream itself (the import routes read it as it comes),
    // whose sockets the walk must not enter. Anything else is walked: a query or path parameters come as
    // objects of their parsers' own classes, not plain ones (skipping those let a NUL through).
    if (v === null || typeof v !== "object" || Buffer.isBuffer(v) || isStream(v)) continue;
    if (visit.depth >= MAX_DEPTH) return { path: pathOf(visit), reason: "depth" };
    const depth = visit.depth + 1;
    // Pushed in reverse, so that values are looked at in reading order.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, key: i, parent: visit });
      continue;
    }
    const entries = Object.entries(v);
    for (const [k] of entries) {
      const reason = stringProblem(k);
      if (reason) return { path: pathOf(visit, k), reason };
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      stack.push({ value: entries[i][1], depth, key: entries[i][0], parent: visit });
    }
  }
  return undefined;
}

function isStream(v: object): boolean {
  return typeof (v as { pipe?: unknown }).pipe === "function";
}

export function textProblemMessage(field: string, reason: TextProblem["reason"]): string {
  const what = field === "" ? "the body" : field;
  if (reason === "nul") return `${what}: text cannot contain a NUL character (\\u0000)`;
  if (reason === "surrogate")
    return `${what}: text cannot contain a lone UTF-16 surrogate (\\ud800 to \\udfff)`;
  return `${what}: nested deeper than ${MAX_DEPTH} levels`;
}

export type RequestPart = "params" | "querystring" | "body";

/** Refuses, before schema validation, a request whose path parameters, query or body hold text that
 *  cannot be stored (see textProblem). `field` is the path inside `part` ("" for the part itself). */
export function installTextGuard(
  app: FastifyInstance,
  refuse: (field: string, part: RequestPart, reason: TextProblem["reason"]) => Error,
): void {
  app.addHook("preValidation", async (req) => {
    const parts: [RequestPart, unknown][] = [
      ["params", req.params],
      ["querystring", req.query],
      ["body", req.body],
    ];
    for (const [part, value] of parts) {
      const problem = textProblem(value);
      if (problem) throw refuse(problem.path, part, problem.reason);
    }
  });
}

/** A field named as the native API names it: "body.name", "querystring.q", "body[2].phone". */
export function qualifiedField(part: RequestPart, field: string): string {
  if (field === "") return part;
  return field.startsWith("[") ? `${part}${field}` : `${part}.${field}`;
}

/** The guard in the native API's error format: `{error: {code, message, field: "body.name"}}`. */
export function installNativeTextGuard(app: FastifyInstance): void {
  installTextGuard(app, (field, part, reason) => {
    const named = qualifiedField(part, field);
    return invalidRequest(textProblemMessage(named, reason), named);
  });
}
