// Do-not-call lists: the account's, and each campaign's own (campaign_id): numbers added as JSON or from a
// CSV file, listed, checked and removed. The dispatcher reads the same table at every claim, so a number on
// the account's list is never dialed from the next claim on, whichever campaign holds it, and one on a
// campaign's list is never dialed by that campaign.
import type { Readable } from "node:stream";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { normalizePhone } from "../../lib/phone.ts";
import { ImportError } from "../../lists/errors.ts";
import { filePart, malformedMultipart, refuseOtherTypes } from "../../lists/import-routes.ts";
import { checkedCountry } from "../../lists/import-setup.ts";
import { findCampaign } from "../../store/campaigns.ts";
import {
  accountList,
  addDncNumbers,
  type DncEntry,
  type DncList,
  dncSearchKey,
  findDncNumber,
  listDncNumbers,
  removeDncNumber,
} from "../../store/dnc.ts";
import type { DncNumberRow } from "../../store/schema.ts";
import { ApiError, invalidRequest, notFound } from "../plugins/errors.ts";
import { CSV_TYPES, csvFileBody } from "../plugins/file-body.ts";
import { keysetPage, type NativeApiDeps } from "./deps.ts";
import { DNC_LIMITS, DncBatch, listablePhone, readDncCsv } from "./dnc-input.ts";
import {
  afterIdQuery,
  errorResponses,
  keysetPageSchema,
  limitQuery,
  readableTime,
} from "./schemas/common.ts";
import {
  ADD_BODY_LIMIT,
  type AddBody,
  addBodySchema,
  entryQuerySchema,
  entrySchema,
  type ImportQuery,
  importQuerySchema,
  listQuerySchema,
  MAX_SOURCE_LENGTH,
  type NumberItem,
  phoneParams,
  reportSchema,
} from "./schemas/dnc.ts";
import { iso } from "./views.ts";

function view(row: DncNumberRow) {
  return {
    id: row.id,
    phone: row.phone,
    campaign_id: row.campaign_id === 0 ? null : row.campaign_id,
    source: row.source,
    reason: row.reason,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
  };
}

/** An expiry in ms, or a 400 naming `field` when it is not ahead of now. */
function futureTime(value: string | null | undefined, now: number, field: string): number | null {
  if (value === undefined || value === null) return null;
  const t = readableTime(value, field);
  if (!(t > now)) throw invalidRequest(`${field} must be a time in the future`, field);
  return t;
}

/** One item of `numbers`: a phone, or a phone with its own reason and expiry. */
function addItem(
  batch: DncBatch,
  item: NumberItem,
  field: string,
  defaults: Omit<DncEntry, "phone">,
  now: number,
): void {
  const row = ++batch.rows;
  if (typeof item === "string") {
    batch.add(row, item, field, defaults);
    return;
  }
  const given = item.expires_at;
  const expiresAt = given === undefined ? defaults.expiresAt : given === null ? null : Date.parse(given);
  if (expiresAt !== null && !(expiresAt > now)) {
    const message = Number.isNaN(expiresAt) ? "is not a readable date-time" : "must be a time in the future";
    batch.invalid({ row, field: `${field}.expires_at`, code: "invalid_expires_at", message });
    return;
  }
  const reason = item.reason === undefined ? defaults.reason : item.reason;
  batch.add(row, item.phone, `${field}.phone`, { source: defaults.source, reason, expiresAt });
}

/**
 * The entry texts a phone of the path may name: its E.164 form (written with or without its "+", which is
 * awkward in a URL), and the text as written (an entry listed with phone_policy=flag, as a contact kept
 * flagged holds it; URL-encoded in the path), digits alone also after a "+". With `asWritten`, only the
 * text as written. A 400 when it could name no entry.
 */
function pathPhones(raw: string, asWritten: boolean): string[] {
  const text = raw.trim();
  const kept = listablePhone(text);
  if (asWritten) {
    if (typeof kept === "string") throw invalidRequest(`params.phone: ${kept}`, "params.phone");
    return [kept.phone];
  }
  const digitsOnly = /^\d+$/.test(text);
  const out: string[] = [];
  const parsed = normalizePhone(digitsOnly ? `+${text}` : text);
  if (parsed.ok) out.push(parsed.e164);
  else if (digitsOnly) out.push(`+${text}`);
  if (typeof kept !== "string") out.push(kept.phone);
  else if (!parsed.ok) throw invalidRequest(`params.phone: ${kept}`, "params.phone");
  return [...new Set(out)];
}

