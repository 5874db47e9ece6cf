// Deleting an Xcally list: its contacts, links to queues and agent links go, and their copies in the queues
// it feeds are withdrawn (Motion dials nobody of a deleted list again): cancelled if waiting; one on a call
// at that moment finishes it and is not called again.
import type { Kysely } from "kysely";
import type { Database } from "../../../store/schema.ts";
import { lockList } from "./list-lock.ts";
import { copyExternalId, type XcallyDeps } from "./service.ts";
import { type XcallyDb, xcallyTables } from "./store.ts";

/** The copies of a list's contacts: the queues (campaigns) it is linked to and the copies' external ids. */
interface Copies {
  campaignIds: number[];
  externalIds: string[];
}

export function listDeletion(deps: XcallyDeps) {
  const { store, engine } = deps;

  /**
   * Deletes the list and withdraws its copies. They are withdrawn first, so that a delete cut short by a
   * crash leaves the list for the retry to finish the job; and again after the delete, from what was read
   * under the list's lock (list-lock.ts): a link or an add that committed copies in between had the lock
   * before the delete, and none can come after it. The engine's cancels run outside the transaction (on
   * SQLite its one connection is the transaction's until it ends).
   */
  async function deleteList(accountId: number, listId: number): Promise<void> {
    await withdraw(accountId, await copiesOf(xcallyTables(store.db), listId));
    const copies = await store.db.transaction().execute(async (trx) => {
      const x = xcallyTables(trx);
      await lockList(x, accountId, listId);
      const copies = await copiesOf(x, listId);
      await x.deleteFrom("xcally_contacts").where("list_id", "=", listId).execute();
      await x.deleteFrom("xcally_queue_lists").where("list_id", "=", listId).execute();
      await x
        .deleteFrom("xcally_agent_links")
        .where("kind", "=", "list")
        .where("target_id", "=", listId)
        .execute();
      await x.deleteFrom("xcally_lists").where("id", "=", listId).execute();
      return copies;
    });
    await withdraw(accountId, copies);
  }

  /** Withdraws the copies still to be dialed: waiting ones are cancelled, one on a call finishes it and is
   *  then settled cancelled (engine withdrawContact), its retry never made. */
  async function withdraw(accountId: number, copies: Copies): Promise<void> {
    if (copies.campaignIds.length === 0) return;
    for (let i = 0; i < copies.externalIds.length; i += 500) {
      const open = await openCopies(store.db, accountId, copies, i);
      for (const c of open) await engine.withdrawContact(accountId, Number(c.id));
    }
  }

  return { deleteList };
}

async function copiesOf(on: XcallyDb, listId: number): Promise<Copies> {
  const linked = await on
    .selectFrom("xcally_queue_lists")
    .select("campaign_id")
    .where("list_id", "=", listId)
    .execute();
  if (linked.length === 0) return { campaignIds: [], externalIds: [] };
  const contacts = await on
    .selectFrom("xcally_contacts")
    .select("id")
    .where("list_id", "=", listId)
    .execute();
  return { campaignIds: linked.map((l) => l.campaign_id), externalIds: contacts.map(copyExternalId) };
}

/** The copies still to be dialed (waiting, or on a call) among 500 external ids from `from`. */
function openCopies(db: Kysely<Database>, accountId: number, copies: Copies, from: number) {
  return db
    .selectFrom("contacts")
    .select("id")
    .where("account_id", "=", accountId)
    .where("campaign_id", "in", copies.campaignIds)
    .where("external_id", "in", copies.externalIds.slice(from, from + 500))
    .where("status", "in", ["pending", "in_progress"])
    .execute();
}
