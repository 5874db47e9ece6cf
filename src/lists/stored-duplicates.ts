// Rows the commit sets aside: their external_id repeats an earlier row of the import, or the campaign
// already holds their external_id or first phone. How the stage marks them, how they are reported, and
// the error when duplicatePolicy is "reject".
import { ImportError } from "./errors.ts";
import type { RowIssue } from "./types.ts";

/** Marks in the stage's `dup` column. */
export const DUP_STORED_EXTERNAL_ID = 1;
export const DUP_STORED_PHONE = 2;
export const DUP_REPEATED_EXTERNAL_ID = 3;
/** The first phone repeats an earlier row of the import that is kept (one with an external_id). */
export const DUP_REPEATED_PHONE = 4;

/**
 * The statement marking DUP_REPEATED_PHONE, run once external_ids and stored phones are marked: a row
 * still standing whose phone an earlier standing row with an external_id has. Only such earlier rows are
 * staged beside a repeat (ContactRules stages no other), so the partial index `stage_id_phone` on
 * (phone, row) WHERE external_id IS NOT NULL serves it. The earliest standing row of a phone is never
 * marked, so the result is the same whether the statement sees its own changes or not.
 */
export function markRepeatedPhonesSql(stage: string, mark: string): string {
  return `UPDATE ${stage} AS s SET dup = ${mark} WHERE s.dup = 0
    AND EXISTS (SELECT 1 FROM ${stage} p WHERE p.external_id IS NOT NULL AND p.phone = s.phone
                AND p.row < s.row AND p.dup = 0)`;
}

/** The statement marking DUP_REPEATED_EXTERNAL_ID: a row still standing whose external_id an earlier
 *  standing row has (served by the index on (external_id, row)). As above, the earliest standing row of an
 *  id is never marked: the outcome does not hang on the order the statement visits rows in. */
export function markRepeatedIdsSql(stage: string): string {
  return `UPDATE ${stage} AS s SET dup = ${DUP_REPEATED_EXTERNAL_ID} WHERE s.dup = 0 AND s.external_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM ${stage} p
      WHERE p.external_id = s.external_id AND p.row < s.row AND p.dup = 0)`;
}

/**
 * Rows set aside for repeating an earlier row's external_id, or phone, that no earlier standing row holds
 * any more: that row was set aside after them (an id-holder whose phone repeats a row before it). They
 * stand again, and the two markings run again, until these move nothing: then every row is kept or set
 * aside as a walk in file order would decide (the first row of an id or phone is kept; a later one is set
 * aside, for its id first).
 */
export function standAgainSql(stage: string): string[] {
  return [
    `UPDATE ${stage} AS s SET dup = 0 WHERE s.dup = ${DUP_REPEATED_EXTERNAL_ID}
      AND NOT EXISTS (SELECT 1 FROM ${stage} p
        WHERE p.external_id = s.external_id AND p.row < s.row AND p.dup = 0)`,
    `UPDATE ${stage} AS s SET dup = 0 WHERE s.dup = ${DUP_REPEATED_PHONE}
      AND NOT EXISTS (SELECT 1 FROM ${stage} p
        WHERE p.external_id IS NOT NULL AND p.phone = s.phone AND p.row < s.row AND p.dup = 0)`,
  ];
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

export function rejectDuplicate(issue: RowIssue): ImportError {
  return new ImportError({
    code: issue.code,
    status: 400,
    message: `row ${issue.row}, ${issue.field}: ${issue.message} (${JSON.stringify(issue.value)})`,
    field: issue.field,
    row: issue.row,
  });
}
