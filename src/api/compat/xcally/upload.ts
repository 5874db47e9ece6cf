// The two-step CSV upload of the contact manager: the file (POST /api/cm/contacts/upload, the raw CSV as
// the body, in any encoding iconv-lite knows: ?encoding=, else the Content-Type's charset, else UTF-8, a
// UTF-8 or UTF-16 byte order mark honoured) is kept as text under a generated name;
// POST /api/cm/contacts/upload/{name} then binds contact fields to
// its columns (header names compared without surrounding spaces, so the seed's " telefono" finds
// "telefono") and adds the rows to a list. Rows whose phone is not valid are reported and skipped; rows
// whose `duplicates` fields (each bound to a column) equal, as text, a contact already in the list (or an
// earlier row) are counted and skipped; a row with all of them empty is no duplicate.
// The import holds the whole file several times over (its text, every record, every contact or row error),
// so a file is held to MAX_UPLOAD_BYTES and MAX_UPLOAD_ROWS; the native import streams larger ones.
import { type InfoRecord, parse } from "csv-parse/sync";
import { ByteDecoder, resolveEncoding } from "../../../lists/byte-decoder.ts";
import { ANY_LINE_END } from "../../../lists/csv-contacts.ts";
import { idSchema } from "../../native/schemas/common.ts";
import { ApiError, invalidRequest } from "../../plugins/errors.ts";
import { type ContactBody, contactFieldMax, type ParsedContact, parseContact } from "./contacts.ts";

export const FIELD = /^(firstName|lastName|phone|cf_\d{1,4})$/;

export type UploadBody = {
  id?: string;
  binding: Record<string, string>;
  ListId: number;
  duplicates?: string[];
};

export const uploadBodySchema = {
  type: "object",
  required: ["binding", "ListId"],
  additionalProperties: false,
  properties: {
    id: { type: "string", maxLength: 255 },
    binding: {
      type: "object",
      required: ["phone"],
      maxProperties: 200,
      propertyNames: { pattern: FIELD.source },
      additionalProperties: { type: "string", minLength: 1, maxLength: 255 },
    },
    ListId: idSchema,
    duplicates: { type: "array", maxItems: 20, items: { type: "string", pattern: FIELD.source } },
  },
} as const;

/** The charset parameter of a Content-Type header, if it has one. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? "");
  return m?.[1];
}

const MIB = 1024 * 1024;
/** Bytes of an uploaded file. The import's peak memory, measured: a 21 MB file of 1,000,000 short rows (a
 *  name and a phone) raised it by 902 MB, so the 200 MiB of OUTDIAL_MAX_IMPORT_BYTES would take ~9 GB and
 *  end the node, every account's calls with it. Within both limits the worst file measured (180,000 rows of
 *  40 bound cells) raised it by ~560 MB. */
export const MAX_UPLOAD_BYTES = 16 * MIB;
/** Rows of an uploaded file besides its header. A row costs the import ~0.9 KB as a contact and ~2 KB as a
 *  row error however short it is: 16 MiB of rows as short as "x" (8 million row errors) would take ~16 GB,
 *  so the rows are held too. 250,000 such rows took ~480 MB. */
export const MAX_UPLOAD_ROWS = 250_000;

function uploadTooLarge(what: string): ApiError {
  return new ApiError(
    "payload_too_large",
    413,
    `the file ${what}: a contact-manager upload may have ${MAX_UPLOAD_BYTES} bytes (${MAX_UPLOAD_BYTES / MIB} MiB) and ${MAX_UPLOAD_ROWS} rows besides its header; split it, or import it into the queue's campaign with POST /v1/campaigns/{queueId}/lists/{listId}/import, which streams files up to OUTDIAL_MAX_IMPORT_BYTES`,
  );
}

/** Lines of `text`, counted up to `atMost`: any line end ends one, as the parser's record_delimiter has it.
 *  Blank lines and line breaks inside quoted cells count too, so a file is never taken for shorter than it
 *  is. */
function linesUpTo(text: string, atMost: number): number {
  let lines = 0;
  for (let i = 0; i < text.length && lines < atMost; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) lines++;
    else if (c === 0x0d) {
      lines++;
      if (text.charCodeAt(i + 1) === 0x0a) i++;
    }
  }
  const last = text.charCodeAt(text.length - 1);
  const unterminated = text.length > 0 && last !== 0x0a && last !== 0x0d;
  return unterminated ? lines + 1 : lines;
}

