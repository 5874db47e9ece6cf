// The 72 hours after an abandoned call (model/redial-policy.ts), as SQL over the record: when the wait of a
// contact row ends, counted from the end of its latest abandoned call, as the engine counts it when the
// call ends (engine/outcomes.ts abandonRule). For the statements that move a contact's due time outside
// the engine (a list reset, a personal callback handed to the campaign).
import { type RawBuilder, sql } from "kysely";
import { ABANDON_REDIAL_GAP_MS } from "../model/redial-policy.ts";

/** End of the wait of the contact whose id `contactId` refers to (the `contacts` row in scope by default);
 *  null when the contact has no abandoned call. */
export function abandonedWaitEnd(contactId = "contacts.id"): RawBuilder<number | null> {
  return sql<
    number | null
  >`(SELECT max(abandoned.ended_at) FROM attempts abandoned WHERE abandoned.contact_id = ${sql.ref(contactId)} AND abandoned.outcome = 'abandoned') + ${ABANDON_REDIAL_GAP_MS}`;
}
