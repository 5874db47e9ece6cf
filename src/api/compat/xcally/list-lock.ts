// One Xcally list's writers in turn. A link to a queue, an add (one by one, in bulk, a CSV import) and a
// delete each begin their transaction by locking the list's row, before they read anything of it: a link
// writes its link and then reads the contacts, an add writes contacts and then reads the links, and under
// READ COMMITTED each would miss the other's uncommitted row (the added contact never reaching the queue);
// a delete would read no link while a link is being copied, and its copies would be dialed.
import type { Selectable } from "kysely";
import { isPostgresDb } from "../../../store/dialect.ts";
import { notFound } from "../../plugins/errors.ts";
import type { XcallyDb, XcallyListsTable } from "./store.ts";

/**
 * The list's row, locked until the end of `trx`; a 404 when it is not (or no longer) there: a delete that
 * committed while this waited leaves nothing to lock. PostgreSQL: SELECT … FOR UPDATE. SQLite (which
 * rejects FOR UPDATE): a plain read, the store's one connection running one transaction at a time.
 */
export async function lockList(
  trx: XcallyDb,
  accountId: number,
  listId: number,
): Promise<Selectable<XcallyListsTable>> {
  let q = trx
    .selectFrom("xcally_lists")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", listId);
  if (isPostgresDb(trx)) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound("list", listId);
  return row;
}
