// The claim's do-not-call lookups, the same on both dialects: one probe per batch asks whether the account
// or the campaign has any entry in force (accounts without a list pay only that), and only then one lookup
// of the batch's phones. Both walk the (account_id, campaign_id, phone) index. Written as two statements on purpose: a per-row
// subquery in the candidate SELECT made PostgreSQL's cost estimate large enough to JIT-compile every claim.
import type { Candidate } from "./types.ts";

/** $1 account, $2 now, $3 campaign: the account's own list and the campaign's. */
export const DNC_ANY = `SELECT 1 AS listed FROM dnc_numbers
  WHERE account_id = $1 AND campaign_id IN (0, $3) AND (expires_at IS NULL OR expires_at > $2) LIMIT 1`;

/** $1 account, $2 the phones (a JSON array on SQLite, a text[] on PostgreSQL), $3 now, $4 campaign. */
export const DNC_AMONG_SQLITE = `SELECT phone FROM dnc_numbers WHERE account_id = $1 AND campaign_id IN (0, $4)
  AND phone IN (SELECT value FROM json_each($2)) AND (expires_at IS NULL OR expires_at > $3)`;
export const DNC_AMONG_PG = `SELECT phone FROM dnc_numbers WHERE account_id = $1 AND campaign_id IN (0, $4)
  AND phone = ANY($2::text[]) AND (expires_at IS NULL OR expires_at > $3)`;

/** Every phone of the batch's contacts, once. */
export function batchPhones(rows: readonly Candidate[]): string[] {
  const phones = new Set<string>();
  for (const r of rows) for (const p of JSON.parse(r.phones) as string[]) phones.add(p);
  return [...phones];
}

/** Hands the listed phones to every candidate of the batch (the decision looks its own up). */
export function markListed(rows: Candidate[], listed: string[]): void {
  if (listed.length === 0) return;
  const set: ReadonlySet<string> = new Set(listed);
  for (const r of rows) r.dnc = set;
}
