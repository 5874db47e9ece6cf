// Campaign settings: every knob the core honours, all optional with defaults. Vendor faces translate their
// own fields into these (Voximplant max_simultaneous → maxConcurrent, Twin24 cps → callsPerSecond, …).
import type { RetryKey } from "./outcome.ts";

export interface RetryRule {
  /** Seconds to wait before the next attempt after this outcome. */
  intervalSec: number;
  /** How many times this outcome may be retried for one contact; 0 = this outcome is final. */
  maxRetries: number;
}

export interface WeeklyRange {
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  days: number[];
  /** "HH:mm" or "HH:mm:ss", local to the schedule's zone. */
  from: string;
  /** Exclusive end, "HH:mm[:ss]"; "24:00" = end of day. `to` earlier than `from` spans midnight. */
  to: string;
}

export interface WeeklySchedule {
  zone: string;
  ranges: WeeklyRange[];
}

export interface DailyWindow {
  from: string;
  to: string;
}

/** What the driver runs on answer (a bot script) and what it does when the bot transfers the call. */
export interface BotSettings {
  scriptId: string;
  /** end = hang up, ignore = stay with the bot, forward = transfer to `transferTo` (a channel). */
  onTransfer: "end" | "ignore" | "forward";
  transferTo: string | null;
}

export interface FrequencyCaps {
  /** Calls per rolling 24 h. */
  per24h?: number;
  /** Calls per calendar day in the callee's zone. */
  perDay?: number;
  /** Calls per rolling 7 days (e.g. Russia's 230-FZ: two a week). */
  per7d?: number;
  /** Calls per rolling 30 days (e.g. France's décret 2022-1313: four per 30 days, unanswered ones too). */
  per30d?: number;
}

/** How a campaign dials: robot = no agents, paced by concurrency and calls per second only; the others dial
 *  for the campaign's queue of agents (preview: an agent asks for each contact; progressive: one line per
 *  ready agent; power: `powerRatio` lines per ready agent; predictive: ahead of agents becoming free). */
export type DialMethod = "robot" | "preview" | "progressive" | "power" | "predictive";

/** Which ready agent takes an answered call, among those of the lowest penalty. */
export type AgentSelection = "longest_idle" | "fewest_calls" | "round_robin" | "random" | "linear";

/** Calling hours in the callee's zone that agent campaigns keep when they set no calleeWindow. */
export const AGENT_CALLING_HOURS: Readonly<DailyWindow> = Object.freeze({ from: "08:00", to: "21:00" });

