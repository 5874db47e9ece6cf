// Rows as the native API shows them: ISO times, parsed JSON columns, booleans for 0/1 flags.
import type { CampaignSettings } from "../../model/campaign-settings.ts";
import { CONTACT_STATUSES } from "../../model/outcome.ts";
import { clockOfDay } from "../../model/windows.ts";
import type { ListWithCount } from "../../store/lists.ts";
import type { ApiKeyRow, AttemptRow, Campaign, ContactRow } from "../../store/schema.ts";

export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function parseSettings(row: Campaign): CampaignSettings {
  return JSON.parse(row.settings) as CampaignSettings;
}

export function campaignView(row: Campaign) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    status_reason: row.status_reason,
    priority: row.priority,
    settings: parseSettings(row),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    started_at: iso(row.started_at),
    halt_at: iso(row.halt_at),
    finished_at: iso(row.finished_at),
  };
}

/** Every contact status with its count (zero when absent) and the total. */
export function contactCountsView(byStatus: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { total: 0 };
  for (const s of CONTACT_STATUSES) out[s] = byStatus[s] ?? 0;
  for (const n of Object.values(byStatus)) out.total += n;
  return out;
}

export function contactView(row: ContactRow) {
  return {
    id: row.id,
    campaign_id: row.campaign_id,
    list_id: row.list_id,
    external_id: row.external_id,
    phones: JSON.parse(row.phones) as string[],
    custom: JSON.parse(row.custom) as Record<string, unknown>,
    time_zone: row.time_zone,
    daily_window:
      row.daily_from_sec === null || row.daily_to_sec === null
        ? null
        : { from: clockOfDay(row.daily_from_sec), to: clockOfDay(row.daily_to_sec) },
    start_at: iso(row.start_at),
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    last_outcome: row.last_outcome,
    last_attempt_at: iso(row.last_attempt_at),
    // Only meaningful while pending: for a final contact the column is whatever it was last set to.
    next_attempt_at: row.status === "pending" ? iso(row.next_attempt_at) : null,
    wait_reason: row.wait_reason,
    flagged: row.flagged === 1,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function attemptView(row: AttemptRow) {
  return {
    id: row.id,
    contact_id: row.contact_id,
    seq: row.seq,
    phone: row.phone,
    caller_id: row.caller_id,
    started_at: iso(row.started_at),
    answered_at: iso(row.answered_at),
    ended_at: iso(row.ended_at),
    outcome: row.outcome,
    cause: row.cause,
    talk_sec: row.talk_sec,
    success: row.success === null ? null : row.success === 1,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    agent_id: row.agent_id,
    wait_ms: row.wait_ms,
    disposition: row.disposition,
    // Without a disposition, a request's hold on setting it (disposition-once.ts), not a result: not shown.
    disposition_at: row.disposition === null ? null : iso(row.disposition_at),
    disposed_by: row.disposition === null ? null : row.disposed_by,
  };
}

export function listView(row: ListWithCount) {
  return {
    id: row.id,
    campaign_id: row.campaign_id,
    name: row.name,
    created_at: iso(row.created_at),
    contact_count: row.contact_count,
    status_counts: row.status_counts,
  };
}

export function apiKeyView(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    created_at: iso(row.created_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}
