// Which CSV column holds what: an explicit mapping, or, without one, the usual header names
// (phone/phones/number/msisdn…, external_id/id/uuid, time_zone/timezone/tz/gmtZone, priority…).
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
}

type SingleField = Exclude<keyof ColumnMapping, "phone" | "custom">;
const SINGLE_FIELDS: readonly SingleField[] = [
  "external_id",
  "time_zone",
  "daily_from",
  "daily_to",
  "start_at",
  "priority",
];

/** Header names (lower case, without spaces, "_" and "-") recognised when there is no mapping. */
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
  const taken = new Set<string>();
  const use = (name: string, field: string): string => {
    if (!seen.has(name))
      throw badRequest(
        "unknown_column",
        `no column "${name}" in the file (mapped to ${field})`,
        `columns.${field}`,
      );
    if (taken.has(name))
      throw badRequest("duplicate_mapping", `column "${name}" is mapped twice`, `columns.${field}`);
    taken.add(name);
    return name;
  };
  const out: ResolvedColumns = { phone: [], custom: [] };
  if (mapping) {
    const phones =
      mapping.phone === undefined ? [] : Array.isArray(mapping.phone) ? mapping.phone : [mapping.phone];
    out.phone = phones.map((p) => use(p, "phone"));
    for (const field of SINGLE_FIELDS) {
      const name = mapping[field];
      if (name !== undefined && name !== "") out[field] = use(name, field);
    }
  } else if (names.every((n, i) => n === String(i + 1))) {
    // No header and no mapping: the first column is the phone.
    out.phone = [use("1", "phone")];
  } else {
    for (const name of names) {
      if (PHONE_HEADER.test(squash(name))) out.phone.push(use(name, "phone"));
    }
    for (const field of SINGLE_FIELDS) {
      const name = names.find((n) => !taken.has(n) && KNOWN[field].includes(squash(n)));
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
