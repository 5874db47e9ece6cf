// Rows the commit sets aside: their external_id repeats an earlier row of the import, or the campaign
// already holds their external_id or first phone. How the stage marks them, how they are reported, and
// the error when duplicatePolicy is "reject".
import { ImportError } from "./errors.ts";
import type { RowIssue } from "./types.ts";

/** Marks in the stage's `dup` column. */
export const DUP_STORED_EXTERNAL_ID = 1;
export const DUP_STORED_PHONE = 2;
export const DUP_REPEATED_EXTERNAL_ID = 3;

/** A staged row marked at commit (see the DUP_ marks). */
export interface MarkedRow {
  row: number | string;
  dup: number;
  external_id: string | null;
  phone: string;
}

/** The report entry of a marked row. */
export function storedDuplicateIssue(row: MarkedRow): RowIssue {
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
