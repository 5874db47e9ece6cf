// How the Voximplant face reads a request's parameters: the query, then the body as multipart parts,
// url-encoded or JSON fields, or a raw file_content. Every value keeps its bytes (or, from JSON, is strictly
// UTF-8), for the method reading it to decode; every body is held to the face's size limit. Registered in
// the face's own scope: the app's other routes keep the app's (plugins/json-body.ts for JSON).
import multipart, { type MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { strictUtf8 } from "../../../lib/strict-utf8.ts";
import { invalidArgument, VoxError } from "./errors.ts";
import { ListValue, type Params } from "./params.ts";

/** A raw body's types, read as file_content's bytes. text/plain too (curl's --data-binary with it, a client's
 *  default for a string body): through Fastify's own parser it was decoded as UTF-8 with U+FFFD for what is
 *  not, and a windows-1251 file was stored garbled with result:true. */
export const RAW_TYPES = ["text/csv", "application/csv", "application/octet-stream", "text/plain"];
/** Parts a multipart body may have: far more than the fields of any method. */
const MAX_PARTS = 200;
/**
 * What the parts of a multipart body other than file_content may hold together. They are short texts (a
 * name of at most 255 characters, ids, dates, custom_params): 64 KiB is far more than any method reads. With
 * file_content's own limit (maxBytes, all its parts together) it bounds a whole multipart body to
 * maxBytes + 64 KiB: each part was read whole up to maxBytes, up to 200 of them (40 GiB under the default
 * 200 MiB limit) before any method ran.
 */
export const OTHER_PARTS_MAX_BYTES = 64 * 1024;

/** U+FFFD as UTF-8. */
const REPLACEMENT_CHARACTER = Buffer.from("\uFFFD");

export async function installBodyParsers(app: FastifyInstance, maxBytes: number): Promise<void> {
  await app.register(multipart, {
    // Every part is taken as a file, so its bytes reach us as they were sent: a text field is decoded by
    // the parser as UTF-8 with U+FFFD for what is not, and a windows-1251 file or list name sent so
    // (curl -F 'file_content=<f.csv') was stored garbled. The method reading a parameter decodes it.
    isPartAFile: () => true,
    limits: { fileSize: maxBytes, files: MAX_PARTS },
  });
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: maxBytes },
    (_req, body, done) => done(null, formFields(body as string)),
  );
  // Fastify's own parser reads the body as UTF-8 with U+FFFD for bytes that are not: a list name and a file
  // in windows-1251 were stored garbled and answered result:true (with `charset=windows-1251` declared too).
  const parseJson = app.getDefaultJsonParser("error", "error");
  if (app.hasContentTypeParser("application/json")) app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    "application/json",
    { parseAs: "buffer", bodyLimit: maxBytes },
    (req, body, done) => {
      // An empty body is no body, as on the app's other routes (plugins/json-body.ts): the parameters may
      // all be in the query, and a client may set this type on every request.
      if ((body as Buffer).length === 0) {
        done(null, undefined);
        return;
      }
      // The BOM dropped here, and Fastify's parser drops one more: as the face has read a JSON body so far.
      const text = strictUtf8(body as Buffer, { dropBom: true });
      if (text === undefined) {
        done(notUtf8Json(body as Buffer), undefined);
        return;
      }
      parseJson(req, text, done);
    },
  );
  for (const type of RAW_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
    app.addContentTypeParser(type, { parseAs: "buffer", bodyLimit: maxBytes }, (_req, body, done) =>
      done(null, body),
    );
  }
}

/** The refusal of a JSON body that is not UTF-8 (RFC 8259: JSON is), naming the parameter it lost bytes in
 *  when that can be told. */
function notUtf8Json(body: Buffer): VoxError {
  const name = fieldWithLostBytes(body);
  const how =
    "a JSON body is read as UTF-8; send a file in another encoding as a multipart part, a url-encoded field " +
    "or the request body, with 'encoding'";
  return invalidArgument(
    name === null
      ? `The request body is not UTF-8 text: ${how}`
      : `The '${name}' parameter is not UTF-8 text: ${how}`,
  );
}

/** The first field whose name or text holds U+FFFD once the body is read leniently, i.e. where bytes that are
 *  not UTF-8 were; null when that cannot be told (the body sends a U+FFFD of its own, or is no JSON object). */
