// The rows and columns of a results export: one row per contact, every custom field its own column.
// Reads go page by page in id order, so an export of millions of contacts holds one page in memory.
import type { Kysely } from "kysely";
import {
  type ContactResultRow,
  readContactResultsPage,
  readCustomFieldsPage,
} from "../../../store/contacts-query.ts";
import type { Database } from "../../../store/schema.ts";
import { iso } from "../views.ts";

export const EXPORT_PAGE_SIZE = 1000;

export type Cell = string | number | boolean | null | string[];

export interface ExportColumn {
  header: string;
  /** The custom field it shows, for a custom field's column. */
  customKey?: string;
  value(row: ContactResultRow, custom: Record<string, unknown>): Cell;
}

const BASE_COLUMNS: ExportColumn[] = [
  { header: "id", value: (r) => r.id },
  { header: "external_id", value: (r) => r.external_id },
  { header: "phone", value: (r) => (JSON.parse(r.phones) as string[])[0] ?? null },
  { header: "phones", value: (r) => JSON.parse(r.phones) as string[] },
  { header: "status", value: (r) => r.status },
  { header: "attempts", value: (r) => r.attempts },
  { header: "last_outcome", value: (r) => r.last_outcome },
  { header: "last_attempt_at", value: (r) => iso(r.last_attempt_at) },
  { header: "last_talk_sec", value: (r) => r.last_talk_sec },
  { header: "success_talk_sec", value: (r) => r.success_talk_sec },
  { header: "last_agent_id", value: (r) => r.last_agent_id },
  { header: "last_disposition", value: (r) => r.last_disposition },
  { header: "last_disposed_by", value: (r) => r.last_disposed_by },
];

export const BASE_COLUMN_COUNT = BASE_COLUMNS.length;

/**
 * The base columns, then one per custom field. A custom field named like a base column is
 * "custom.<name>"; should that be taken too (a custom field really named so), "custom.<name>#2", #3, …:
 * every header is unique, so no value is lost in a JSON record or sits under a repeated CSV header.
 * More come on demand: a JSON record holds a custom field given to its contact after the first pass named
 * the columns, named by the same rule and never under a name already taken.
 */
export class ExportColumns {
  readonly list: ExportColumn[] = [...BASE_COLUMNS];
  private readonly base = new Set(BASE_COLUMNS.map((c) => c.header));
  /** Headers in use, and the first pass's own names (reserved before any "custom.<name>" is made up). */
  private readonly taken: Set<string>;
  private readonly byKey = new Map<string, number>();

  constructor(customKeys: readonly string[]) {
    this.taken = new Set([...this.base, ...customKeys.filter((key) => !this.base.has(key))]);
    for (const key of customKeys) this.add(key, !this.base.has(key));
  }

  /** The index in `list` of the column showing custom field `key`, added should there be none yet. */
  indexOf(key: string): number {
    return this.byKey.get(key) ?? this.add(key, !this.taken.has(key));
  }

  private add(key: string, ownName: boolean): number {
    let header = key;
    if (!ownName) {
      header = `custom.${key}`;
      for (let n = 2; this.taken.has(header); n++) header = `custom.${key}#${n}`;
    }
    this.taken.add(header);
    // Own properties only: a field named "__proto__" in one contact must not show Object.prototype in others.
    const column: ExportColumn = {
      header,
      customKey: key,
      value: (_r, fields) => customCell(Object.hasOwn(fields, key) ? fields[key] : null),
    };
    this.byKey.set(key, this.list.length);
    this.list.push(column);
    return this.list.length - 1;
  }
}

function customCell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** What the first pass over a campaign's contacts found. The export holds these contacts (those up to
 *  `lastId`): a contact added while it streams is left for the next one, never written half. */
export interface ExportScope {
  /** Every custom field name used, in order of first appearance. */
  customKeys: string[];
  rows: number;
  lastId: number;
}

/** A first pass over the contacts: tabular formats must write their header before the first row. */
export async function scanForExport(db: Kysely<Database>, campaignId: number): Promise<ExportScope> {
  const keys = new Set<string>();
  let afterId = 0;
  let rows = 0;
  for (;;) {
    const page = await readCustomFieldsPage(db, campaignId, afterId, EXPORT_PAGE_SIZE);
    rows += page.length;
    for (const row of page) for (const k of Object.keys(JSON.parse(row.custom) as object)) keys.add(k);
    if (page.length > 0) afterId = page[page.length - 1].id;
    if (page.length < EXPORT_PAGE_SIZE) return { customKeys: [...keys], rows, lastId: afterId };
  }
}

/** The campaign's contacts as cells of `columns`, one page of reads at a time. */
export async function* resultRows(
  db: Kysely<Database>,
  campaignId: number,
  lastId: number,
  columns: readonly ExportColumn[],
): AsyncGenerator<Cell[]> {
  for await (const page of resultPages(db, campaignId, lastId)) {
    for (const row of page) {
      const custom = JSON.parse(row.custom) as Record<string, unknown>;
      yield columns.map((c) => c.value(row, custom));
    }
  }
}

/** The contacts with ids up to `lastId`, a page at a time. */
export async function* resultPages(
  db: Kysely<Database>,
  campaignId: number,
  lastId: number,
): AsyncGenerator<ContactResultRow[]> {
  let afterId = 0;
  while (afterId < lastId) {
    const read = await readContactResultsPage(db, campaignId, afterId, EXPORT_PAGE_SIZE);
    const page = read.filter((row) => row.id <= lastId);
    if (page.length > 0) yield page;
    if (read.length < EXPORT_PAGE_SIZE) return;
    afterId = read[read.length - 1].id;
  }
}
