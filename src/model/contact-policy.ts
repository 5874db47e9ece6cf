// A contact's own call policy (JAICP's CallJobParameters in neutral form): a last moment to call, its own
// attempt limit and retry interval, and weekly calling ranges on the contact's own clock. It narrows the
// campaign's settings for that contact; it never widens the campaign's windows. Pure.
import type { CampaignSettings, WeeklyRange } from "./campaign-settings.ts";
import type { RetryKey } from "./outcome.ts";

export interface ContactPolicy {
  /** No call starts after this moment (ms epoch); the contact then ends as exhausted. */
  finishAt?: number;
  /** Attempts in total, instead of the campaign's maxAttemptsPerContact. */
  maxAttempts?: number;
  /** Pause before each next attempt whatever the outcome, instead of the intervals of the campaign's rules. */
  retryIntervalSec?: number;
  /** Weekly calling ranges, local to the contact's zone. */
  ranges?: WeeklyRange[];
}

export const FINISH_PASSED_REASON = "finish_time_passed";

const parsed = new Map<string, ContactPolicy>();

/** The policy stored with a contact (JSON text), parsed once per distinct text. */
export function parsePolicy(text: string | null): ContactPolicy | null {
  if (text === null) return null;
  let p = parsed.get(text);
  if (!p) {
    p = JSON.parse(text) as ContactPolicy;
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, p);
  }
  return p;
}

/** The contact's interval in every retry rule: which outcomes are retried, and how many times, stay the
 *  campaign's (a campaign that retries declines keeps retrying them; one that ends busy numbers still does). */
function withInterval(settings: CampaignSettings, intervalSec: number): Partial<CampaignSettings> {
  const retry: CampaignSettings["retry"] = {};
  for (const key of Object.keys(settings.retry) as RetryKey[]) {
    const rule = settings.retry[key];
    if (rule) retry[key] = { ...rule, intervalSec };
  }
  return { retryIntervalSec: intervalSec, retry };
}

/** The campaign's settings as they apply to a contact with this policy. */
export function settingsFor(settings: CampaignSettings, policy: ContactPolicy | null): CampaignSettings {
  if (!policy || (policy.maxAttempts === undefined && policy.retryIntervalSec === undefined)) return settings;
  return {
    ...settings,
    // In place of the campaign's attempt limits, the per-number one too: a call job has one number, for
    // which a campaign's maxAttemptsPerPhone of 1 would otherwise end a job of maxAttempts 3 after one call.
    ...(policy.maxAttempts !== undefined
      ? { maxAttemptsPerContact: policy.maxAttempts, maxAttemptsPerPhone: null }
      : {}),
    ...(policy.retryIntervalSec !== undefined ? withInterval(settings, policy.retryIntervalSec) : {}),
  };
}
