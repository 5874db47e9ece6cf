// Text with a NUL character ("\u0000" is valid JSON, "%00" a valid query byte) cannot be stored: PostgreSQL
// refuses NUL in text columns. The faces refuse it up front, each in its own error format, naming the field,
// instead of answering a 500 from the store on PostgreSQL (and storing it on SQLite). The native API and
// every vendor face install it.
import type { FastifyInstance } from "fastify";

const NUL = "\u0000";

/** The path of the first string (value or key) holding a NUL in a parsed body or query, "" for the value
 *  itself; undefined when there is none. Buffers (raw uploads) are not text and are not looked into. */
export function nulPath(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return value.includes(NUL) ? path : undefined;
  if (value === null || typeof value !== "object" || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = nulPath(value[i], `${path}[${i}]`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const at = path === "" ? k : `${path}.${k}`;
    if (k.includes(NUL)) return at;
    const hit = nulPath(v, at);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

export function nulMessage(field: string): string {
  return `${field === "" ? "the body" : field}: text cannot contain a NUL character (\\u0000)`;
}

export type RequestPart = "params" | "querystring" | "body";

/** Refuses, before schema validation, a request whose path parameters, query or body hold a NUL. `field`
 *  is the path inside `part` ("" for the part itself). */
export function installNulGuard(
  app: FastifyInstance,
  refuse: (field: string, part: RequestPart) => Error,
): void {
  app.addHook("preValidation", async (req) => {
    const parts: [RequestPart, unknown][] = [
      ["params", req.params],
      ["querystring", req.query],
      ["body", req.body],
    ];
    for (const [part, value] of parts) {
      const field = nulPath(value);
      if (field !== undefined) throw refuse(field, part);
    }
  });
}

/** A field named as the native API names it: "body.name", "querystring.q", "body[2].phone". */
export function qualifiedField(part: RequestPart, field: string): string {
  if (field === "") return part;
  return field.startsWith("[") ? `${part}${field}` : `${part}.${field}`;
}