/** A body whose Content-Length is over MAX_UPLOAD_BYTES is refused before it is read (the route's
 *  bodyLimit would refuse it too, in the app's words rather than these). */
export function checkDeclaredUploadSize(contentLength: string | undefined): void {
  const bytes = Number(contentLength);
  if (bytes > MAX_UPLOAD_BYTES) throw uploadTooLarge(`has ${bytes} bytes`);
}

/**
 * Refuses (413) a file over the upload's limits: at its upload, and again at its import, for a file an
 * older node stored (a rolling upgrade) before they held. Stored text has no more UTF-16 code units than
 * the file had bytes in any encoding, so its length is held to the bytes' limit.
 */
export function checkUploadSize(text: string): void {
  if (text.length > MAX_UPLOAD_BYTES) throw uploadTooLarge(`has ${text.length} characters`);
  // The header, the rows allowed, and one more to tell the limit is passed.
  if (linesUpTo(text, MAX_UPLOAD_ROWS + 2) > MAX_UPLOAD_ROWS + 1)
    throw uploadTooLarge(`has more than ${MAX_UPLOAD_ROWS + 1} lines`);
}

/** The uploaded bytes as text. A file over the upload's limits is a 413; bytes that are not valid in the
 *  encoding are a 400 naming `encoding`. */
export function decodeUpload(bytes: Buffer, encoding: string | undefined): string {
  // Before decoding, which would hold the file twice more.
  if (bytes.length > MAX_UPLOAD_BYTES) throw uploadTooLarge(`has ${bytes.length} bytes`);
  const decoder = new ByteDecoder(resolveEncoding(encoding));
  const head = decoder.decode(bytes);
  const tail = head.bad ? null : decoder.end();
  if (tail === null || tail.bad) {
    throw invalidRequest(
      `the file is not valid ${decoder.encodingName}; name its encoding with ?encoding= (e.g. windows-1251) or a charset in Content-Type`,
      "encoding",
    );
  }
  const text = Buffer.concat([head.bytes, tail.bytes]).toString("utf8");
  checkUploadSize(text);
  return text;
}

export interface RowError {
  /** 1-based line of the file, the header being line 1. */
  row: number;
  field: string;
  message: string;
}

function fieldValue(c: ParsedContact, field: string): unknown {
  if (field === "firstName") return c.firstName;
  if (field === "lastName") return c.lastName;
  if (field === "phone") return c.phone;
  return c.custom[field];
}

/** The contact's values of the `duplicates` fields, or null when all are empty: a missing value matches
 *  nothing (as NULL in SQL), so such a contact is never a duplicate nor makes one. Values are compared as
 *  the text Motion keeps in its contact columns, trimmed as parseContact leaves them (a contact stored
 *  before JSON values were trimmed matches the file's trimmed cell). Compared exactly, case included: the
 *  seed says nothing of case. */
export function duplicateKey(c: ParsedContact, fields: string[]): string | null {
  const values = fields.map((f) => {
    const v = fieldValue(c, f);
    return v === null || v === undefined ? "" : String(v).trim();
  });
  return values.every((v) => v === "") ? null : JSON.stringify(values);
}

/**
 * The line of the file each record starts on, so a report points where the user's editor does: blank lines
 * and quoted cells holding line breaks make it differ from the record's index. csv-parse's info.lines is
 * the line a record ends on, and it counts every CR and every LF inside a quoted cell as a line of its own
 * (a CRLF there as two), also in the count of every later record; both are taken back out here.
 */
function startLines(parsed: { record: string[]; info: InfoRecord }[]): number[] {
  let overCounted = 0;
  return parsed.map(({ record, info }) => {
    let breakChars = 0;
    let crlfs = 0;
    for (const cell of record) {
      breakChars += cell.match(/[\r\n]/g)?.length ?? 0;
      crlfs += cell.match(/\r\n/g)?.length ?? 0;
    }
    const start = info.lines - overCounted - breakChars;
    overCounted += crlfs;
    return start;
  });
}

