// A Voximplant call list file into a list's contacts: the control columns (__start_execution_time,
// __end_execution_time, __start_at, __task_uuid) mapped onto the import's fields, the rest custom data, then
// lists/importCsv does the rest. Reads the file once beforehand only to check __task_uuid; stores nothing else.
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import iconv from "iconv-lite";
import { ImportError, importCsv } from "../../../lists/import.ts";
import type { ColumnMapping } from "../../../lists/types.ts";
import type { Store } from "../../../store/db.ts";
import { invalidArgument, toVoxError } from "./errors.ts";

export const START_EXECUTION = "__start_execution_time";
export const END_EXECUTION = "__end_execution_time";
export const START_AT = "__start_at";
export const TASK_UUID = "__task_uuid";
const CONTROL = [START_EXECUTION, END_EXECUTION, START_AT, TASK_UUID];
const PHONE_HEADER = /^(phone|phones|number|msisdn|tel|telephone|mobile|phonenumber)\d*$/;
const UUID = /^[A-Za-z0-9:-]{1,40}$/;

export interface CsvFile {
  content: Buffer;
  encoding?: string;
  /** Voximplant's default is ';'. */
  delimiter?: string;
  escape?: string;
  quote?: string;
}

interface Scan {
  mapping: ColumnMapping;
  phoneColumn: string;
  uuids: string[];
}

function decode(file: CsvFile): string {
  const encoding = file.encoding ?? "utf-8";
  if (!iconv.encodingExists(encoding))
    throw invalidArgument(`The 'encoding' parameter: unknown encoding ${encoding}`);
  return iconv.decode(file.content, encoding).replace(/^\uFEFF/, "");
}

/** The header and the __task_uuid column, checked: at most 40 of [A-Za-z0-9-:], unique in the file. */
export function scanCsv(file: CsvFile): Scan {
  let rows: string[][];
  try {
    rows = parse(decode(file), {
      delimiter: file.delimiter ?? ";",
      quote: file.quote ?? '"',
      escape: file.escape ?? file.quote ?? '"',
      skip_empty_lines: true,
      relax_column_count: true,
    }) as string[][];
  } catch (err) {
    throw invalidArgument(`file_content: ${(err as Error).message}`);
  }
  const header = rows[0]?.map((h) => h.trim());
  if (!header || header.length === 0) throw invalidArgument("file_content: the file has no header row");
  const plain = header.filter((h) => !CONTROL.includes(h));
  const phoneColumn =
    plain.find((h) => PHONE_HEADER.test(h.toLowerCase().replace(/[\s_-]+/g, ""))) ?? plain[0];
  if (phoneColumn === undefined) throw invalidArgument("file_content: no column holds a phone number");
  const mapping: ColumnMapping = { phone: phoneColumn, custom: plain.filter((h) => h !== phoneColumn) };
  if (header.includes(START_EXECUTION)) mapping.daily_from = START_EXECUTION;
  if (header.includes(END_EXECUTION)) mapping.daily_to = END_EXECUTION;
  if (header.includes(START_AT)) mapping.start_at = START_AT;
  const uuids: string[] = [];
  const at = header.indexOf(TASK_UUID);
  if (at >= 0) {
    mapping.external_id = TASK_UUID;
    const seen = new Set<string>();
    rows.slice(1).forEach((row, i) => {
      const v = (row[at] ?? "").trim();
      if (v === "") return;
      if (!UUID.test(v)) {
        throw invalidArgument(
          `file_content: row ${i + 1}, ${TASK_UUID} must be up to 40 latin letters, digits, '-' or ':'`,
        );
      }
      if (seen.has(v))
        throw invalidArgument(`file_content: row ${i + 1}, ${TASK_UUID} ${v} repeats an earlier row`);
      seen.add(v);
      uuids.push(v);
    });
  }
  return { mapping, phoneColumn, uuids };
}

/** Imports the file into the list (all rows or none); the number of stored records. */
export async function importCallListFile(
  store: Store,
  target: { accountId: number; campaignId: number; listId: number; now: number },
  file: CsvFile,
  maxBytes: number,
  /** A manual list's tasks: written held (until StartNextCallTask) in the import's own commit. */
  holdUntil?: number,
): Promise<{ count: number; phoneColumn: string }> {
  const scan = scanCsv(file);
  for (let i = 0; i < scan.uuids.length; i += 500) {
    const taken = await store.db
      .selectFrom("contacts")
      .select("external_id")
      .where("campaign_id", "=", target.campaignId)
      .where("external_id", "in", scan.uuids.slice(i, i + 500))
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
      maxBytes,
      worker: false,
      holdUntil,
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
