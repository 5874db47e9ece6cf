// Reading Voximplant's text parameters (every value arrives as a form or query string, or a JSON body's
// field): integers, booleans, ';'-separated id lists (or a JSON body's arrays), UTC dates and names, each
// failing with Voximplant's "Invalid arguments". Pure.
import { isIP } from "node:net";
import { strictUtf8 } from "../../../lib/strict-utf8.ts";
import { stringProblem } from "../../plugins/text-guard.ts";
import { invalidArgument } from "./errors.ts";

/** A JSON body's array of texts and numbers, each as text: read only by a parameter that takes a list
 *  (intList), refused by every other (cut to its last element, {"list_id": [1, 2]} read as list 2 alone). */
export class ListValue {
  constructor(readonly items: readonly string[]) {}
}

/** What a request carried: text (a JSON body's fields), the bytes a field came as (multipart parts,
 *  url-encoded and query values), read as text only by the method that wants the parameter, or a JSON
 *  body's list. */
export type Params = Record<string, string | Buffer | ListValue>;

/** A parameter that takes one value, as it came: a list is refused, naming the parameter. */
export function single(p: Params, name: string): string | Buffer | undefined {
  const v = p[name];
  if (v instanceof ListValue) throw invalidArgument(`The '${name}' parameter takes one value, not a list`);
  return v;
}

export function text(p: Params, name: string): string | undefined {
  const v = single(p, name);
  if (v === undefined) return undefined;
  const s = typeof v === "string" ? v : utf8Text(name, v);
  // PostgreSQL stores no NUL in text, and a lone surrogate would come back as U+FFFD: refused here, as every
  // text parameter is read through text().
  const problem = stringProblem(s);
  if (problem === "nul") throw invalidArgument(`The '${name}' parameter cannot contain a NUL character`);
  if (problem === "surrogate") {
    throw invalidArgument(`The '${name}' parameter cannot contain a lone UTF-16 surrogate`);
  }
  return s === "" ? undefined : s;
}

/** A parameter's bytes as text: UTF-8, as Voximplant's parameters are, or refused rather than stored with
 *  U+FFFD in place of the bytes (a list named in windows-1251, sent by a form in that encoding). */
function utf8Text(name: string, bytes: Buffer): string {
  // A leading BOM is kept, as U+FEFF: a parameter's text is stored as sent.
  const text = strictUtf8(bytes);
  if (text === undefined) throw invalidArgument(`The '${name}' parameter is not UTF-8 text`);
  return text;
}

export function required(p: Params, name: string): string {
  const v = text(p, name);
  if (v === undefined) throw invalidArgument(`The '${name}' parameter is required`);
  return v;
}

export function int(
  p: Params,
  name: string,
  opts: { min?: number; max?: number; required?: boolean } = {},
): number | undefined {
  const raw = opts.required ? required(p, name) : text(p, name);
  if (raw === undefined) return undefined;
  const t = raw.trim();
  const n = /^[+-]?\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw invalidArgument(`The '${name}' parameter must be an integer`);
  return inRange(name, n, opts);
}

function inRange(name: string, n: number, opts: { min?: number; max?: number }): number {
  if (opts.min !== undefined && n < opts.min)
    throw invalidArgument(`The '${name}' parameter must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max)
    throw invalidArgument(`The '${name}' parameter must be at most ${opts.max}`);
  return n;
}

/** A decimal number ("1", "1.5"); Voximplant's "number" parameters that are not ids or counts. */
export function decimal(
  p: Params,
  name: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  const t = text(p, name)?.trim();
  if (t === undefined) return undefined;
  const n = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isFinite(n)) throw invalidArgument(`The '${name}' parameter must be a number`);
  return inRange(name, n, opts);
}

export function bool(p: Params, name: string): boolean | undefined {
  const raw = text(p, name)?.trim().toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw invalidArgument(`The '${name}' parameter must be true or false`);
}

/** "1;2;3" (or a JSON body's [1, 2, 3]) → [1,2,3]; "all" → null (no filter). "any" too: the docs say
 *  'all', but the official Node client types these filters `'any' | number | number[]`. */
export function intList(p: Params, name: string): number[] | null | undefined {
  const parts = listParts(p, name);
  if (parts === undefined) return undefined;
  if (parts.length === 1 && ["all", "any"].includes(parts[0].trim().toLowerCase())) return null;
  return parts.map((part) => {
    const t = part.trim();
    const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
    // An id past 2^53 would reach the database as 1e20 (or Infinity): out of a bigint's range.
    if (!Number.isSafeInteger(n) || n < 1)
      throw invalidArgument(`The '${name}' parameter must be ids (1 or more) separated by ';' or 'all'`);
    return n;
  });
}

/** A list parameter's parts: a JSON body's array elements, or a text's ';'-separated parts. */
function listParts(p: Params, name: string): string[] | undefined {
  const v = p[name];
  if (!(v instanceof ListValue)) return text(p, name)?.trim().split(";");
  // An empty list would read as no filter at all: everything, for a client that asked for nothing.
  if (v.items.length === 0) throw invalidArgument(`The '${name}' parameter is an empty list`);
  return [...v.items];
}

/** "YYYY-MM-DD HH:mm:ss", UTC → ms epoch. */
export function utcDate(p: Params, name: string): number | undefined {
  const raw = text(p, name)?.trim();
  if (raw === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(raw);
  const ms = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) : Number.NaN;
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 or 00:99 over into the next day or hour: every part must survive as given.
  const same =
    m !== null &&
    back.getUTCFullYear() === +m[1] &&
    back.getUTCMonth() === +m[2] - 1 &&
    back.getUTCDate() === +m[3] &&
    back.getUTCHours() === +(m[4] ?? 0) &&
    back.getUTCMinutes() === +(m[5] ?? 0) &&
    back.getUTCSeconds() === +(m[6] ?? 0);
  if (!m || Number.isNaN(ms) || !same) {
    throw invalidArgument(`The '${name}' parameter must be a UTC date as YYYY-MM-DD HH:mm:ss`);
  }
  return ms;
}

/** A call list name: 1–255 characters, neither '/' nor '\'. */
export function listName(p: Params, name: string): string {
  const v = required(p, name);
  // Characters (code points), not UTF-16 units: 200 emoji are 200 characters. Lone surrogates are refused
  // by text().
  if ([...v].length > 255) throw invalidArgument(`The '${name}' parameter must be at most 255 characters`);
  if (/[/\\]/.test(v)) throw invalidArgument(`The '${name}' parameter cannot contain '/' or '\\'`);
  return v;
}

export function oneOf<T extends string>(p: Params, name: string, values: readonly T[]): T | undefined {
  const v = text(p, name)?.trim();
  if (v === undefined) return undefined;
  const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
  if (!hit) throw invalidArgument(`The '${name}' parameter must be one of ${values.join(", ")}`);
  return hit;
}

export function ipAddress(p: Params, name: string): string | undefined {
  const v = text(p, name)?.trim();
  if (v !== undefined && isIP(v) === 0)
    throw invalidArgument(`The '${name}' parameter must be an IP address`);
  return v;
}

/** "YYYY-MM-DD HH:mm:ss" of a ms epoch, UTC (Voximplant's date format). */
export function formatUtc(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "");
}
