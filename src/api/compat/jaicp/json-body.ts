// How addPhones reads its JSON body: as the app reads JSON (strictly UTF-8, then Fastify's parser), except
// that a key the parser refuses as prototype poisoning ("__proto__", or "constructor" holding "prototype")
// is a 400 naming where it is ("[0].payload.__proto__"), as GET addPhone names a "__proto__" query
// parameter, rather than "Body is not valid JSON" naming nothing: a script's payload is the client's own
// names, and such a name in it is not malformed JSON.
import type { FastifyInstance } from "fastify";
import { invalidRequest } from "../../plugins/errors.ts";
import { fastifyJsonParser, installStrictJsonParser } from "../../plugins/json-body.ts";

/** A job's payload, where GET addPhone's query parameters go too. */
const PAYLOAD = /^\[\d+\]\.payload$/;

/** Installs the parser in `app`'s scope (the face's: the app's other routes keep the app's). */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = fastifyJsonParser(app);
  installStrictJsonParser(app, (req, text, done) => {
    parseJson(req, text, (err, body) => {
      done(err === null ? null : (reservedKeyRefusal(text) ?? err), body);
    });
  });
}

/** The refusal naming the first reserved key of `text`, when `text` is JSON and holds one; else undefined
 *  (the body is malformed or empty, and Fastify's answer stands). */
function reservedKeyRefusal(text: string): Error | undefined {
  let value: unknown;
  try {
    // Fastify's parser drops a leading BOM before JSON.parse; a plain JSON.parse keeps "__proto__" as an
    // own key, as any other, without touching a prototype.
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  const found = reservedKey(value);
  if (found === undefined) return undefined;
  const what = PAYLOAD.test(found.holder) ? "a payload parameter" : "a field";
  return invalidRequest(`${found.path}: a reserved name, not taken as ${what}`, found.path);
}

const member = (path: string, key: string | number): string =>
  typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;

/**
 * Where the first key lies that Fastify's parser (secure-json-parse) refuses: an own "__proto__", or an own
 * "constructor" that is an object with an own "prototype". `holder` is the path of the object holding it.
 * A stack, not recursion: a body of 16 MiB may nest a million levels deep.
 */
function reservedKey(value: unknown): { path: string; holder: string } | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, at] = next;
    if (item === null || typeof item !== "object") continue;
    if (Object.hasOwn(item, "__proto__")) return { path: member(at, "__proto__"), holder: at };
    const ctor = (item as Record<string, unknown>).constructor;
    if (Object.hasOwn(item, "constructor") && ctor !== null && typeof ctor === "object") {
      if (Object.hasOwn(ctor, "prototype")) {
        return { path: member(member(at, "constructor"), "prototype"), holder: at };
      }
    }
    const entries: [string | number, unknown][] = Array.isArray(item)
      ? item.map((v, i) => [i, v])
      : Object.entries(item);
    // Pushed in reverse, so that the first in reading order is found first.
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], member(at, entries[i][0])]);
  }
  return undefined;
}