export interface CampaignSettings {
  dialMethod: DialMethod;
  /** Power: lines per ready agent, fractional (1.5 = three lines for two ready agents). */
  powerRatio: number;
  /** Power and predictive: the cap on abandoned / live answers they hold to (0.03 = 3 %). */
  targetAbandonRate: number;
  /** Campaigns of the account with the same group share one abandonment rate (a VICIdial drop-rate group,
   *  or the call centre Ofcom may judge): each one's pacer answers to the pooled counts. Null = its own. */
  abandonGroup: string | null;
  /** Power and predictive: never more lines not yet with an agent than this per logged-in agent. */
  maxLinesPerAgent: number;
  /** A live answer that gets no agent within this many seconds is abandoned. */
  abandonAfterSec: number;
  /** Predictive: after this many seconds of ringing, a line whose person would probably find no agent is
   *  hung up unanswered and counts as a no-answer (at least 15, the FTC TSR and Ofcom minimum); null (the
   *  default) = every line rings to ringTimeoutSec. */
  releaseAfterRingSec?: number | null;
  /** What an abandoned callee hears before the hangup (an audio id or text the driver resolves). */
  abandonMessage: string | null;
  /** A named queue of the account (agent_queues) whose members serve the campaign besides its own agents
   *  (an agent in both keeps the lower penalty); null or absent = its own agents only. */
  queueId?: number | null;
  /** How long past its time a personal callback waits for its agent before any agent of the campaign may
   *  make it (the person is not kept waiting on an agent who is off sick); null or absent = as long as it
   *  takes (until the agent returns, leaves the queue, or releases it). */
  personalCallbackWaitSec?: number | null;
  /** Seconds of wrap-up after each agent call before the agent is ready again (ending it early is allowed). */
  wrapUpSec: number;
  agentSelection: AgentSelection;
  /** 0 is the highest; up to 2^31. */
  priority: number;
  maxConcurrent: number;
  /** Fractional: 0.2 = one call every 5 s. null = unlimited. */
  callsPerSecond: number | null;
  maxAttemptsPerContact: number;
  /** null = no per-phone limit beyond the per-contact one. */
  maxAttemptsPerPhone: number | null;
  /** Default wait before a retry, for outcomes without a rule of their own. */
  retryIntervalSec: number;
  retry: Partial<Record<RetryKey, RetryRule>>;
  /** An explicit decline (SIP 603) ends the contact unless `retry.rejected` is given and this is false. */
  rejectedIsFinal: boolean;
  /** Which contacts go first when both are due. */
  attemptOrder: "first_attempts" | "repeated_attempts";
  /** ms epoch; null = as soon as started. */
  startAt: number | null;
  /** ms epoch after which the campaign is halted. */
  endAt: number | null;
  /** Seconds after start after which the campaign is halted. */
  lifetimeSec: number | null;
  schedule: WeeklySchedule | null;
  /** An Asterisk time spec ("07:00-22:00,mon-fri,1-15,*", Xcally's dialGlobalInterval) the campaign also
   *  keeps to, in the spec's own zone or else defaultZone; null = none. */
  timeSpec?: string | null;
  /** Window in each callee's own zone (e.g. 09:00–21:00). */
  calleeWindow: DailyWindow | null;
  /** Zone of contacts whose zone is unknown (for the callee window, their own ranges and per-day caps); the
   *  callee window takes it only for numbers of a country it is a zone of, or of none.
   *  null: not chosen. The callee window then holds in every zone the number's country has (the strictest
   *  reading: nobody is called outside it wherever they are); their own ranges, time specs and reports use
   *  UTC, and per-day caps the dialed number's zone when it has one, else UTC. */
  defaultZone: string | null;
  /** A human answer with talk ≥ this many seconds counts as success. */
  successMinTalkSec: number;
  multiNumber: "sequential" | "parallel";
  contactCaps: FrequencyCaps | null;
  /** Counted across every campaign of the account. */
  phoneCaps: FrequencyCaps | null;
  /** Minimum seconds between two calls to the same number, across the account's campaigns. null: none, but
   *  one campaign never has two calls to a number at once (claim-decision.ts numbersInFlight). */
  minGapSec: number | null;
  /** Originate options handed to the driver. */
  ringTimeoutSec: number;
  callerIds: string[];
  /** fixed: the first; rotate: each in turn; local: in turn among those closest to the callee's number. */
  callerIdMode: "fixed" | "rotate" | "local";
  amd: {
    enabled: boolean;
    mode: "background" | "blocking";
    params?: Record<string, number>;
    /** Audio played to the callee while blocking detection listens (an id the driver resolves). */
    greeting?: string;
    /** Left on an answering machine after its greeting (voicemail drop) before the hangup; absent or null:
     *  a machine is hung up at once (agent campaigns) or left to end on its own (robot campaigns). */
    voicemailMessage?: string | null;
    /** The share of machine verdicts that were in fact people (AMD false positives): a reasoned estimate,
     *  e.g. from listening to a sample of machine-verdict recordings. Each machine verdict counts this
     *  much of a live answer abandoned (default 0.02, see AMD_FALSE_POSITIVE_SHARE). */
    falsePositiveShare?: number;
  } | null;
  record: { enabled: boolean; trimLeftSec: number } | null;
  /** The bot script and transfer action handed to the driver; null = the driver's default. */
  bot: BotSettings | null;
  /** Simulation scenario name or inline scenario for the sim driver; null = the driver's default. */
  scenario: string | null;
  /** Free-form vendor fields kept verbatim for the faces that own them. */
  vendor: Record<string, unknown>;
}

