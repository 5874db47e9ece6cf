// Contact imports: a streamed CSV file (importCsv) or a JSON list (addContacts) into one list of a
// campaign. Both validate every row the same way (contact-rules.ts), apply the phone and duplicate
// policies, write everything or nothing (writer.ts), and answer with a per-row report.
import { finished, type Readable } from "node:stream";
import { isUniqueViolation, type Store } from "../store/db.ts";
import { resolveEncoding } from "./byte-decoder.ts";
import { ContactRules } from "./contact-rules.ts";
import { type CsvOptions, type CsvSummary, createCsvCore } from "./csv-contacts.ts";
import { ImportError } from "./errors.ts";
import {
  checkValidation,
  loadTarget,
  type NewListTarget,
  positive,
  withCampaignLock,
} from "./import-setup.ts";
import { contactInput } from "./json-contacts.ts";
import { createParseHost, type ParseHost } from "./parse-host.ts";
import {
  type AddContactsRequest,
  type ContactInput,
  DEFAULT_LIMITS,
  type DuplicatePolicy,
  type ImportReport,
  type ImportRequest,
} from "./types.ts";
import { type CommitResult, type ContactsWriter, createWriter } from "./writer.ts";

export { ImportError } from "./errors.ts";
export type * from "./types.ts";

/**
 * Rows the parser validates before handing them on in one go. Tuple batches (SQLite) are kept small, a
 * multiple of the stage's 100-row statements: fewer rows outlive a young-generation collection in the
 * worker, and the main thread writes each in well under a millisecond. COPY text carries more rows.
 */
const BATCH_ROWS = { rows: 500, copy: 2000 } as const;
/** Uploads smaller than this are parsed on the calling thread: a worker costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 1024 * 1024;

/** An import into a list made for it (see WriterTarget): `outdial import` without --list. */
export type NewListImportRequest = Omit<ImportRequest, "listId"> & NewListTarget;

/** Streams a CSV into the list. Memory stays flat: the source is read only as fast as rows are stored. */
export async function importCsv(store: Store, req: ImportRequest, source: Readable): Promise<ImportReport> {
  return (await importRows(store, req, source)).report;
}

/**
 * importCsv into a new list named `req.newListName`, which the commit makes with the contacts: an import
 * that fails or is killed leaves none. `listId` is null when no row was staged (no list was made).
 */
export function importCsvIntoNewList(
  store: Store,
  req: NewListImportRequest,
  source: Readable,
): Promise<{ listId: number | null; report: ImportReport }> {
  return importRows(store, req, source);
}

async function importRows(
  store: Store,
  req: ImportRequest | NewListImportRequest,
  source: Readable,
): Promise<{ listId: number | null; report: ImportReport }> {
  // Hold the stream until rows can be taken: a caller's own "data" listener (a progress bar) would
  // otherwise start it flowing while the campaign is still being looked up, and those bytes be lost.
  source.pause();
  const validation = checkValidation(req);
  const encoding = resolveEncoding(req.encoding);
  const maxBytes = positive(req.maxBytes, DEFAULT_LIMITS.maxBytes, "max_bytes");
  const idleMs = positive(req.idleMs, DEFAULT_LIMITS.idleMs, "idle_ms");
  const csvOptions: Omit<CsvOptions, "rules" | "batchRows"> = {
    encoding,
    delimiter: req.delimiter ?? ",",
    quote: req.quote ?? '"',
    escape: req.escape ?? req.quote ?? '"',
    header: req.header ?? true,
    columns: req.columns,
    maxRows: positive(req.maxRows, DEFAULT_LIMITS.maxRows, "max_rows"),
    maxFieldLength: validation.maxFieldLength,
    ...(req.lenient ? { lenient: req.lenient } : {}),
  };
  createCsvCore(csvOptions); // option errors now, before anything is read
  const loaded = await loadTarget(store, req, req.now);
  const target = req.holdBase === undefined ? loaded : { ...loaded, holdBase: Math.trunc(req.holdBase) };
  return withCampaignLock(store, req.campaignId, async () => {
    const writer = createWriter(store, target);
    const hosting = { host: null as ParseHost | null };
    try {
      await writer.begin();
      const options: CsvOptions = {
        ...csvOptions,
        batchRows: BATCH_ROWS[writer.output.kind],
        rules: { ...validation, now: target.now },
      };
      const start = (useWorker: boolean): ParseHost => {
        const stage = {
          output: writer.output,
          onBatch: (t: unknown[]) => writer.stage(t),
          onCopy: (d: Uint8Array) => writer.stageCopy(d),
        };
        hosting.host = createParseHost(options, stage, useWorker);
        return hosting.host;
      };
      // The worker is decided once the upload proves large (or small, by ending first).
      const held: Buffer[] = [];
      let bytes = 0;
      await readChunks(source, idleMs, async (chunk) => {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          throw new ImportError({
            code: "payload_too_large",
            status: 413,
            message: `the file is larger than ${maxBytes} bytes`,
          });
        }
        if (hosting.host) return hosting.host.write(chunk);
        held.push(chunk);
        if (req.worker === false || (req.worker !== true && bytes < WORKER_THRESHOLD_BYTES)) return;
        const host = start(true);
        for (const early of held.splice(0)) await host.write(early);
      });
      const host = hosting.host ?? start(req.worker === true);
      for (const early of held.splice(0)) await host.write(early);
      const summary = await host.end();
      const stored = await commit(writer, validation.duplicatePolicy, summary, req.refuseSetAside);
      return { listId: stored.listId, report: report(summary, stored) };
    } catch (err) {
      await hosting.host?.abort();
      await writer.abort();
      throw err;
    }
  });
}

