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
 */
export function exportColumns(customKeys: readonly string[]): ExportColumn[] {
  const base = new Set(BASE_COLUMNS.map((c) => c.header));
  const taken = new Set([...base, ...customKeys.filter((key) => !base.has(key))]);
  const custom = customKeys.map((key): ExportColumn => {
    let header = key;
    if (base.has(key)) {
      header = `custom.${key}`;
      for (let n = 2; taken.has(header); n++) header = `custom.${key}#${n}`;
      taken.add(header);
    }
    // Own properties only: a field named "__proto__" in one contact must not show Object.prototype in others.
    return {
      header,
      customKey: key,
      value: (_r, fields) => customCell(Object.hasOwn(fields, key) ? fields[key] : null),
    };
  });
  return [...BASE_COLUMNS, ...custom];
}

function customCell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** Every custom field name used in the campaign, in order of first appearance. A first pass over the
 *  contacts: tabular formats must write their header before the first row. */
export async function collectCustomKeys(db: Kysely<Database>, campaignId: number): Promise<string[]> {
  const keys = new Set<string>();
  let afterId = 0;
  for (;;) {
    const page = await readCustomFieldsPage(db, campaignId, afterId, EXPORT_PAGE_SIZE);
    for (const row of page) for (const k of Object.keys(JSON.parse(row.custom) as object)) keys.add(k);
    if (page.length < EXPORT_PAGE_SIZE) return [...keys];
    afterId = page[page.length - 1].id;
  }
}

/** The campaign's contacts as cells of `columns`, one page of reads at a time. */
export async function* resultRows(
  db: Kysely<Database>,
  campaignId: number,
  columns: readonly ExportColumn[],
): AsyncGenerator<Cell[]> {
  for await (const page of resultPages(db, campaignId)) {
    for (const row of page) {
      const custom = JSON.parse(row.custom) as Record<string, unknown>;
      yield columns.map((c) => c.value(row, custom));
    }
  }
}

export async function* resultPages(
  db: Kysely<Database>,
  campaignId: number,
): AsyncGenerator<ContactResultRow[]> {
  let afterId = 0;
  for (;;) {
    const page = await readContactResultsPage(db, campaignId, afterId, EXPORT_PAGE_SIZE);
    if (page.length > 0) yield page;
    if (page.length < EXPORT_PAGE_SIZE) return;
    afterId = page[page.length - 1].id;
  }
}
