// Outcomes of one attempt, as the engine records them. Every vendor face maps its own dispositions onto these.
export const OUTCOMES = [
  "human", // answered by a person
  "machine", // answered by an answering machine / voicemail (AMD verdict)
  "busy",
  "no_answer",
  "failed", // congestion, network or number failure
  "rejected", // an explicit decline by the callee (SIP 603 / 607)
  "lost", // the process holding the call died; its fate is unknown and it is never re-dialed as the same attempt
  "cancelled", // the attempt was withdrawn by a stop before the callee answered
  "abandoned", // a person answered and no agent took the call within the grace; a message played, then hangup
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Keys of per-outcome retry rules. `unsuccessful` = answered by a human but shorter than the success threshold. */
export const RETRY_KEYS = [
  "busy",
  "no_answer",
  "machine",
  "failed",
  "rejected",
  "unsuccessful",
  "lost",
  "abandoned",
] as const;
export type RetryKey = (typeof RETRY_KEYS)[number];

export const CONTACT_STATUSES = [
  "pending",
  "in_progress",
  "succeeded",
  "failed",
  "exhausted",
  "cancelled",
  "suppressed",
] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];
export const FINAL_CONTACT_STATUSES: readonly ContactStatus[] = [
  "succeeded",
  "failed",
  "exhausted",
  "cancelled",
  "suppressed",
];

export const CAMPAIGN_STATUSES = [
  "draft",
  "scheduled",
  "running",
  "paused",
  "stopped",
  "completed",
  "halted",
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
