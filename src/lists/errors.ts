// The one error the import raises for a whole request: the API renders it as {error:{code,message,field,row}}
// with `status` as the HTTP status. Row-level problems are not errors but entries of the report.

export type ImportErrorStatus = 400 | 404 | 408 | 409 | 413 | 429;

export interface ImportErrorData {
  code: string;
  status: ImportErrorStatus;
  message: string;
  field?: string;
  /** 1-based data row (the header is row 0) the error was found in. */
  row?: number;
  /** What to change, in the HTTP API's terms (map.phone=…, encoding=…); `message` ends with it. Kept apart
   *  so a front end whose options are spelt otherwise (the CLI) can give its own advice instead. */
  apiHint?: string;
}

export class ImportError extends Error {
  readonly code: string;
  readonly status: ImportErrorStatus;
  /** Fastify's error handler reads `statusCode`; it mirrors `status`. */
  readonly statusCode: ImportErrorStatus;
  readonly field?: string;
  readonly row?: number;
  readonly apiHint?: string;

  constructor(data: ImportErrorData) {
    super(data.message);
    this.name = "ImportError";
    this.code = data.code;
    this.status = data.status;
    this.statusCode = data.status;
    if (data.field !== undefined) this.field = data.field;
    if (data.row !== undefined) this.row = data.row;
    if (data.apiHint !== undefined) this.apiHint = data.apiHint;
  }

  /** The message without its API hint (the whole message when a front end has reworded it). */
  get reason(): string {
    const tail = this.apiHint === undefined ? "" : `; ${this.apiHint}`;
    return tail && this.message.endsWith(tail) ? this.message.slice(0, -tail.length) : this.message;
  }

  /** Plain data, to cross a worker boundary (Error subclasses do not survive structured cloning). */
  toData(): ImportErrorData {
    const data: ImportErrorData = { code: this.code, status: this.status, message: this.message };
    if (this.field !== undefined) data.field = this.field;
    if (this.row !== undefined) data.row = this.row;
    if (this.apiHint !== undefined) data.apiHint = this.apiHint;
    return data;
  }
}

export function badRequest(code: string, message: string, field?: string, row?: number): ImportError {
  return new ImportError({ code, status: 400, message, field, row });
}

/** A 400 whose advice names the HTTP API's options: `reason; apiHint` (see ImportErrorData.apiHint). */
export function badRequestWithHint(
  code: string,
  reason: string,
  apiHint: string,
  field?: string,
  row?: number,
): ImportError {
  return new ImportError({ code, status: 400, message: `${reason}; ${apiHint}`, field, row, apiHint });
}

/** The import's list or campaign, deleted while the file streamed in: the same 404 on either store. */
export function targetGone(code: "list_not_found" | "campaign_not_found", what: string): ImportError {
  return new ImportError({ code, status: 404, message: `${what} no longer exists` });
}
