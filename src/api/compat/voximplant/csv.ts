// A Voximplant call list file into a list's contacts: the control columns (__start_execution_time,
// __end_execution_time, __start_at, __task_uuid) mapped onto the import's fields, the rest custom data, then
// lists/importCsv does the rest (on a worker thread for a large file). Reads the header beforehand, and the
// __task_uuid column when there is one (in chunks, between which other work runs); stores nothing else.
import { Readable } from "node:stream";
import { parse as parseStream } from "csv-parse";
import { parse } from "csv-parse/sync";
import { ByteDecoder, type EncodingPlan, resolveEncoding } from "../../../lists/byte-decoder.ts";
import { ANY_LINE_END } from "../../../lists/csv-contacts.ts";
import { ImportError, importCsv } from "../../../lists/import.ts";
import type { ColumnMapping } from "../../../lists/types.ts";
import type { Store } from "../../../store/db.ts";
import { invalidArgument, toVoxError, VoxError } from "./errors.ts";

export const START_EXECUTION = "__start_execution_time";
export const END_EXECUTION = "__end_execution_time";
export const START_AT = "__start_at";
export const TASK_UUID = "__task_uuid";
const CONTROL = [START_EXECUTION, END_EXECUTION, START_AT, TASK_UUID];
const PHONE_HEADER = /^(phone|phones|numbers?|msisdn|tel|telephone|mobile|phonenumber)\d*$/;
/** Looser names, tried in this order once no header is named like a phone outright: "client_phone",
 *  "Телефон", "Номер телефона"; "tel" only as a word of its own ("tel", "home tel", "tel_2"), not in
 *  "hotel" or "telegram"; "номер" (any number: "Номер договора" is one) last. */
const PHONE_HEADER_HINTS = [/phone|телефон/, /(^|[^\p{L}])tel([^\p{L}]|$)/u, /номер/];
/** Several numbers in the phone cell (Voximplant's guide: "+18881231231,+18881231232"). */
const PHONE_SEPARATOR = ",";
const UUID = /^[A-Za-z0-9:-]{1,40}$/;

export interface CsvFile {
  content: Buffer;
  encoding?: string;
  /** Voximplant's default is ';'. */
  delimiter?: string;
  escape?: string;
  quote?: string;
}

interface Header {
  mapping: ColumnMapping;
  phoneColumn: string;
  /** Where the __task_uuid column is, or -1. */
  uuidAt: number;
}

/** Bytes read to find the header: far more than any header row (the import itself limits the columns). */
const HEADER_BYTES = 1 << 20;
/** Bytes of the file handed to the __task_uuid check at a time: the event loop runs between them. */
const SCAN_CHUNK_BYTES = 64 << 10;

/** The file is read beforehand as the import reads it (lists/byte-decoder): a byte order mark says the
 *  encoding whatever was declared, so the header names the columns the import sees. */
function decoderOf(file: CsvFile): ByteDecoder {
  let plan: EncodingPlan;
  try {
    plan = resolveEncoding(file.encoding);
  } catch (err) {
    if (err instanceof ImportError) throw invalidArgument(`The 'encoding' parameter: ${err.message}`);
    throw err;
  }
  return new ByteDecoder(plan);
}

/** What a lossy decoder puts for bytes not valid in the encoding. */
const STAND_IN = "\ufffd";

function csvOptions(file: CsvFile) {
  return {
    delimiter: file.delimiter ?? ";",
    quote: file.quote ?? '"',
    escape: file.escape ?? file.quote ?? '"',
    record_delimiter: ANY_LINE_END,
    skip_empty_lines: true,
    relax_column_count: true,
  };
}

/** The header row, mapped onto the import's fields. Only the file's start is read: parsed whole, a file at
 *  the size limit held the event loop (every call, every account) for seconds. */
export function readHeader(file: CsvFile): Header {
  let rows: string[][];
  const decoder = decoderOf(file);
  const decoded = [decoder.decode(file.content.subarray(0, HEADER_BYTES))];
  if (!decoded[0].bad && file.content.length <= HEADER_BYTES) decoded.push(decoder.end());
  const bad = decoded.some((d) => d.bad);
  // Bytes not valid in the encoding are the import's to refuse (naming the row and the encoding to pass):
  // a stand-in where they begin keeps a header they cut short (or the file they start) from being
  // refused here first as having no header or no phone column.
  const start = Buffer.concat(decoded.map((d) => d.bytes)).toString("utf8") + (bad ? STAND_IN : "");
  try {
    rows = parse(start, { ...csvOptions(file), to: 1 }) as string[][];
  } catch (err) {
    throw invalidArgument(`file_content: ${(err as Error).message}`);
  }
  const header = rows[0]?.map((h) => h.trim());
  if (!header || header.length === 0) throw invalidArgument("file_content: the file has no header row");
  // An empty name (the header's trailing ';', as a spreadsheet writes it) names no column: the import
  // refuses the file only if such a column holds something.
  const plain = header.filter((h) => h !== "" && !CONTROL.includes(h));
  const phoneColumn =
    plain.find((h) => PHONE_HEADER.test(h.toLowerCase().replace(/[\s_-]+/g, ""))) ??
    PHONE_HEADER_HINTS.map((hint) => plain.find((h) => hint.test(h.toLowerCase()))).find(
      (h) => h !== undefined,
    ) ??
    plain[0];
  if (phoneColumn === undefined) throw invalidArgument("file_content: no column holds a phone number");
  const mapping: ColumnMapping = { phone: phoneColumn, custom: plain.filter((h) => h !== phoneColumn) };
  if (header.includes(START_EXECUTION)) mapping.daily_from = START_EXECUTION;
  if (header.includes(END_EXECUTION)) mapping.daily_to = END_EXECUTION;
  if (header.includes(START_AT)) mapping.start_at = START_AT;
  const uuidAt = header.indexOf(TASK_UUID);
  if (uuidAt >= 0) mapping.external_id = TASK_UUID;
  return { mapping, phoneColumn, uuidAt };
}