export const DEFAULT_SETTINGS: Readonly<CampaignSettings> = Object.freeze({
  dialMethod: "robot",
  powerRatio: 1.5,
  targetAbandonRate: 0.03,
  abandonGroup: null,
  maxLinesPerAgent: 3,
  abandonAfterSec: 2,
  releaseAfterRingSec: null,
  abandonMessage: null,
  wrapUpSec: 15,
  agentSelection: "longest_idle",
  priority: 1000,
  maxConcurrent: 10,
  callsPerSecond: null,
  maxAttemptsPerContact: 3,
  maxAttemptsPerPhone: null,
  retryIntervalSec: 1800,
  retry: {},
  rejectedIsFinal: true,
  attemptOrder: "first_attempts",
  startAt: null,
  endAt: null,
  lifetimeSec: null,
  schedule: null,
  calleeWindow: null,
  defaultZone: null,
  successMinTalkSec: 0,
  multiNumber: "sequential",
  contactCaps: null,
  phoneCaps: null,
  minGapSec: null,
  ringTimeoutSec: 30,
  callerIds: [],
  callerIdMode: "fixed",
  amd: null,
  record: null,
  bot: null,
  scenario: null,
  vendor: {},
});

/** An agent campaign's lines are already bounded by its pacer (maxLinesPerAgent per logged-in agent); a
 *  robot campaign's cap of 10 would hold a predictive campaign of more than 3 or 4 agents to fewer lines
 *  than agents, i.e. below progressive. So when the caller gives no cap, agent campaigns get this one: the
 *  trunk-side bound, not a pacing one. */
export const AGENT_DEFAULT_MAX_CONCURRENT = 200;

export function withDefaults(partial: Partial<CampaignSettings> | undefined): CampaignSettings {
  const settings = { ...DEFAULT_SETTINGS, ...(partial ?? {}), retry: { ...(partial?.retry ?? {}) } };
  if (partial?.maxConcurrent === undefined) settings.maxConcurrent = defaultMaxConcurrent(settings);
  return settings;
}

/** The line cap a campaign of this kind gets when none is given. */
export function defaultMaxConcurrent(s: Pick<CampaignSettings, "dialMethod">): number {
  return usesAgents(s) ? AGENT_DEFAULT_MAX_CONCURRENT : DEFAULT_SETTINGS.maxConcurrent;
}

/**
 * `edited` (stored settings with an edit merged on) with its line cap following a switch between robot and
 * agent dialing: a cap still at the old kind's default moves to the new kind's, unless the edit gives one.
 * The stored settings hold the default written out, so without this a robot campaign made predictive kept
 * 10 lines (under one per agent past a few agents) and a predictive one made robot dialed 200 at once.
 * A cap set to anything else is the caller's, and stays.
 */
export function withCapAfterEdit(
  before: CampaignSettings,
  edit: Partial<CampaignSettings>,
  edited: CampaignSettings,
): CampaignSettings {
  const switched = usesAgents(before) !== usesAgents(edited);
  if (!switched || edit.maxConcurrent !== undefined) return edited;
  if (before.maxConcurrent !== defaultMaxConcurrent(before)) return edited;
  return { ...edited, maxConcurrent: defaultMaxConcurrent(edited) };
}

/** The dial queue's sort class of a contact: with attemptOrder, first attempts (0 or 1) sort before or
 *  after repeated ones. */
export function orderClassOf(s: Pick<CampaignSettings, "attemptOrder">, attempted: boolean): 0 | 1 {
  return (s.attemptOrder === "first_attempts") === attempted ? 1 : 0;
}

