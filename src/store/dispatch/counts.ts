// Per-campaign counts for progress, explain and completion, written so that each part is answered from an
// index that already exists for dispatch: settled contacts from contacts_settled, ready ones from the dial
// queue, waiting ones from contacts_waiting, in-progress ones from the lease index. A partial index is only
// used when the query repeats its predicate, so these texts must match the migration's. Parameters are
// written $1, which PostgreSQL numbers and SQLite takes as a named parameter. The unary + keeps SQLite
// off the (campaign_id, …) indexes where the small lease index is the better road.

import { PERSONAL_CALLBACK_REASON } from "./types.ts";

export const SETTLED_COUNTS = `SELECT status, count(*) AS n FROM contacts
  WHERE campaign_id = $1 AND status not in ('pending', 'in_progress') GROUP BY status`;

export const LIVE_COUNTS = `SELECT
  (SELECT count(*) FROM contacts WHERE campaign_id = $1 AND ready = 1) AS ready,
  (SELECT count(*) FROM contacts WHERE campaign_id = $1 AND status = 'pending' and ready = 0) AS waiting,
  (SELECT count(*) FROM contacts WHERE status = 'in_progress' AND +campaign_id = $1) AS in_progress`;

export interface LiveCounts {
  ready: number | string;
  waiting: number | string;
  in_progress: number | string;
}

/** Pending contacts by what they wait on; those whose time has come ($2 = now) count as due even before
 *  the dispatcher has promoted them into the queue, except personal callbacks, held for their agent. */
export const WAITING_SUMMARY = `SELECT reason, sum(n) AS n, min(next_at) AS next_at FROM (
    SELECT 'due' AS reason, count(*) AS n, min(next_attempt_at) AS next_at
      FROM contacts WHERE campaign_id = $1 AND ready = 1
    UNION ALL
    SELECT CASE WHEN wait_reason = '${PERSONAL_CALLBACK_REASON}' THEN wait_reason
          WHEN next_attempt_at <= $2 THEN 'due' ELSE coalesce(wait_reason, 'scheduled') END AS reason,
        count(*) AS n, min(next_attempt_at) AS next_at
      FROM contacts WHERE campaign_id = $1 AND status = 'pending' and ready = 0
      GROUP BY 1
  ) AS w WHERE n > 0 GROUP BY reason ORDER BY next_at, reason`;

/** Counts by contact status, leaving out statuses with no contact. */
export function statusCounts(
  settled: { status: string; n: number | string }[],
  live: LiveCounts,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of settled) out[r.status] = Number(r.n);
  const pending = Number(live.ready) + Number(live.waiting);
  if (pending) out.pending = pending;
  if (Number(live.in_progress)) out.in_progress = Number(live.in_progress);
  return out;
}