/** Adds contacts given as JSON (at most DEFAULT_LIMITS.maxContacts), with the CSV import's rules. */
export async function addContacts(
  store: Store,
  req: AddContactsRequest,
  contacts: ContactInput[],
): Promise<ImportReport> {
  if (!Array.isArray(contacts))
    throw new ImportError({
      code: "invalid_body",
      status: 400,
      message: "contacts must be an array",
      field: "contacts",
    });
  if (contacts.length > DEFAULT_LIMITS.maxContacts) {
    throw new ImportError({
      code: "too_many_contacts",
      status: 413,
      message: `at most ${DEFAULT_LIMITS.maxContacts} contacts a request; send the rest in further requests or as a CSV import`,
      field: "contacts",
    });
  }
  const validation = checkValidation(req);
  const target = await loadTarget(store, req, req.now);
  return withCampaignLock(store, req.campaignId, async () => {
    const writer = createWriter(store, target);
    try {
      await writer.begin();
      const rules = new ContactRules({
        ...validation,
        now: target.now,
        startAtNumbers: "ms",
        dailyFields: ["daily_window.from", "daily_window.to"],
      });
      const tuples: unknown[] = [];
      contacts.forEach((contact, i) => {
        const input = contactInput(contact, i + 1, validation.maxFieldLength, rules);
        if (input) rules.accept(i + 1, input, tuples);
      });
      if (tuples.length > 0) await writer.stage(tuples);
      const summary: CsvSummary = {
        rows: contacts.length,
        skipped: rules.skipped,
        flagged: rules.flagged,
        issues: rules.issues,
        issuesTruncated: rules.issuesTruncated,
        phoneRepeats: rules.phoneRepeats,
      };
      return report(summary, await commit(writer, validation.duplicatePolicy, summary));
    } catch (err) {
      await writer.abort();
      throw err;
    }
  });
}

async function commit(
  writer: ContactsWriter,
  duplicatePolicy: DuplicatePolicy,
  summary: CsvSummary,
  refuseSetAside = false,
): Promise<CommitResult> {
  const staged = summary.rows - summary.skipped;
  try {
    return await writer.commit({
      duplicatePolicy,
      refuseSetAside,
      staged,
      flagged: summary.flagged,
      phoneRepeats: summary.phoneRepeats,
      maxIssues: DEFAULT_LIMITS.maxErrors,
    });
  } catch (err) {
    // Only a writer bypassing the campaign lock can add a clashing external_id meanwhile.
    if (isUniqueViolation(err)) {
      throw new ImportError({
        code: "conflict",
        status: 409,
        message: "another write added contacts with the same external_id meanwhile; nothing was imported",
        field: "external_id",
      });
    }
    throw err;
  }
}

function report(summary: CsvSummary, stored: CommitResult): ImportReport {
  const max = DEFAULT_LIMITS.maxErrors;
  let all = summary.issues;
  if (stored.issues.length) {
    // A row set aside at commit was staged, so its only earlier note is a phone kept flagged: not kept now.
    const setAside = new Set(stored.issues.map((i) => i.row));
    const kept = summary.issues.filter((i) => !(i.code === "invalid_phone" && setAside.has(i.row)));
    all = [...kept, ...stored.issues].sort((a, b) => a.row - b.row);
  }
  return {
    rows: summary.rows,
    inserted: stored.inserted,
    skipped: summary.skipped + stored.skipped,
    flagged: stored.flagged,
    errors: all.slice(0, max),
    errorsTruncated: summary.issuesTruncated || stored.skipped > stored.issues.length || all.length > max,
  };
}

/**
 * Reads `source` chunk by chunk, waiting for `onChunk` before the next. On failure the source is paused,
 * not destroyed: an HTTP request must stay open for the error response. A source that sends nothing for
 * `idleMs` while it is waited on fails the read (the time its chunks take to stage does not count).
 */
function readChunks(
  source: Readable,
  idleMs: number,
  onChunk: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    // The end can come before the last chunk is staged (both buffered): no waiting for the client after it.
    let ended = false;
    let current: Promise<void> = Promise.resolve();
    let idle: NodeJS.Timeout | null = null;
    const waitForClient = () => {
      idle = setTimeout(() => {
        onError(
          new ImportError({
            code: "upload_stalled",
            status: 408,
            message: `the upload sent nothing for ${idleMs / 1000} s and was given up; send the file again`,
          }),
        );
      }, idleMs);
    };
    const cleanup = () => {
      if (idle) clearTimeout(idle);
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
    };
    const onError = (err: Error) => {
      if (failed) return;
      failed = true;
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      ended = true;
      cleanup();
      current.then(resolve, () => {});
    };
    const onData = (data: Buffer | string) => {
      if (idle) clearTimeout(idle);
      source.pause();
      const chunk = typeof data === "string" ? Buffer.from(data) : data;
      current = onChunk(chunk);
      current.then(
        () => {
          if (failed || ended) return;
          waitForClient();
          source.resume();
        },
        (err) => {
          onError(err);
        },
      );
    };
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    // A source that failed or closed before these listeners were attached (a multipart body cut short)
    // sends no more events: finished() reports it, or the import would wait for ever, holding its lock.
    finished(source, (err) => {
      if (err) onError(err);
    });
    waitForClient();
    source.resume();
  });
}
