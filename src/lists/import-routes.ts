// HTTP routes of the contact import: a CSV body streamed straight into importCsv (raw text/csv or
// application/octet-stream, or the `file` part of multipart/form-data), and the JSON bulk add. Errors
// are thrown as ImportError (a wrong content type as ApiError); the application's error handler renders
// {error:{code,message,field}}.
import { PassThrough, type Readable } from "node:stream";
import multipart, {
  type FastifyMultipartBaseOptions,
  type Multipart,
  type MultipartFile,
} from "@fastify/multipart";
// Brings the schema keys @fastify/swagger documents (summary, description) into FastifySchema.
import type {} from "@fastify/swagger";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../api/plugins/errors.ts";
import { CSV_TYPES, csvFileBody } from "../api/plugins/file-body.ts";
import type { Store } from "../store/db.ts";
import { columnMapping } from "./column-query.ts";
import { ImportError } from "./errors.ts";
import { addContacts, importCsv } from "./import.ts";
import {
  contactsBodySchema,
  errorResponses,
  importQuerySchema,
  paramsSchema,
  reportSchema,
} from "./route-schemas.ts";
import { type ContactInput, DEFAULT_LIMITS, type DuplicatePolicy, type PhonePolicy } from "./types.ts";

/** A JSON add's body: 10,000 contacts of ordinary size fit well inside (one with 100 custom fields at their
 *  limits does not: split such a batch). Said in the 413 and the OpenAPI description. */
const JSON_ADD_MAX_BYTES = 64 * 1024 * 1024;
export interface ImportRoutesOptions {
  store: Store;
  getAccountId(req: FastifyRequest): number;
  /** Tells the dispatcher new contacts are there. */
  wake(): void;
  maxBytes?: number;
  maxRows?: number;
  maxFieldLength?: number;
  /** Wall time an upload may send nothing before it is given up (ImportRequest.idleMs). */
  idleMs?: number;
  /** ms epoch source for created_at; the wall clock when absent. */
  now?: () => number;
}

interface Params {
  campaignId: number;
  listId: number;
}

type ImportQuery = {
  encoding?: string;
  delimiter?: string;
  quote?: string;
  escape?: string;
  header?: boolean;
  phone_policy?: PhonePolicy;
  duplicate_policy?: DuplicatePolicy;
  default_country?: string;
} & Record<string, unknown>;

interface ContactsBody {
  contacts: ContactInput[];
  phone_policy?: PhonePolicy;
  duplicate_policy?: DuplicatePolicy;
  default_country?: string;
}

const UPLOAD_TYPES = CSV_TYPES.concat("multipart/form-data");

