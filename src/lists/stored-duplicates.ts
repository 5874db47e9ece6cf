// Rows the commit sets aside: their external_id repeats an earlier row of the import, or the campaign
// already holds their external_id or first phone. How the stage marks them, how they are reported, and
// the error when duplicatePolicy is "reject".
import { ImportError } from "./errors.ts";
import type { RowIssue } from "./types.ts";
import type { CommitOptions } from "./writer.ts";

/** Marks in the stage's `dup` column. */
export const DUP_STORED_EXTERNAL_ID = 1;
export const DUP_STORED_PHONE = 2;
export const DUP_REPEATED_EXTERNAL_ID = 3;
/** The first phone repeats an earlier row of the import that is kept (one with an external_id). */
export const DUP_REPEATED_PHONE = 4;

/** The statement marking DUP_REPEATED_EXTERNAL_ID when no phone repeats one of a row with an id (else
 *  walkCompetingRows decides): a row still standing whose external_id an earlier standing row has (served
 *  by the index on (external_id, row)). The earliest standing row of an id is never marked, so the outcome
 *  does not hang on the order the statement visits rows in. */
export function markRepeatedIdsSql(stage: string): string {
  return `UPDATE ${stage} AS s SET dup = ${DUP_REPEATED_EXTERNAL_ID} WHERE s.dup = 0 AND s.external_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM ${stage} p
      WHERE p.external_id = s.external_id AND p.row < s.row AND p.dup = 0)`;
}

/**
 * The standing rows whose external_id or phone another standing row shares (a phone only where a row with
 * an external_id has it: the others' repeats were settled at parse), in file order, with `key` the column
 * a mark is written back by. The others neither are set aside nor set any aside.
 */
export function competingRowsSql(stage: string, key: string): string {
  return `SELECT ${key} AS key, external_id, phone FROM ${stage} s WHERE s.dup = 0 AND (
      s.external_id IN (SELECT external_id FROM ${stage} WHERE dup = 0 AND external_id IS NOT NULL
                        GROUP BY external_id HAVING count(*) > 1)
      OR s.phone IN (SELECT phone FROM ${stage} WHERE dup = 0
                     GROUP BY phone HAVING count(*) > 1 AND count(external_id) > 0))
    ORDER BY s.row`;
}

export interface CompetingRow {
  key: number | string;
  external_id: string | null;
  phone: string;
}

/**
 * Which competing rows are set aside, walked in file order: a row whose external_id a kept row has is set
 * aside for it; else one whose phone a kept row with an external_id has, for that. Set-based statements
 * cannot decide this in one go: a row set aside for its phone holds no id, so a later row of that id
 * stands, which may in turn set aside a later row of its phone, and so on down a chain.
 */
export function walkCompetingRows(rows: Iterable<CompetingRow>): {
  ids: CompetingRow["key"][];
  phones: CompetingRow["key"][];
} {
  const keptIds = new Set<string>();
  const keptPhones = new Set<string>();
  const marked = { ids: [] as CompetingRow["key"][], phones: [] as CompetingRow["key"][] };
  for (const r of rows) {
    if (r.external_id !== null && keptIds.has(r.external_id)) marked.ids.push(r.key);
    else if (keptPhones.has(r.phone)) marked.phones.push(r.key);
    else if (r.external_id !== null) {
      keptIds.add(r.external_id);
      keptPhones.add(r.phone);
    }
  }
  return marked;
}

/** A staged row marked at commit (see the DUP_ marks). */
export interface MarkedRow {
  row: number | string;
  dup: number;
  external_id: string | null;
  phone: string;
}

/** The report entry of a marked row. */
export function storedDuplicateIssue(row: MarkedRow): RowIssue {
  if (row.dup === DUP_REPEATED_PHONE) {
    return {
      row: Number(row.row),
      field: "phone",
      code: "duplicate_phone",
      message: "the phone repeats an earlier row",
      value: row.phone,
    };
  }
  if (row.dup === DUP_REPEATED_EXTERNAL_ID) {
    return {
      row: Number(row.row),
      field: "external_id",
      code: "duplicate_external_id",
      message: "external_id repeats an earlier row",
      value: row.external_id ?? "",
    };
  }
  return row.dup === DUP_STORED_EXTERNAL_ID
    ? {
        row: Number(row.row),
        field: "external_id",
        code: "duplicate_external_id",
        message: "the campaign already has a contact with this external_id",
        value: row.external_id ?? "",
      }
    : {
        row: Number(row.row),
        field: "phone",
        code: "duplicate_phone",
        message: "the campaign already has a contact with this phone",
        value: row.phone,
      };
}

/** Whether a row set aside as a duplicate fails the commit: the "reject" policy, or a request that asked
 *  for it whatever the policy (ImportRequest.refuseSetAside). */
export function refusesSetAside(opts: Pick<CommitOptions, "duplicatePolicy" | "refuseSetAside">): boolean {
  return opts.duplicatePolicy === "reject" || opts.refuseSetAside === true;
}

export function rejectDuplicate(issue: RowIssue): ImportError {
  return new ImportError({
    code: issue.code,
    status: 400,
    message: `row ${issue.row}, ${issue.field}: ${issue.message} (${JSON.stringify(issue.value)})`,
    field: issue.field,
    row: issue.row,
  });
}