function fieldWithLostBytes(body: Buffer): string | null {
  if (body.includes(REPLACEMENT_CHARACTER)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  for (const [name, value] of Object.entries(parsed)) {
    if (name.includes("\uFFFD") || (typeof value === "string" && value.includes("\uFFFD"))) return name;
  }
  return null;
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

/** The bytes a multipart body's parts have brought so far: file_content's up to maxBytes in all, the other
 *  parts' up to OTHER_PARTS_MAX_BYTES in all. Refused (101) the moment either passes, before it is read on. */
class PartBudget {
  private fileBytes = 0;
  private otherBytes = 0;

  constructor(private readonly maxBytes: number) {}

  take(fieldname: string, bytes: number): void {
    if (fieldname === "file_content") {
      this.fileBytes += bytes;
      if (this.fileBytes > this.maxBytes) throw this.tooLarge(fieldname);
      return;
    }
    this.otherBytes += bytes;
    if (this.otherBytes > OTHER_PARTS_MAX_BYTES) {
      throw invalidArgument(
        `Request body is too large: its parameters other than 'file_content' are over ` +
          `${OTHER_PARTS_MAX_BYTES} bytes together (at the '${fieldname}' part)`,
      );
    }
  }

  tooLarge(fieldname: string): VoxError {
    return invalidArgument(
      `Request body is too large: the '${fieldname}' field is over ${this.maxBytes} bytes`,
    );
  }
}

/** A multipart part's bytes (every part is a file, see the multipart registration), counted as they come. */
async function partBytes(part: MultipartFile, budget: PartBudget): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Leaving the loop by a throw destroys the part's stream: nothing more of the body is read.
  for await (const chunk of part.file as AsyncIterable<Buffer>) {
    budget.take(part.fieldname, chunk.length);
    chunks.push(chunk);
  }
  // @fastify/multipart cuts a part at fileSize (maxBytes) and says so: refused naming the field, as a raw
  // body over the limit is, never imported cut short.
  if (part.file.truncated) throw budget.tooLarge(part.fieldname);
  return Buffer.concat(chunks);
}

/** A field's value: bytes as they came, or a JSON body's text or number. Voximplant's parameters are texts
 *  and numbers; a JSON body may hold anything (5,000 nested arrays overflowed the stack of String()). */
function oneValue(name: string, v: unknown): string | Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === "object") throw invalidArgument(`The '${name}' parameter must be a text or a number`);
  return String(v);
}

/** A JSON body's array, for a parameter that takes a list (an id list: [1, 2] as "1;2"); any other
 *  parameter refuses it when read. Its elements must be texts or numbers. */
function jsonList(name: string, items: unknown[]): ListValue {
  return new ListValue(
    items.map((item) => {
      if (typeof item !== "string" && typeof item !== "number") {
        throw invalidArgument(`The '${name}' parameter must be a text or a number, or a list of them`);
      }
      return String(item);
    }),
  );
}

/** Query fields, then the body's: multipart fields and files, url-encoded or JSON fields, or a raw body as
 *  file_content. Later sources win. */
export async function collectParams(req: FastifyRequest, maxBytes: number): Promise<Params> {
  const out: Params = {};
  const put = (source: unknown) => {
    if (!source || typeof source !== "object") return;
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      out[k] = Array.isArray(v) ? jsonList(k, v) : oneValue(k, v);
    }
  };
  const query = req.url.indexOf("?");
  put(query < 0 ? {} : formFields(req.url.slice(query + 1)));
  if (req.isMultipart()) {
    const budget = new PartBudget(maxBytes);
    try {
      for await (const part of req.parts()) {
        if (part.type !== "file") throw new Error(`multipart: the '${part.fieldname}' part was read as text`);
        out[part.fieldname] = await partBytes(part, budget);
      }
    } catch (err) {
      // The multipart parser's own errors (no boundary, a body cut short) carry no status: the client's.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (err instanceof VoxError || typeof status === "number") throw err;
      throw invalidArgument(`Malformed multipart body: ${(err as Error).message}`);
    }
  } else if (Buffer.isBuffer(req.body)) {
    out.file_content = req.body;
  } else if (req.body !== undefined && req.body !== null) {
    if (typeof req.body !== "object") throw invalidArgument("Unreadable request body");
    put(req.body);
  }
  return out;
}
