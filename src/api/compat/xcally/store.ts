// The Xcally face's own rows (migration 008): account-level contact-manager lists and their contacts, the
// list ↔ queue (campaign) links, and agent links. Plain functions over the store's db.
import type { Generated, Kysely } from "kysely";
import type { Database } from "../../../store/schema.ts";

export type XcallyListsTable = {
  id: Generated<number>;
  account_id: number;
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
};

export type XcallyContactsTable = {
  id: Generated<number>;
  account_id: number;
  list_id: number;
  first_name: string | null;
  last_name: string | null;
  phone: string;
  /** JSON object of the cf_<n> fields. */
  custom: string;
  created_at: number;
  updated_at: number;
};

export type XcallyQueueListsTable = { campaign_id: number; list_id: number; created_at: number };

export type XcallyAgentLinksTable = {
  account_id: number;
  kind: "queue" | "list";
  target_id: number;
  agent_id: number;
  penalty: number;
  created_at: number;
};

export type XcallyUploadsTable = { account_id: number; name: string; content: string; created_at: number };

// A type alias, not an interface: withTables wants a type with an implicit index signature.
type XcallyTables = {
  xcally_lists: XcallyListsTable;
  xcally_contacts: XcallyContactsTable;
  xcally_queue_lists: XcallyQueueListsTable;
  xcally_agent_links: XcallyAgentLinksTable;
  xcally_uploads: XcallyUploadsTable;
};

export type XcallyDb = Kysely<Database & XcallyTables>;

export function xcallyTables(db: Kysely<Database>): XcallyDb {
  return db.withTables<XcallyTables>();
}