/**
 * What a campaign assumes when it has not measured its AMD: 2% of machine verdicts are people. Regulators
 * count a person AMD hangs up on as an abandoned call (FTC TSR; Ofcom wants a reasoned estimate in the
 * count), and nothing on the line tells them apart, so a dialer that counted none would report a rate
 * under the real one. 2% is about what the pacing benchmark's AMD gives (1% of people misjudged: 0.3 of
 * every 13.8 machine verdicts are people); a campaign that measured its own sets the figure, 0 included.
 */
export const AMD_FALSE_POSITIVE_SHARE = 0.02;

/** The share of AMD's machine verdicts counted as people abandoned. Only verdicts of calls dialed with AMD
 *  on count (a driver may tell machines apart without it, as the simulator does, but then it knows), and
 *  they keep counting when AMD is turned off later: those people were hung up on all the same. */
export function amdFalsePositiveShare(s: Pick<CampaignSettings, "amd">): number {
  return s.amd?.falsePositiveShare ?? AMD_FALSE_POSITIVE_SHARE;
}

export function usesAgents(s: Pick<CampaignSettings, "dialMethod">): boolean {
  return s.dialMethod !== "robot";
}

/** The callee-local window a campaign keeps: its own, or for agent campaigns the default calling hours. */
export function effectiveCalleeWindow(s: CampaignSettings): DailyWindow | null {
  return s.calleeWindow ?? (usesAgents(s) ? AGENT_CALLING_HOURS : null);
}

/** The zone a campaign's own clock questions use when nothing names one: its defaultZone, else UTC. */
export function campaignZone(s: Pick<CampaignSettings, "defaultZone">): string {
  return s.defaultZone ?? "UTC";
}

export const MAX_PRIORITY = 2 ** 31;

type AmdTuningKey = "params" | "falsePositiveShare" | "voicemailMessage";

/** Of a campaign's AMD settings, those of `keys` it has: what a vendor face with no field for them keeps
 *  across its edits (set through /v1, they must not be lost to an edit that cannot say them). */
export function amdKept(
  amd: CampaignSettings["amd"],
  keys: readonly AmdTuningKey[],
): Partial<NonNullable<CampaignSettings["amd"]>> {
  const kept: Partial<NonNullable<CampaignSettings["amd"]>> = {};
  if (!amd) return kept;
  for (const key of keys) if (amd[key] !== undefined) Object.assign(kept, { [key]: amd[key] });
  return kept;
}

/** The settings a contact's wait can come from: its windows (the campaign's schedule and time spec, the
 *  callee window, which the dial method defaults and the default zone places), its caps and minimum gap. */
const WAIT_SETTINGS = [
  "schedule",
  "timeSpec",
  "calleeWindow",
  "dialMethod",
  "defaultZone",
  "contactCaps",
  "phoneCaps",
  "minGapSec",
] as const;

/** The waits those settings can be behind (the claim's defer reasons). A wait is named for the window shut
 *  at the moment it was judged, not for the one that set its end: a contact's own window can name a wait the
 *  campaign's hours made longer. A retry's interval, a callback, the 72 h after an abandoned call and a
 *  start time ("start_at": a list reset's `startAt` lives only in the wait, so judging it again would lose
 *  it) are the contact's own and stand. */
export const SETTINGS_WAIT_REASONS = [
  "window",
  "callee_window",
  "contact_window",
  "daily_window",
  "min_gap",
  "phone_cap",
  "contact_cap",
];

/** Whether an edit from `before` to `after` moves what a contact may be waiting on. */
export function changesWaits(before: Partial<CampaignSettings>, after: Partial<CampaignSettings>): boolean {
  const [was, is] = [withDefaults(before), withDefaults(after)];
  return WAIT_SETTINGS.some((k) => JSON.stringify(was[k] ?? null) !== JSON.stringify(is[k] ?? null));
}
