// The one error the import raises for a whole request: the API renders it as {error:{code,message,field}}
// with `status` as the HTTP status. Row-level problems are not errors but entries of the report.

export type ImportErrorStatus = 400 | 404 | 409 | 413 | 429;

export interface ImportErrorData {
  code: string;
  status: ImportErrorStatus;
  message: string;
  field?: string;
  /** 1-based data row (the header is row 0) the error was found in. */
  row?: number;
}

export class ImportError extends Error {
  readonly code: string;
  readonly status: ImportErrorStatus;
  /** Fastify's error handler reads `statusCode`; it mirrors `status`. */
  readonly statusCode: ImportErrorStatus;
  readonly field?: string;
  readonly row?: number;

  constructor(data: ImportErrorData) {
    super(data.message);
    this.name = "ImportError";
    this.code = data.code;
    this.status = data.status;
    this.statusCode = data.status;
    if (data.field !== undefined) this.field = data.field;
    if (data.row !== undefined) this.row = data.row;
  }

  /** Plain data, to cross a worker boundary (Error subclasses do not survive structured cloning). */
  toData(): ImportErrorData {
    const data: ImportErrorData = { code: this.code, status: this.status, message: this.message };
    if (this.field !== undefined) data.field = this.field;
    if (this.row !== undefined) data.row = this.row;
    return data;
  }
}

export function badRequest(code: string, message: string, field?: string, row?: number): ImportError {
  return new ImportError({ code, status: 400, message, field, row });
}