/** The __task_uuid values, checked: at most 40 of [A-Za-z0-9-:], unique in the file. Streamed in chunks,
 *  so a large file does not hold the event loop. Rows are numbered as the import numbers them. */
async function taskUuids(file: CsvFile, at: number): Promise<string[]> {
  const decoder = decoderOf(file);
  // The scan ends where bytes not valid in the encoding begin: the import refuses the file for them, naming
  // their row, and the record they cut short is not judged here (a cut __task_uuid could repeat another).
  let cut = false;
  const text = (function* () {
    for (let i = 0; i < file.content.length; i += SCAN_CHUNK_BYTES) {
      const decoded = decoder.decode(file.content.subarray(i, i + SCAN_CHUNK_BYTES));
      yield decoded.bytes;
      if (decoded.bad) {
        cut = true;
        return;
      }
    }
    const decoded = decoder.end();
    yield decoded.bytes;
    cut = decoded.bad;
  })();
  const rows = Readable.from(text).pipe(parseStream({ ...csvOptions(file), from: 2 }));
  const seen = new Set<string>();
  let i = 0;
  const check = (row: string[]) => {
    // A row of empty cells (a spreadsheet's blank line) is no row to the import (CsvContactParser.record).
    if (row.every((cell) => cell.trim() === "")) return;
    i++;
    const v = (row[at] ?? "").trim();
    if (v === "") return;
    if (!UUID.test(v)) {
      throw invalidArgument(
        `file_content: row ${i}, ${TASK_UUID} must be up to 40 latin letters, digits, '-' or ':'`,
      );
    }
    if (seen.has(v))
      throw invalidArgument(`file_content: row ${i}, ${TASK_UUID} ${v} repeats an earlier row`);
    seen.add(v);
  };
  try {
    // Each record is checked once the next one has come, the last once the scan knows it is whole.
    let last: string[] | null = null;
    for await (const row of rows as AsyncIterable<string[]>) {
      if (last) check(last);
      last = row;
    }
    if (last && !cut) check(last);
  } catch (err) {
    if (err instanceof VoxError) throw err;
    throw invalidArgument(`file_content: ${(err as Error).message}`); // the parser's: malformed quoting…
  }
  return [...seen];
}

/** Imports the file into the list (all rows or none); the number of stored records. */
export async function importCallListFile(
  store: Store,
  target: { accountId: number; campaignId: number; listId: number; now: number },
  file: CsvFile,
  maxBytes: number,
  /** A manual list's tasks: written held (until StartNextCallTask) in the import's own commit. */
  holdBase?: number,
): Promise<{ count: number; phoneColumn: string }> {
  const scan = readHeader(file);
  const uuids = scan.uuidAt >= 0 ? await taskUuids(file, scan.uuidAt) : [];
  for (let i = 0; i < uuids.length; i += 500) {
    const taken = await store.db
      .selectFrom("contacts")
      .select("external_id")
      .where("campaign_id", "=", target.campaignId)
      .where("external_id", "in", uuids.slice(i, i + 500))
      .executeTakeFirst();
    if (taken)
      throw invalidArgument(`file_content: ${TASK_UUID} ${taken.external_id} is already in the call list`);
  }
  const report = await importCsv(
    store,
    {
      ...target,
      encoding: file.encoding,
      delimiter: file.delimiter ?? ";",
      quote: file.quote,
      escape: file.escape,
      header: true,
      columns: scan.mapping,
      phonePolicy: "reject",
      duplicatePolicy: "allow",
      // A __task_uuid the list holds (or the file repeats) refuses the file, judged inside the import's lock:
      // the check above, made before it, lets through one an append running meanwhile is writing.
      refuseSetAside: true,
      maxBytes,
      holdBase,
      // Voximplant's files: a trailing ';' or left-out empty cells, several numbers in the phone cell,
      // and either end of the daily window on its own (its documentation lists them apart).
      // Numbers are digits as often as E.164 (the guide's 18881231231): 8–15 digits alone are taken as '+…'.
      lenient: { phoneSeparator: PHONE_SEPARATOR, openWindowEnds: true, plusOptional: true },
    },
    Readable.from([file.content]),
  ).catch((err: unknown) => {
    if (err instanceof ImportError) throw toVoxError(err, inVoxTerms);
    throw err;
  });
  return { count: report.inserted, phoneColumn: scan.phoneColumn };
}

const VOX_NAMES: Record<string, string> = {
  daily_from: START_EXECUTION,
  daily_to: END_EXECUTION,
  start_at: START_AT,
  external_id: TASK_UUID,
};

/** The import's field names in a message, as the file's control columns. */
function inVoxTerms(message: string): string {
  return message.replace(/\b(daily_from|daily_to|start_at|external_id)\b/g, (m) => VOX_NAMES[m] ?? m);
}
