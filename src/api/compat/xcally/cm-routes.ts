// Xcally contact manager routes (/api/cm/…): lists, contacts one by one and in bulk, the two-step CSV
// upload (any encoding), and agents linked to lists (stored: outdial offers every agent every list). Contacts land in the face's own tables.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errorResponses, idParams, idSchema } from "../../native/schemas/common.ts";
import { invalidRequest } from "../../plugins/errors.ts";
import {
  type ContactBody,
  contactBodySchema,
  contactView,
  type ListBody,
  listBodySchema,
  listView,
  MAX_CONTACTS_PER_REQUEST,
} from "./contacts.ts";
import { listDeletion } from "./list-delete.ts";
import { lockList } from "./list-lock.ts";
import {
  anyObject,
  CSV_TYPES,
  checkBodyId,
  type IdsBody,
  idsBody,
  type XcallyDeps,
  xcallyService,
} from "./service.ts";
import {
  charsetOf,
  checkDeclaredUploadSize,
  decodeUpload,
  MAX_UPLOAD_BYTES,
  type UploadBody,
  uploadBodySchema,
} from "./upload.ts";
import { importUpload, storeUpload } from "./upload-import.ts";

/** The route whose body is a CSV file, not JSON. */
export const UPLOAD_PATH = "/api/cm/contacts/upload";

/** Bytes of a bulk add, in any encoding: 10,000 contacts shaped as the seed's (a name, a phone, two cf_
 *  fields: ~120 bytes each, 1.2 MB) are over the app's 1 MiB; 16 MiB is ~1.7 KiB a contact. Contacts with
 *  more in them go in more requests (the schema's own bounds allow far larger ones). */
export const BULK_ADD_BODY_LIMIT = 16 * 1024 * 1024;

const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;

const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
    offset: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
  },
} as const;

