// JSON schema pieces shared by the native routes: ids, paging, timestamps, report periods, error responses.
import { errorResponseSchema, invalidRequest } from "../../plugins/errors.ts";

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 50;

/** A row id: bounded so that no id reaches a database as a number it cannot hold (PostgreSQL's bigint,
 *  SQLite's integer) or JavaScript cannot represent exactly; such an id simply matches nothing. */
export const idSchema = { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** `{ <name>: id }` path parameters. */
export function idParams(...names: string[]) {
  return {
    type: "object",
    required: names,
    additionalProperties: false,
    properties: Object.fromEntries(names.map((n) => [n, idSchema])),
  } as const;
}

export const limitQuery = {
  type: "integer",
  minimum: 1,
  maximum: MAX_PAGE_SIZE,
  default: DEFAULT_PAGE_SIZE,
  description: `Page size, 1–${MAX_PAGE_SIZE}`,
} as const;

export const afterIdQuery = {
  type: "integer",
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: "Keyset paging: only rows with a larger id (pass the previous page's next_after_id)",
} as const;

export const nextAfterId = {
  type: ["integer", "null"],
  description: "Pass as after_id for the next page; null on the last page",
} as const;

/** The query string of a list paged by keyset and nothing else. */
export const keysetQuery = {
  type: "object",
  additionalProperties: false,
  properties: { after_id: afterIdQuery, limit: limitQuery },
} as const;

/** The answer of a list paged by keyset (deps.ts `keysetPage`). */
export function keysetPageSchema<T extends object>(items: T) {
  return {
    type: "object",
    required: ["data", "next_after_id"],
    properties: { data: { type: "array", items }, next_after_id: nextAfterId },
  } as const;
}

/** An http(s) URL a webhook goes to, the pattern's body without anchors (a face may allow "" beside it).
 *  Schemes are case-insensitive (RFC 3986 §3.1): HTTPS://… is a URL new URL() and a request take. */
export const WEBHOOK_URL_BODY = "[Hh][Tt][Tt][Pp][Ss]?://\\S+";

export const isoTime = { type: "string", format: "date-time" } as const;
export const isoTimeOrNull = { type: ["string", "null"], format: "date-time" } as const;
export const isoTimeQuery = {
  type: "string",
  format: "date-time",
  description: "ISO 8601 date-time, e.g. 2025-03-01T09:00:00Z",
} as const;

/** A query value holding one or more of `values`, comma-separated ("pending,failed"). */
export function commaListQuery(values: readonly string[], what: string) {
  const one = `(?:${values.join("|")})`;
  return {
    type: "string",
    pattern: `^${one}(?:,${one})*$`,
    description: `A comma-separated list of ${what}: ${values.join(", ")}`,
  } as const;
}

export function splitList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",");
}

/** The error responses every route may give, for the OpenAPI document. */
export const errorResponses = { "4xx": errorResponseSchema, "5xx": errorResponseSchema } as const;

export const objectOfAnything = { type: "object", additionalProperties: true } as const;

/** A `date-time` the schema accepted, in ms; a 400 naming `field` for the one kind it lets through that Date
 *  cannot read (a leap second, 23:59:60). */
export function readableTime(value: string, field: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw invalidRequest(`${field} is not a date-time JavaScript can read: ${value}`, field);
  return t;
}

/** A report's period from its `from` and `to` query times (to defaults to `now`; from to null, the
 *  beginning): a 400 unless from is before to, naming the parameter the caller sent — querystring.from
 *  when `to` was left to default to now, as nobody should be told about a `to` they never gave. */
export function reportPeriod(
  q: { from?: string; to?: string },
  now: number,
): { from: number | null; to: number } {
  const to = q.to === undefined ? now : readableTime(q.to, "querystring.to");
  const from = q.from === undefined ? null : readableTime(q.from, "querystring.from");
  if (from !== null && from >= to) {
    if (q.to === undefined)
      throw invalidRequest("from must be before now (to defaults to now)", "querystring.from");
    throw invalidRequest("to must be after from", "querystring.to");
  }
  return { from, to };
}