export async function importRoutes(app: FastifyInstance, opts: ImportRoutesOptions): Promise<void> {
  // The body stays a stream: importCsv reads it at the pace rows are stored.
  for (const type of CSV_TYPES) {
    if (!app.hasContentTypeParser(type)) {
      app.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
  }
  if (!app.hasRequestDecorator("file")) await app.register(multipart);

  app.post<{ Params: Params; Querystring: ImportQuery }>(
    "/v1/campaigns/:campaignId/lists/:listId/import",
    {
      config: { openapiBody: csvFileBody({ multipart: true }) },
      // Before the body is read: Fastify would parse text/plain or JSON itself, whole, into a string.
      onRequest: async (req, reply) => refuseOtherTypes(req, reply),
      schema: {
        tags: ["contacts"],
        consumes: UPLOAD_TYPES,
        summary: "Import contacts from a CSV file",
        description:
          "Streams a CSV (raw text/csv or application/octet-stream body, or the `file` part of multipart/form-data) " +
          "into the list. Options go in the query string; columns are mapped with map.<field>=<column>, several " +
          "comma-separated for map.phone and map.custom (map.phone=Phone1,Phone2), a name with a comma in double " +
          'quotes (map.external_id="Client, ID"). Without a mapping, common header names are recognised and every other ' +
          "column becomes a custom field. All rows are stored or none.",
        params: paramsSchema,
        querystring: importQuerySchema,
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const accountId = opts.getAccountId(req);
      const source = req.isMultipart() ? (await filePart(req)).file : (req.body as Readable | undefined);
      if (!source || typeof (source as Readable).on !== "function") {
        throw new ImportError({
          code: "missing_body",
          status: 400,
          message: "send the CSV as the request body or as a `file` part",
        });
      }
      const q = req.query;
      try {
        const report = await importCsv(
          opts.store,
          {
            accountId,
            campaignId: req.params.campaignId,
            listId: req.params.listId,
            now: opts.now?.(),
            encoding: q.encoding,
            delimiter: separator(q.delimiter),
            quote: q.quote,
            escape: q.escape,
            header: q.header,
            phonePolicy: q.phone_policy,
            duplicatePolicy: q.duplicate_policy,
            defaultCountry: q.default_country,
            columns: columnMapping(q),
            maxBytes: opts.maxBytes,
            maxRows: opts.maxRows,
            maxFieldLength: opts.maxFieldLength,
            idleMs: opts.idleMs,
          },
          source,
        );
        opts.wake();
        return report;
      } catch (err) {
        closeIfUnread(req, reply);
        if (err instanceof ImportError) throw inRouteTerms(err);
        throw uploadErrors.has(err as object) ? malformedMultipart(err) : err;
      }
    },
  );

  app.post<{ Params: Params; Body: ContactsBody }>(
    "/v1/campaigns/:campaignId/lists/:listId/contacts",
    {
      bodyLimit: JSON_ADD_MAX_BYTES,
      schema: {
        tags: ["contacts"],
        summary: "Add contacts",
        description: `Adds up to ${DEFAULT_LIMITS.maxContacts} contacts (a body of at most ${JSON_ADD_MAX_BYTES / 1024 / 1024} MiB) with the CSV import's validation, policies and report; all or none are stored.`,
        params: paramsSchema,
        body: contactsBodySchema,
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = opts.getAccountId(req);
      const body = req.body;
      const report = await addContacts(
        opts.store,
        {
          accountId,
          campaignId: req.params.campaignId,
          listId: req.params.listId,
          now: opts.now?.(),
          phonePolicy: body.phone_policy,
          duplicatePolicy: body.duplicate_policy,
          defaultCountry: body.default_country,
          maxFieldLength: opts.maxFieldLength,
        },
        body.contacts,
      ).catch((err) => {
        throw err instanceof ImportError ? inRouteTerms(err) : err;
      });
      opts.wake();
      return report;
    },
  );
}

/** The `file` part of a multipart upload (a 400 naming `file` without one). @fastify/multipart cuts a part at
 *  `maxBytes` and only marks its stream `truncated`: a caller with a limit checks that flag after reading.
 *  One file is taken, never a second silently: the stream handed out ends only once the rest of the body
 *  is read, and fails with a 400 `multiple_files` naming `file` if another file part comes (or a 400
 *  `unexpected_form_field` naming a form field, before or after it: options go in the query string), so a
 *  caller that writes only after the stream ends writes nothing. */
export async function filePart(
  req: FastifyRequest,
  maxBytes = Number.MAX_SAFE_INTEGER,
): Promise<{ file: Readable & { truncated?: boolean }; filename: string }> {
  // No `files` limit: busboy would skip a second file itself, and its 413 only reach a reader of later parts.
  // No thrown size limit: the callers check `truncated` (its error would otherwise end the iteration).
  const options: FastifyMultipartBaseOptions = { limits: { fileSize: maxBytes }, throwFileSizeLimit: false };
  const parts = req.parts(options);
  let part: MultipartFile | undefined;
  try {
    part = await nextFile(parts);
  } catch (err) {
    throw malformedMultipart(err);
  }
  if (part?.fieldname !== "file") {
    part?.file.resume();
    throw new ImportError({
      code: "missing_file",
      status: 400,
      message: "send the CSV in a multipart part named `file`",
      field: "file",
    });
  }
  const source = part.file;
  // What the file part's stream fails with is the upload's fault (a body cut short): the reader meets it
  // as its own error, told apart here by identity. It may have failed already, the body read whole.
  if (source.errored) uploadErrors.add(source.errored);
  source.on("error", (err) => uploadErrors.add(err));
  const file = new PassThrough({
    // The part's bytes are all through: the rest of the body decides whether the stream ends or fails.
    flush: (done) => refuseAnotherFile(parts).then(() => done(), done),
  });
  Object.defineProperty(file, "truncated", { get: () => source.truncated });
  // The caller may await other things (the list, the campaign's import lock) before it reads: an error the
  // stream fails with meanwhile (a second file part, a body cut short) must wait for that reader, who
  // meets it through finished() or its for-await, instead of being an unhandled 'error' that ends the node.
  file.on("error", () => {});
  source.on("error", (err) => file.destroy(err));
  if (source.errored) file.destroy(source.errored);
  else source.pipe(file);
  return { file, filename: part.filename };
}

/** The next file part; undefined at the end of the body. A form field is a 400 naming it (formField). */
async function nextFile(parts: AsyncIterableIterator<Multipart>): Promise<MultipartFile | undefined> {
  // Not a `for await`: leaving it would close the iterator, which must go on after the file is read.
  const next = await parts.next();
  if (next.done) return undefined;
  if (next.value.type === "file") return next.value;
  throw formField(next.value.fieldname);
}

/**
 * A form field beside the file (curl -F phone_policy=reject) is refused, not passed over: passed over, the
 * import ran with the defaults the caller meant to change (a partial list stored where all or nothing was
 * asked). Not read as options either: a field after the file part comes once the rows are read, too late
 * to say how to read them, so the one rule that holds whatever the order is the query string's.
 */
function formField(name: string): ImportError {
  return new ImportError({
    code: "unexpected_form_field",
    status: 400,
    message: `the form field \`${name}\` is not read: the body holds only the \`file\` part, the import's options go in the query string`,
    field: name,
  });
}

/** Reads the multipart body after its file part to the end: another file part is a 400. */
async function refuseAnotherFile(parts: AsyncIterableIterator<Multipart>): Promise<void> {
  let extra: MultipartFile | undefined;
  try {
    extra = await nextFile(parts);
  } catch (err) {
    throw malformedMultipart(err);
  }
  if (!extra) return;
  extra.file.resume(); // not read: the request is answered at once
  throw new ImportError({
    code: "multiple_files",
    status: 400,
    message: `send one file part, named \`file\`: a second file part \`${extra.fieldname}\` came after it`,
    field: "file",
  });
}

/** Errors the multipart file streams handed out by filePart failed with. */
const uploadErrors = new WeakSet<object>();

/** The multipart parser's own errors (no boundary, a body cut short) carry no status: they are the client's.
 *  For an error met while a multipart upload's file is read, too. */
export function malformedMultipart(err: unknown): Error {
  if (typeof (err as { statusCode?: unknown }).statusCode === "number" || err instanceof ImportError)
    return err as Error;
  return new ImportError({
    code: "malformed_multipart",
    status: 400,
    message: `the multipart body cannot be read: ${(err as Error).message}`,
    field: "file",
  });
}

/** A 415 naming the types taken, unless the request is one of them (or has no body to type). For an
 *  onRequest hook: Fastify would otherwise parse text/plain or JSON itself, whole, into a string. */
export function refuseOtherTypes(req: FastifyRequest, reply: FastifyReply): void {
  const type = req.headers["content-type"]?.split(";")[0].trim().toLowerCase();
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (type ? UPLOAD_TYPES.includes(type) : !hasBody) return;
  if (hasBody) closeIfUnread(req, reply);
  throw new ApiError(
    "unsupported_media_type",
    415,
    `send the CSV as ${CSV_TYPES.join(", ")} or as the \`file\` part of multipart/form-data (got ${type ? `"${type}"` : "no Content-Type"})`,
    "headers.content-type",
  );
}

/**
 * The import names inputs after its own options: a mapping error columns.phone, a missing target campaignId
 * or listId (import-setup.ts, shared with the vendor faces, which name them in their own terms). Here
 * those are map.phone and the path parameters, named by request part as every /v1 route names its inputs.
 */
function inRouteTerms(err: ImportError): ImportError {
  const field = routeField(err.field);
  return field === err.field ? err : new ImportError({ ...err.toData(), field });
}

function routeField(field: string | undefined): string | undefined {
  if (field === "campaignId" || field === "listId") return `params.${field}`;
  if (field?.startsWith("columns.")) return `map.${field.slice("columns.".length)}`;
  return field;
}

/** "tab" and a literal "\t" stand for a tab, which is awkward to put in a URL. */
function separator(value: string | undefined): string | undefined {
  if (value === "tab" || value === "\\t") return "\t";
  return value;
}

/** After an error with the upload still coming, close the connection rather than read it all. */
function closeIfUnread(req: FastifyRequest, reply: FastifyReply): void {
  if (!req.raw.complete) reply.header("connection", "close");
}