export async function dncRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;
  for (const type of CSV_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
    app.addContentTypeParser(type, { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  }
  if (!app.hasRequestDecorator("file")) await app.register(multipart);

  const write = async (list: DncList, batch: DncBatch, now: number) =>
    batch.report(await addDncNumbers(store, list, [...batch.entries.values()], now));
  /** The list a request names: one of the account's campaigns' (404 for any other), or the account's. */
  const listOf = async (accountId: number, campaignId: number | undefined): Promise<DncList> => {
    if (campaignId === undefined) return accountList(accountId);
    if (!(await findCampaign(store.db, accountId, campaignId))) throw notFound("campaign", campaignId);
    return { accountId, campaignId };
  };

  app.post<{ Body: AddBody }>(
    "/v1/dnc",
    {
      config: { permission: "contacts:write" },
      bodyLimit: ADD_BODY_LIMIT,
      schema: {
        tags: ["dnc"],
        summary: "Add numbers to the account's do-not-call list",
        description:
          `Up to ${DNC_LIMITS.maxNumbers} numbers (more: 413), each a string or {phone, reason, expires_at}, ` +
          "normalized to E.164. Numbers already listed are refreshed; invalid ones are skipped and reported " +
          "(phone_policy=reject refuses the request instead; phone_policy=flag lists a number that is not " +
          "valid as written, trimmed and without control characters: the text a contact imported with " +
          "phone_policy=flag keeps and is dialed on; text with no digit or over 64 characters is still " +
          "skipped). A request that fails writes nothing.",
        body: addBodySchema,
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const now = clock.now();
      if (b.numbers.length > DNC_LIMITS.maxNumbers) {
        throw new ApiError(
          "too_many_numbers",
          413,
          `at most ${DNC_LIMITS.maxNumbers} numbers per request; send the rest in another one`,
          "body.numbers",
        );
      }
      const defaults = {
        source: b.source ?? "api",
        reason: b.reason ?? null,
        expiresAt: futureTime(b.expires_at, now, "body.expires_at"),
      };
      const batch = new DncBatch({
        defaultCountry: checkedCountry(b.default_country, "body.default_country"),
        phonePolicy: b.phone_policy ?? "skip",
      });
      const list = await listOf(req.account.id, b.campaign_id);
      b.numbers.forEach((item, i) => {
        addItem(batch, item, `body.numbers[${i}]`, defaults, now);
      });
      return write(list, batch, now);
    },
  );

  app.post<{ Querystring: ImportQuery }>(
    "/v1/dnc/import",
    {
      config: { permission: "contacts:write", openapiBody: csvFileBody({ multipart: true }) },
      onRequest: async (req, reply) => refuseOtherTypes(req, reply),
      bodyLimit: DNC_LIMITS.maxBytes,
      schema: {
        tags: ["dnc"],
        consumes: [...CSV_TYPES, "multipart/form-data"],
        summary: "Add the numbers of a CSV file to the account's do-not-call list",
        description:
          "The CSV is the raw body (text/csv, application/octet-stream) or the `file` part of a multipart form, " +
          `at most ${DNC_LIMITS.maxBytes / 1024 / 1024} MiB and ${DNC_LIMITS.maxRows} rows (more: 413). Phones are ` +
          "read from the phone_column(s), else from the columns named phone/number/msisdn/tel/mobile, else " +
          "from the first column of a file without a header (whose columns are numbered 1, 2, …, up to 16,384, " +
          "its rows of any width). Rows without a valid phone are skipped and " +
          "reported; a malformed file, bytes not in its encoding or a limit exceeded write nothing.",
        querystring: importQuerySchema,
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const now = clock.now();
      const batch = new DncBatch({
        defaultCountry: checkedCountry(q.default_country, "querystring.default_country"),
        phonePolicy: q.phone_policy ?? "skip",
      });
      const expiry = futureTime(q.expires_at, now, "querystring.expires_at");
      const list = await listOf(req.account.id, q.campaign_id);
      const upload = await csvBody(req);
      readDncCsv(
        upload.bytes,
        {
          encoding: q.encoding,
          delimiter: q.delimiter === "tab" || q.delimiter === "\\t" ? "\t" : q.delimiter,
          quote: q.quote,
          escape: q.escape,
          header: q.header,
          phoneColumns: q.phone_column?.split(",").map((c) => c.trim()),
          maxRows: DNC_LIMITS.maxRows,
          entry: {
            // The schema bounds ?source=; a file name is the client's to choose, so it is cut to the same.
            source: q.source ?? (upload.name?.slice(0, MAX_SOURCE_LENGTH) || "csv"),
            reason: q.reason ?? null,
            expiresAt: expiry,
          },
        },
        batch,
      );
      return write(list, batch, now);
    },
  );

  app.get<{ Querystring: { limit: number; after_id?: number; phone?: string; campaign_id?: number } }>(
    "/v1/dnc",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["dnc"],
        summary: "The account's do-not-call list in force, in id order",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: limitQuery,
            after_id: afterIdQuery,
            phone: {
              type: "string",
              pattern: "^\\s*\\+?[0-9]{1,15}$",
              description:
                "Only numbers starting with these digits, e.g. +1212 (a whole number matches itself). With " +
                "the + (%2B, or a + left unencoded, which a query string reads as a space), the numbers " +
                "written international: E.164, or listed as written with their + or 00 (+1 212 055 0100, " +
                "001 212 055 0100); without it, those and the numbers listed as written without a country " +
                "code whose digits start so (1212 also finds 1 212 055 0100). Leading 00 is read as the + " +
                "(001212 is +1212).",
            },
            ...listQuerySchema.properties,
          },
        },
        response: {
          200: keysetPageSchema(entrySchema),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listDncNumbers(
        store.db,
        await listOf(req.account.id, q.campaign_id),
        {
          phonePrefix: q.phone === undefined ? undefined : searchedPrefix(q.phone),
          afterId: q.after_id,
          limit: q.limit + 1,
        },
        clock.now(),
      );
      return keysetPage(rows, q.limit, view);
    },
  );

  type EntryQuery = { campaign_id?: number; as_written?: boolean };

  /** The listed entry the path names. A path whose readings name two listed entries (digits that are a
   *  number's E.164 form and another entry's text as written) is a 409 that says how to name either, not a
   *  guess: a DELETE of the wrong one would take a person's opt-out off the list. */
  async function findEntry(accountId: number, rawPhone: string, q: EntryQuery): Promise<DncNumberRow> {
    const readings = pathPhones(rawPhone, q.as_written === true);
    const list = await listOf(accountId, q.campaign_id);
    const found: DncNumberRow[] = [];
    for (const phone of readings) {
      const row = await findDncNumber(store.db, list, phone, clock.now());
      if (row) found.push(row);
    }
    if (found.length > 1) {
      const [a, b] = found.map((r) => r.phone);
      throw new ApiError(
        "ambiguous_phone",
        409,
        `both ${a} and ${b} are on the list: write the number with its + (%2B) for ${a}, or add ` +
          `as_written=true for the exact text ${b}`,
        "params.phone",
      );
    }
    if (found.length === 0) throw notListed(readings[0]);
    return found[0];
  }

  app.get<{ Params: { phone: string }; Querystring: EntryQuery }>(
    "/v1/dnc/:phone",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["dnc"],
        summary: "Whether a number is on the do-not-call list: its entry, or 404",
        params: phoneParams,
        querystring: entryQuerySchema,
        response: { 200: entrySchema, ...errorResponses },
      },
    },
    async (req) => view(await findEntry(req.account.id, req.params.phone, req.query)),
  );

  app.delete<{ Params: { phone: string }; Querystring: EntryQuery }>(
    "/v1/dnc/:phone",
    {
      config: { permission: "dnc:remove" },
      schema: {
        tags: ["dnc"],
        summary: "Take a number off the do-not-call list; contacts still pending may be dialed on it again",
        params: phoneParams,
        querystring: entryQuerySchema,
        response: { 204: { type: "null", description: "Removed" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const entry = await findEntry(req.account.id, req.params.phone, req.query);
      const list = await listOf(req.account.id, req.query.campaign_id);
      if (!(await removeDncNumber(store.db, list, entry.phone, clock.now()))) throw notListed(entry.phone);
      return reply.status(204).send();
    },
  );
}

/** ?phone= as listDncNumbers reads it: read as a listed phone is (dncSearchKey), its digits after a "+"
 *  when one was written or its "00" leads them (001212 is +1212). A "+" sent unencoded in a query string
 *  arrives as a space (the schema's pattern lets it lead), and is read as the "+". */
function searchedPrefix(phone: string): string {
  return dncSearchKey(phone.replace(/^\s+/, "+"));
}

function notListed(phone: string): ApiError {
  return new ApiError("not_found", 404, `${phone} is not on the do-not-call list`);
}

/** The uploaded bytes: the raw body, or the `file` part of a multipart form (with its file name). */
async function csvBody(req: FastifyRequest): Promise<{ bytes: Buffer; name?: string }> {
  if (!req.isMultipart()) {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new ImportError({
        code: "missing_body",
        status: 400,
        message: "send the CSV as the request body (text/csv) or as a multipart `file` part",
      });
    }
    return { bytes: req.body };
  }
  const part = await filePart(req, DNC_LIMITS.maxBytes);
  let bytes: Buffer;
  try {
    bytes = await readAll(part.file);
  } catch (err) {
    throw malformedMultipart(err); // a body cut short fails as its file is read
  }
  if (part.file.truncated) {
    throw new ImportError({
      code: "payload_too_large",
      status: 413,
      message: `the file is larger than ${DNC_LIMITS.maxBytes} bytes`,
      field: "file",
    });
  }
  // The name is only a label (the entries' default source): a NUL in it, which PostgreSQL cannot store,
  // is left out rather than failing the import.
  return { bytes, name: part.filename?.replaceAll("\u0000", "") || undefined };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