/** The file's delimiter, guessed from its header: ";" when the header has more semicolons than commas
 *  outside quotes, else ",". The header is the first record the parser takes, so not the raw text before
 *  the first "\n": blank lines before it are skipped (a script's export may begin with one), a byte order
 *  mark is no part of it, a lone CR ends a line as the parser's record_delimiter has it, and a quoted name
 *  is no delimiter's (a European export's "Name, first";"Name, last") nor its line breaks the header's end. */
export function guessDelimiter(text: string): ";" | "," {
  let start = text.length;
  for (const line of text.matchAll(/[^\r\n]+/g)) {
    // trim() takes whitespace and the byte order mark (U+FEFF) alike.
    if (line[0].trim() === "") continue;
    start = line.index;
    break;
  }
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // "" in a quoted name is a quote character, not the name's end.
      if (quoted && text[i + 1] === '"') i++;
      else quoted = !quoted;
    } else if (!quoted) {
      if (c === "\n" || c === "\r") break;
      if (c === ";") semicolons++;
      else if (c === ",") commas++;
    }
  }
  return semicolons > commas ? ";" : ",";
}

export function contactsFromCsv(
  text: string,
  body: UploadBody,
  existing: ParsedContact[],
): { contacts: ParsedContact[]; duplicates: number; errors: RowError[] } {
  const dupFields = body.duplicates ?? [];
  // A field no column fills is empty in every row: checking on it could only match nothing.
  dupFields.forEach((field, i) => {
    if (!Object.hasOwn(body.binding, field))
      throw invalidRequest(
        `duplicates[${i}]: ${field} is not bound to a column (binding has ${Object.keys(body.binding).join(", ")})`,
        `duplicates[${i}]`,
      );
  });
  const delimiter = guessDelimiter(text);
  let parsed: { record: string[]; info: InfoRecord }[];
  try {
    // The typings do not know that info: true makes each record {record, info}.
    parsed = parse(text, {
      delimiter,
      record_delimiter: ANY_LINE_END,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: InfoRecord }[];
  } catch (err) {
    // The file is the path's {file}; the body's optional `id` is not it (xcally13).
    throw invalidRequest(`file: not a CSV file: ${(err as Error).message}`, "file");
  }
  const records = parsed.map((p) => p.record);
  const lines = startLines(parsed);
  const header = (records[0] ?? []).map((h) => h.trim());
  const columns: [string, number][] = Object.entries(body.binding).map(([field, column]) => {
    const index = header.indexOf(column.trim());
    if (index < 0)
      throw invalidRequest(
        `binding.${field}: the file has no column ${JSON.stringify(column)} (it has ${header.map((h) => JSON.stringify(h)).join(", ")})`,
        `binding.${field}`,
      );
    // Two columns of that name: which one the client meant cannot be told (the first was taken silently).
    const again = header.indexOf(column.trim(), index + 1);
    if (again >= 0)
      throw invalidRequest(
        `binding.${field}: the file has two columns named ${JSON.stringify(column.trim())} (columns ${index + 1} and ${again + 1}): rename one`,
        `binding.${field}`,
      );
    return [field, index];
  });
  const seen = new Set(dupFields.length ? existing.map((c) => duplicateKey(c, dupFields)) : []);
  seen.delete(null);
  const contacts: ParsedContact[] = [];
  const errors: RowError[] = [];
  let duplicates = 0;
  records.slice(1).forEach((record, i) => {
    const row: ContactBody = {};
    for (const [field, index] of columns) {
      const v = record[index]?.trim();
      if (v !== undefined && v !== "") row[field] = v;
    }
    // The limits the JSON routes' schema sets, per row here: the row is reported and left out.
    const long = columns.find(([field]) => String(row[field] ?? "").length > contactFieldMax(field));
    if (long) {
      const [field] = long;
      errors.push({ row: lines[i + 1], field, message: `longer than ${contactFieldMax(field)} characters` });
      return;
    }
    let contact: ParsedContact;
    try {
      contact = parseContact(row, "");
    } catch (err) {
      errors.push({ row: lines[i + 1], field: "phone", message: (err as Error).message });
      return;
    }
    const key = dupFields.length ? duplicateKey(contact, dupFields) : null;
    if (key !== null) {
      if (seen.has(key)) {
        duplicates++;
        return;
      }
      seen.add(key);
    }
    contacts.push(contact);
  });
  return { contacts, duplicates, errors };
}
