// What the Twin24 face answers: task statuses in Twin24's names, the task, its candidates and their
// calls. Pure mapping from core rows; nothing here reads the store or decides anything.

import { fixedOffsetSeconds } from "../../../lib/time-zone.ts";
import type { CampaignStatus, ContactStatus, Outcome } from "../../../model/outcome.ts";
import type { AttemptRow, Campaign, ContactRow } from "../../../store/schema.ts";
import { refusalInTerms } from "../refusal-terms.ts";
import type { RedialRuleName } from "./translate.ts";

/**
 * BLANK, READY, PROCESS and PAUSED are the task statuses Twin24's own task list filters by; HALTED is the
 * seed's (lifetime ran out). STOPPED and FINISHED are ours: Twin24 publishes no names for them.
 */
export const TASK_STATUS: Readonly<Record<CampaignStatus, string>> = {
  draft: "BLANK",
  scheduled: "READY",
  running: "PROCESS",
  paused: "PAUSED",
  stopped: "STOPPED",
  completed: "FINISHED",
  halted: "HALTED",
};

export const CANDIDATE_STATUS: Readonly<Record<ContactStatus, string>> = {
  pending: "WAITING",
  in_progress: "CALLING",
  succeeded: "SUCCESS",
  failed: "FAILED",
  exhausted: "EXHAUSTED",
  cancelled: "CANCELLED",
  suppressed: "SUPPRESSED",
};

/** Twin24 call statuses of the core outcomes. */
export const CALL_STATUS: Readonly<Record<Outcome, string>> = {
  human: "ANSWER",
  machine: "ANSWER_MACHINE",
  busy: "BUSY",
  no_answer: "NO_ANSWER",
  failed: "CONGESTION",
  rejected: "REJECTED",
  lost: "LOST",
  cancelled: "CANCELLED",
  // Twin24 tasks are robot campaigns and never abandon; a native agent campaign read through this face can.
  abandoned: "ABANDONED",
};

/** The redial rule of the seed that governed what followed this call, if any. */
export function redialRuleOf(outcome: string | null, success: boolean | null): RedialRuleName | null {
  switch (outcome) {
    case "busy":
      return "busy";
    case "no_answer":
      return "noAnswer";
    case "machine":
      return "answerMash";
    case "failed":
    case "lost":
      return "congestion";
    case "human":
      return success ? null : "answerNoList";
    case "abandoned":
      return "answerNoList";
    default:
      return null;
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function taskView(uuid: string, row: Campaign, counts: Record<string, number>) {
  const candidates: Record<string, number> = { total: 0 };
  for (const [status, name] of Object.entries(CANDIDATE_STATUS)) {
    const n = counts[status] ?? 0;
    candidates[name] = n;
    candidates.total += n;
  }
  return {
    id: { identity: uuid },
    name: row.name,
    status: TASK_STATUS[row.status as CampaignStatus] ?? row.status.toUpperCase(),
    statusReason: row.status_reason,
    campaignId: row.id,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    haltAt: iso(row.halt_at),
    finishedAt: iso(row.finished_at),
    candidates,
  };
}

export function callView(a: AttemptRow) {
  const details = a.details === null ? {} : (JSON.parse(a.details) as Record<string, unknown>);
  const success = a.success === null ? null : a.success === 1;
  return {
    id: a.id,
    seq: a.seq,
    phone: a.phone,
    callerId: a.caller_id,
    startedAt: iso(a.started_at),
    answeredAt: iso(a.answered_at),
    endedAt: iso(a.ended_at),
    status:
      a.outcome === null ? "IN_PROGRESS" : (CALL_STATUS[a.outcome as Outcome] ?? a.outcome.toUpperCase()),
    success,
    redialRule: redialRuleOf(a.outcome, success),
    talkSec: a.talk_sec,
    answeredBy: (details.answeredBy as string | undefined) ?? null,
    recording: (details.recording as Record<string, unknown> | undefined) ?? null,
  };
}

/**
 * A candidate's zone in the type Twin24 sends it: a fixed offset in seconds east of UTC (25200), as a
 * client reading a candidate back into the int it sent expects; a zone name (given, or implied by the
 * number) as text. The stored zone cannot tell seconds from an offset sent as text ("+07:00"): both read
 * back as seconds.
 */
export function candidateTimezone(zone: string | null): number | string | null {
  return zone === null ? null : (fixedOffsetSeconds(zone) ?? zone);
}

export function candidateView(c: ContactRow, calls: AttemptRow[]) {
  return {
    id: c.id,
    clientExternalId: c.external_id,
    phone: JSON.parse(c.phones) as string[],
    variables: JSON.parse(c.custom) as Record<string, unknown>,
    timezone: candidateTimezone(c.time_zone),
    normalizationError: c.flagged === 1,
    status: CANDIDATE_STATUS[c.status as ContactStatus] ?? c.status.toUpperCase(),
    attempts: c.attempts,
    lastCallAt: iso(c.last_attempt_at),
    nextCallAt: c.status === "pending" ? iso(c.next_attempt_at) : null,
    calls: calls.map(callView),
  };
}

/**
 * An engine refusal of a task's lifecycle command in the face's own terms: the task's id for the
 * campaign's, Twin24's statuses, and advice it can follow (it has a lifetime, no endAt or recover).
 */
export function refusalInTaskTerms(err: unknown, uuid: string, campaignId: number): unknown {
  return refusalInTerms(err, {
    name: (id) => (id === campaignId ? `task ${uuid}` : `task ${id}`),
    noun: ["task", "tasks"],
    statuses: TASK_STATUS,
    ended: {
      cause: "(its lifetime from its first start)",
      startAdvice: "; change its lifetime first",
    },
  });
}