export async function cmRoutes(app: FastifyInstance, deps: XcallyDeps): Promise<void> {
  const { clock, store } = deps;
  const service = xcallyService(deps);
  const { db, findList, addContacts, linkAgents } = service;
  const { deleteList } = listDeletion(deps);

  // ---- contact manager: lists ----

  const listResponse = {
    type: "object",
    properties: {
      id: { type: "integer" },
      name: { type: "string" },
      description: { type: ["string", "null"] },
      createdAt: { type: "string" },
      updatedAt: { type: "string" },
    },
  } as const;

  app.post<{ Body: ListBody }>(
    "/api/cm/lists",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: create a contact-manager list",
        body: { ...listBodySchema, required: ["name"] },
        response: { 201: listResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const now = clock.now();
      const row = await db
        .insertInto("xcally_lists")
        .values({
          account_id: req.account.id,
          name: req.body.name as string,
          description: req.body.description ?? null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return reply.status(201).send(listView(row));
    },
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    "/api/cm/lists",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: the account's contact-manager lists (count: all of them)",
        querystring: pageQuery,
        response: {
          200: {
            type: "object",
            properties: { count: { type: "integer" }, rows: { type: "array", items: listResponse } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = db.selectFrom("xcally_lists").where("account_id", "=", req.account.id);
      const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      const rows = await q
        .selectAll()
        .orderBy("id")
        .limit(req.query.limit)
        .offset(req.query.offset)
        .execute();
      return { count: Number(total.n), rows: rows.map(listView) };
    },
  );

  app.get<{ Params: { id: number } }>(
    "/api/cm/lists/:id",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: read a list",
        params: idParams("id"),
        response: { 200: listResponse, ...errorResponses },
      },
    },
    async (req) => listView(await findList(req.account.id, req.params.id)),
  );

  app.put<{ Params: { id: number }; Body: ListBody }>(
    "/api/cm/lists/:id",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: rename a list or change its description",
        params: idParams("id"),
        body: listBodySchema,
        response: { 200: listResponse, ...errorResponses },
      },
    },
    async (req) => {
      checkBodyId(req.body, req.params.id, "list");
      // Under the list's lock: a delete committed meanwhile is a 404, not an update of no row.
      const row = await db.transaction().execute(async (trx) => {
        await lockList(trx, req.account.id, req.params.id);
        return trx
          .updateTable("xcally_lists")
          .set({
            ...(req.body.name !== undefined ? { name: req.body.name } : {}),
            ...(req.body.description !== undefined ? { description: req.body.description } : {}),
            updated_at: clock.now(),
          })
          .where("id", "=", req.params.id)
          .where("account_id", "=", req.account.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      });
      return listView(row);
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/api/cm/lists/:id",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["xcally"],
        summary:
          "Xcally: delete a list with its contacts; their copies still waiting in the queues it feeds are cancelled (one on a call finishes it)",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const id = (await findList(req.account.id, req.params.id)).id;
      await deleteList(req.account.id, id);
      return reply.status(204).send();
    },
  );

  // ---- contact manager: contacts ----

  app.post<{ Body: ContactBody }>(
    "/api/cm/contacts",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: add a contact to a list (cf_<n> fields are its custom data)",
        body: { ...contactBodySchema, required: ["phone", "ListId"] },
        response: { 201: anyObject, ...errorResponses },
      },
    },
    async (req, reply) => {
      const [row] = await addContacts(req.account.id, req.body.ListId as number, [req.body], () => "");
      return reply.status(201).send(contactView(row));
    },
  );

  app.post<{ Params: { id: number }; Body: ContactBody[] }>(
    "/api/cm/lists/:id/contacts",
    {
      config: { permission: "contacts:write" },
      // The route's own limit holds for a JSON body and a form alike (index.ts's parser takes the route's).
      bodyLimit: BULK_ADD_BODY_LIMIT,
      schema: {
        tags: ["xcally"],
        summary: `Xcally: add contacts to a list; at most ${MAX_CONTACTS_PER_REQUEST}`,
        description: `At most ${MAX_CONTACTS_PER_REQUEST} contacts (more: 400 naming the body) and ${BULK_ADD_BODY_LIMIT} bytes, as JSON or as a form (more: 413).`,
        params: idParams("id"),
        body: {
          type: "array",
          minItems: 1,
          maxItems: MAX_CONTACTS_PER_REQUEST,
          items: { ...contactBodySchema, required: ["phone"] },
        },
        response: { 201: { type: "array", items: anyObject }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      req.body.forEach((c, i) => {
        if (c.ListId !== undefined && c.ListId !== id)
          throw invalidRequest(
            `[${i}].ListId: ${c.ListId} is not the list of the path (${id})`,
            `[${i}].ListId`,
          );
      });
      const rows = await addContacts(req.account.id, id, req.body, (i) => `[${i}].`);
      return reply.status(201).send(rows.map(contactView));
    },
  );

  app.get<{ Querystring: { ListId?: number; limit: number; offset: number } }>(
    "/api/cm/contacts",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: contacts of the account, of one list with ListId",
        querystring: { ...pageQuery, properties: { ListId: idSchema, ...pageQuery.properties } },
        response: {
          200: {
            type: "object",
            properties: { count: { type: "integer" }, rows: { type: "array", items: anyObject } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { ListId, limit, offset } = req.query;
      let q = db.selectFrom("xcally_contacts").where("account_id", "=", req.account.id);
      if (ListId !== undefined) q = q.where("list_id", "=", ListId);
      const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      const rows = await q.selectAll().orderBy("id").limit(limit).offset(offset).execute();
      return { count: Number(total.n), rows: rows.map(contactView) };
    },
  );

  app.post<{ Params: { id: number }; Body: IdsBody }>(
    "/api/cm/lists/:id/users",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: link agents to a list (stored; outdial does not limit agents to lists)",
        params: idParams("id"),
        body: idsBody,
        response: { 200: anyObject, ...errorResponses },
      },
    },
    async (req) => {
      checkBodyId(req.body, req.params.id, "list");
      const list = await findList(req.account.id, req.params.id);
      await linkAgents(req.account.id, "list", list.id, req.body);
      return { id: list.id, ids: req.body.ids };
    },
  );

  app.post<{ Body: Buffer; Querystring: { encoding?: string } }>(
    UPLOAD_PATH,
    {
      config: { permission: "contacts:write" },
      // The upload's own limit (or OUTDIAL_MAX_IMPORT_BYTES if smaller), for the file, before the body is
      // held; never for JSON, which is refused unread (refuseJson).
      bodyLimit: deps.maxBytes === undefined ? undefined : Math.min(deps.maxBytes, MAX_UPLOAD_BYTES),
      preParsing: async (req, reply, payload) => {
        checkDeclaredUploadSize(req.headers["content-length"]);
        return refuseJson(req, reply, payload);
      },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: upload a CSV file (the body); import it with POST /api/cm/contacts/upload/{id}",
        consumes: CSV_TYPES,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            encoding: {
              type: "string",
              minLength: 1,
              maxLength: 40,
              description:
                "The file's encoding (windows-1251, utf-16le, koi8-r …); else the Content-Type charset, else UTF-8. Byte order marks are honoured.",
            },
          },
        },
        response: {
          201: { type: "object", properties: { id: { type: "string" }, size: { type: "integer" } } },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const encoding = req.query.encoding ?? charsetOf(req.headers["content-type"]);
      const content = decodeUpload(bytes, encoding);
      if (content.trim() === "") throw invalidRequest("the body must be the CSV file", "body");
      if (content.includes("\u0000"))
        throw invalidRequest(
          "the CSV file holds a NUL character (a UTF-16 file without ?encoding=?)",
          "body",
        );
      const name = `${randomUUID()}.csv`;
      await storeUpload(store.db, req.account.id, name, content, clock.now());
      return reply.status(201).send({ id: name, size: bytes.length });
    },
  );

  app.post<{ Params: { file: string }; Body: UploadBody }>(
    "/api/cm/contacts/upload/:file",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["xcally"],
        summary: "Xcally: add an uploaded CSV file's rows to a list (binding: contact field → column)",
        params: {
          type: "object",
          required: ["file"],
          properties: { file: { type: "string", minLength: 1, maxLength: 255 } },
        },
        body: uploadBodySchema,
        response: {
          200: {
            type: "object",
            properties: {
              created: { type: "integer" },
              duplicates: { type: "integer" },
              errors: { type: "array", items: anyObject },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => importUpload(store.db, service, req.account.id, req.params.file, req.body, clock.now()),
  );
}

/** The upload's body is the file, never JSON: a JSON body is refused before it is read, so the upload's
 *  limit (200 MiB by default) does not let a client have the server parse a JSON document that large. */
async function refuseJson<T>(req: FastifyRequest, _reply: unknown, payload: T): Promise<T> {
  if (JSON_TYPE.test(req.headers["content-type"] ?? ""))
    throw invalidRequest("the body must be the CSV file (send it as text/csv, not application/json)", "body");
  return payload;
}
