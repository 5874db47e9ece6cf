// Voximplant's words for what outdial calls a campaign: a call list (its list_id is the campaign's id),
// its statuses as GetCallLists names them, and the engine's refusals said so. Pure.
import type { CampaignStatus } from "../../../model/outcome.ts";
import { refusalInTerms } from "../refusal-terms.ts";

/** A call list's status as GetCallLists answers it. */
export const LIST_STATUS: Readonly<Record<CampaignStatus, string>> = {
  draft: "New",
  scheduled: "In progress",
  running: "In progress",
  paused: "Paused",
  stopped: "Canceled",
  halted: "Canceled",
  completed: "Completed",
};

/**
 * An engine refusal (a list's start, stop or recover) in Voximplant's terms: "Call list 12" (its list_id)
 * for "campaign 12", the statuses GetCallLists shows (not for verbs: "cannot be stopped"), and no advice naming outdial's settings (endAt,
 * lifetimeSec), which no call list method sets. Anything but an EngineError is returned as it is.
 */
export function refusalInListTerms(err: unknown): unknown {
  const advice = "; it is not processed again until its end time (no call list parameter) is moved";
  const out = refusalInTerms(err, {
    name: (id) => `call list ${id}`,
    noun: ["call list", "call lists"],
    statuses: LIST_STATUS,
    keepVerbs: true,
    ended: {
      cause: "(its end time, or its lifetime counted from its first start)",
      startAdvice: advice,
      recoverAdvice: advice,
    },
  });
  if (out !== err && out instanceof Error) out.message = out.message.replace(/^./, (c) => c.toUpperCase());
  return out;
}
