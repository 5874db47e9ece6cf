// Which CSV column holds what: an explicit mapping, or, without one, the usual header names
// (phone/phones/number/msisdn…, external_id/id/uuid, time_zone/timezone/tz/gmtZone, priority…), a field's
// own name before its looser aliases wherever the columns stand.
// Every other column becomes a custom field, unless the mapping lists the custom columns itself.
import { badRequest, badRequestWithHint } from "./errors.ts";
import type { ColumnMapping } from "./types.ts";

export interface ResolvedColumns {
  phone: string[];
  external_id?: string;
  time_zone?: string;
  daily_from?: string;
  daily_to?: string;
  start_at?: string;
  priority?: string;
  custom: string[];
  /** Without a header and without a custom mapping: every cell of a row that no field is mapped to is
   *  a custom field too, named by its position (resolvePositions). */
  restCustom?: boolean;
}

/**
 * The highest column position a mapping may name without a header: a spreadsheet's last column (XFD),
 * the limit an XLSX export already keeps to (XLSX_MAX_COLUMNS). Rows themselves may be of any width.
 */
export const MAX_POSITION = 16_384;
const POSITION = /^[1-9]\d*$/;

export type SingleField = Exclude<keyof ColumnMapping, "phone" | "custom">;
/** The fields a mapping names one column for. */
export const SINGLE_FIELDS: readonly SingleField[] = [
  "external_id",
  "time_zone",
  "daily_from",
  "daily_to",
  "start_at",
  "priority",
];

/** Header names (lower case, without spaces, "_" and "-") recognised when there is no mapping, the most
 *  telling first: a file with several takes the one earliest here (knownColumn). */
const KNOWN: Record<SingleField, readonly string[]> = {
  external_id: ["externalid", "id", "uuid"],
  // Not "zone": CRMs use it for sales regions (North, South…), which as time zones fail every row.
  time_zone: ["timezone", "tz", "gmtzone"],
  daily_from: ["dailyfrom"],
  daily_to: ["dailyto"],
  start_at: ["startat"],
  priority: ["priority"],
};
const PHONE_HEADER = /^(phone|phones|number|msisdn|tel|telephone|mobile|phonenumber)\d*$/;

function squash(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

export function resolveColumns(
  names: readonly string[],
  mapping: ColumnMapping | undefined,
): ResolvedColumns {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name))
      throw badRequest("duplicate_column", `the header names column "${name}" twice`, "columns");
    seen.add(name);
  }
  const { taken, use } = columnUser((name) => (seen.has(name) ? name : null), "");
  const out: ResolvedColumns = { phone: [], custom: [] };
  if (mapping) {
    mapFields(mapping, use, out);
  } else if (names.every((n, i) => n === String(i + 1))) {
    // No header and no mapping: the first column is the phone.
    out.phone = [use("1", "phone")];
  } else {
    for (const name of names) {
      if (PHONE_HEADER.test(squash(name))) out.phone.push(use(name, "phone"));
    }
    for (const field of SINGLE_FIELDS) {
      const name = knownColumn(names, KNOWN[field], taken);
      if (name !== undefined) out[field] = use(name, field);
    }
  }
  if (out.phone.length === 0) {
    throw badRequestWithHint(
      "missing_phone_column",
      "no phone column",
      "name it phone/number/msisdn or map one (map.phone=<column>)",
      "columns.phone",
    );
  }
  if (mapping?.custom) {
    out.custom = mapping.custom.map((c) => use(c, "custom"));
  } else {
    out.custom = names.filter((n) => !taken.has(n));
  }
  return out;
}

/**
 * The column a field takes without a mapping: the first alias any free column is named by, not the first
 * such column in the file. The results export's header is `id,external_id,phone,…`: in file order its `id`
 * (outdial's row id) became the external_id and the CRM's own one a custom field. Columns not taken stay
 * custom fields.
 */
function knownColumn(
  names: readonly string[],
  aliases: readonly string[],
  taken: ReadonlySet<string>,
): string | undefined {
  for (const alias of aliases) {
    const name = names.find((n) => !taken.has(n) && squash(n) === alias);
    if (name !== undefined) return name;
  }
  return undefined;
}

type UseColumn = (name: string, field: string) => string;

/** The `use` of a mapped column: `column` gives its name in the file, or null when the file has none by
 *  that name (400 unknown_column, `unknownHint` after the message); a column mapped twice is a 400. */
function columnUser(
  column: (name: string) => string | null,
  unknownHint: string,
): { taken: Set<string>; use: UseColumn } {
  const taken = new Set<string>();
  const use = (name: string, field: string): string => {
    const found = column(name);
    if (found === null)
      throw badRequest(
        "unknown_column",
        `no column "${name}" in the file (mapped to ${field})${unknownHint}`,
        `columns.${field}`,
      );
    if (taken.has(found))
      throw badRequest("duplicate_mapping", `column "${name}" is mapped twice`, `columns.${field}`);
    taken.add(found);
    return found;
  };
  return { taken, use };
}

/** The phone and single fields an explicit mapping names, each checked by `use`. */
function mapFields(mapping: ColumnMapping, use: UseColumn, out: ResolvedColumns): void {
  const phones =
    mapping.phone === undefined ? [] : Array.isArray(mapping.phone) ? mapping.phone : [mapping.phone];
  out.phone = phones.map((p) => use(p, "phone"));
  for (const field of SINGLE_FIELDS) {
    const name = mapping[field];
    if (name !== undefined && name !== "") out[field] = use(name, field);
  }
}

/**
 * Without a header (header=false) columns are positions 1, 2, … and rows may be of any width, so a
 * mapping is checked against no row: any position from 1 to MAX_POSITION is a column (a row without
 * that cell has it empty). Without a mapping the first column is the phone. Unless the mapping lists
 * the custom columns, every other cell of a row is a custom field (`restCustom`).
 */
export function resolvePositions(mapping: ColumnMapping | undefined): ResolvedColumns {
  const { use } = columnUser((name) => {
    const position = name.trim();
    return POSITION.test(position) && Number(position) <= MAX_POSITION ? position : null;
  }, `: without a header, columns are numbered 1, 2, … up to ${MAX_POSITION}`);
  const out: ResolvedColumns = { phone: [], custom: [] };
  if (mapping) {
    mapFields(mapping, use, out);
  } else {
    out.phone = [use("1", "phone")];
  }
  if (out.phone.length === 0) {
    throw badRequestWithHint(
      "missing_phone_column",
      "no phone column",
      "map one (map.phone=<column number>)",
      "columns.phone",
    );
  }
  if (mapping?.custom) out.custom = mapping.custom.map((c) => use(c, "custom"));
  else out.restCustom = true;
  return out;
}
