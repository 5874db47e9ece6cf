// The import route's column mapping as the query string spells it (map.phone=Phone1,Phone2): which fields
// take several columns, and how a column whose name holds a comma is named. No I/O.
import { SINGLE_FIELDS } from "./columns.ts";
import { badRequestWithHint } from "./errors.ts";
import type { ColumnMapping } from "./types.ts";

const MAPPED_FIELDS = ["phone", ...SINGLE_FIELDS, "custom"] as const;

/**
 * `map.phone=Phone1,Phone2&map.external_id=ID` → a column mapping; undefined when none is given. Only the
 * phone and the custom fields take several columns: a one-column field given more (map.external_id=Client,ID,
 * meaning one column "Client, ID" or two by mistake) is a 400, not its first name used and the rest dropped.
 */
export function columnMapping(query: Record<string, unknown>): ColumnMapping | undefined {
  let mapping: ColumnMapping | undefined;
  for (const field of MAPPED_FIELDS) {
    const option = `map.${field}`;
    const value = query[option];
    if (typeof value !== "string" || value === "") continue;
    mapping ??= {};
    const names = columnNames(value, option);
    if (field === "phone" || field === "custom") mapping[field] = names;
    else if (names.length === 1) mapping[field] = names[0];
    else {
      throw badRequestWithHint(
        "invalid_option",
        `${option} names ${names.length} columns (${names.map((n) => JSON.stringify(n)).join(", ")}); ${field} is one column`,
        `name one, and put a name with a comma in double quotes (${option}="Client, ID")`,
        option,
      );
    }
  }
  return mapping;
}

/** One name of a map.<field> value and the comma after it (or the end): in double quotes, or bare (not
 *  starting with a quote, so an unclosed one is no bare name). Sticky: read from `lastIndex` on. */
const COLUMN_NAME = /\s*(?:"((?:[^"]|"")*)"\s*|((?!\s*")[^,]*))(,|$)/y;

/**
 * The column names of a map.<field> value: comma-separated, or in double quotes with commas inside ("" for
 * a quote), as a CSV header cell is; trimmed, as the header's names are (CsvContactParser). A quote left
 * open, or text after a closing quote, is a 400 naming the option.
 */
function columnNames(value: string, option: string): string[] {
  const names: string[] = [];
  COLUMN_NAME.lastIndex = 0;
  for (;;) {
    const m = COLUMN_NAME.exec(value);
    if (!m) {
      throw badRequestWithHint(
        "invalid_option",
        `${option} has a quoted column name that is not closed, or has more than a comma after it`,
        `write ${option}="<column>" ("" for a quote inside the name)`,
        option,
      );
    }
    names.push((m[1] === undefined ? m[2] : m[1].replaceAll('""', '"')).trim());
    if (m[3] === "") return names;
  }
}
