// The import step of the two-step CSV upload (POST /api/cm/contacts/upload/{name}): the upload's rows added
// to a list, once. The upload is claimed (deleted) in the import's own transaction, and the list's contacts
// are read for the `duplicates` check under the list's lock (list-lock.ts): the same import sent twice at
// once (a retry after a timeout, a double click) finds the upload gone the second time (a 404), and two
// imports of different files into one list each see the other's rows, instead of both adding them.
import { type Kysely, sql } from "kysely";
import { isPostgresDb } from "../../../store/dialect.ts";
import type { Database } from "../../../store/schema.ts";
import { ApiError, notFound } from "../../plugins/errors.ts";
import { storedCustom } from "./contacts.ts";
import { lockList } from "./list-lock.ts";
import type { xcallyService } from "./service.ts";
import { xcallyTables } from "./store.ts";
import { checkUploadSize, contactsFromCsv, type RowError, type UploadBody } from "./upload.ts";

type Service = ReturnType<typeof xcallyService>;

/** An upload not imported within a day is deleted (by the next upload of any account), and refused as
 *  unknown meanwhile: uploads of up to 16 MiB that nobody imports must not pile up in the database. */
export const UPLOAD_KEEP_MS = 24 * 3600_000;
/** Uploads an account may have waiting for their import at once. */
export const MAX_WAITING_UPLOADS = 20;

/**
 * Stores an uploaded file for its import, once the expired uploads are gone; refused (429) while the
 * account has MAX_WAITING_UPLOADS files waiting.
 */
export async function storeUpload(
  db: Kysely<Database>,
  accountId: number,
  name: string,
  content: string,
  now: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // The count and the insert in turn per account: under PostgreSQL's READ COMMITTED, uploads sent at once
    // would each count the others' uncommitted rows as absent and all pass the cap. (SQLite: the store's one
    // connection runs one transaction at a time.)
    if (isPostgresDb(trx)) {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`outdial.xcally_uploads.${accountId}`}, 0))`.execute(
        trx,
      );
    }
    const x = xcallyTables(trx);
    await x
      .deleteFrom("xcally_uploads")
      .where("created_at", "<=", now - UPLOAD_KEEP_MS)
      .execute();
    const waiting = await x
      .selectFrom("xcally_uploads")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();
    if (Number(waiting.n) >= MAX_WAITING_UPLOADS) {
      throw new ApiError(
        "too_many_uploads",
        429,
        `${MAX_WAITING_UPLOADS} uploaded files are waiting for their import (POST /api/cm/contacts/upload/{id}); import them, or wait for them to expire (${UPLOAD_KEEP_MS / 3600_000} h after their upload)`,
      );
    }
    await x
      .insertInto("xcally_uploads")
      .values({ account_id: accountId, name, content, created_at: now })
      .execute();
  });
}

export interface ImportResult {
  created: number;
  duplicates: number;
  errors: RowError[];
}

/** All or nothing: a file refused (a 400) or a failed write leaves the upload for a corrected retry. */
export async function importUpload(
  db: Kysely<Database>,
  service: Pick<Service, "writeContacts" | "dialChanged">,
  accountId: number,
  name: string,
  body: UploadBody,
  now: number,
): Promise<ImportResult> {
  const { created, duplicates, errors, changed } = await db.transaction().execute(async (trx) => {
    const x = xcallyTables(trx);
    // The upload first, as the route always answered: a file unknown is a 404 whatever the list.
    const upload = await x
      .deleteFrom("xcally_uploads")
      .where("account_id", "=", accountId)
      .where("name", "=", name)
      .where("created_at", ">", now - UPLOAD_KEEP_MS)
      .returning("content")
      .executeTakeFirst();
    if (!upload) throw notFound("file", name);
    checkUploadSize(upload.content);
    await lockList(x, accountId, body.ListId);
    const existing = (
      await x.selectFrom("xcally_contacts").selectAll().where("list_id", "=", body.ListId).execute()
    ).map((r) => ({
      firstName: r.first_name,
      lastName: r.last_name,
      phone: r.phone,
      custom: storedCustom(r.custom),
    }));
    const { contacts, duplicates, errors } = contactsFromCsv(upload.content, body, existing);
    const { rows, changed } =
      contacts.length > 0
        ? await service.writeContacts(trx, accountId, body.ListId, contacts)
        : { rows: [], changed: [] };
    return { created: rows.length, duplicates, errors, changed };
  });
  await service.dialChanged(accountId, changed);
  return { created, duplicates, errors };
}
