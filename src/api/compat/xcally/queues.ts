// Xcally Motion outbound queues (campaigns) → outdial campaign settings. Pure; the routes store what this
// returns. Every field of the queue body is also kept verbatim in settings.vendor.xcally, so GET answers it.
//
// Decisions:
//  - dialOriginateTimeout → ringTimeoutSec.
//  - dial{Busy,NoAnswer,Congestion}{MaxRetry,RetryFrequency} → retry.{busy,no_answer,failed}; congestion is
//    outdial's "failed" outcome. The frequencies are MINUTES, as Motion takes them ("Busy Retry Time: time in
//    minutes …, default 150": called at 10:00, recalled at 12:30), so intervalSec = 60 × frequency; a read
//    answers minutes again (a fraction when /v1 set seconds that are no whole minute: written back, the same).
//  - dialGlobalMaxRetry counts retries after the first call: maxAttemptsPerContact = 1 + dialGlobalMaxRetry.
//  - AMD is enabled when dialAMDActive is true (Motion's switch); the dialAMD* numbers then become amd.params
//    under their Asterisk AMD() names (initialSilence, greeting, …). Without it they are only kept. Motion
//    runs AMD() before the call reaches the queue, so detection is blocking: a machine is hung up at the
//    verdict, a person goes on after it (the sim driver times and bounds the verdict by these params).
//  - dialGlobalInterval (an Asterisk time spec) is validated; when its day-of-month and month fields are "*"
//    it becomes settings.schedule (weekday ranges, end minute included as Asterisk does) in the spec's own
//    zone, else the queue's dialTimezone (Motion reads the hours there), else UTC. A spec restricting days of
//    the month or months becomes settings.timeSpec, which the engine keeps to as it is (the dialTimezone
//    appended as its zone field when it names none; with neither, the campaign's default zone, UTC).
//  - dialOrderByScheduledAt: Motion dials its hopper by scheduledat, the time a contact entered it (ASC:
//    oldest first; DESC, Motion's default: newest first). The core dials due contacts by their own priority
//    first, so each contact copied into the queue gets the priority scheduledPriority() gives its copy time;
//    a change of direction turns the queue's priorities round. A retry keeps its contact's place (Motion
//    would give it a new scheduledat): the core has no per-campaign direction for retry times.
//  - dialMethod (preview/progressive/power/predictive) is the campaign's dial method once agents are
//    linked to the queue (POST …/users, outdial agent ids); a queue without agents dials robot-style
//    (its calls go to whatever answers them, a bot or an IVR), as it did before agents existed.
//    dialPowerLevel → powerRatio (at least 1); dialPredictiveOptimization "dropRate" with its Percentage →
//    targetAbandonRate; strategy (Asterisk's queue strategies) → agentSelection. The rest is kept only.
//    Agents joining change the dial method alone: the power ratio, abandonment target and agent selection
//    are those the campaign has (the queue's, or set through /v1 since), and the line cap moves from the
//    robot default to the agent one as a /v1 edit's would (withCapAfterEdit): a cap set through /v1 stays.
import { IANAZone } from "luxon";
import { zoneNameProblem } from "../../../lib/time-zone.ts";
import {
  type AgentSelection,
  amdKept,
  type CampaignSettings,
  type DialMethod,
  type RetryRule,
  type WeeklyRange,
} from "../../../model/campaign-settings.ts";
import { parseTimeSpec, type TimeSpec } from "../../../model/time-spec.ts";
import { invalidRequest } from "../../plugins/errors.ts";

export const DIAL_METHODS = ["preview", "progressive", "power", "predictive"] as const;
export const DUPLICATE_TYPES = ["always", "onlyIfOpen", "never"] as const;
export type DuplicateType = (typeof DUPLICATE_TYPES)[number];

const AMD_FIELDS: Record<string, string> = {
  dialAMDInitialSilence: "initialSilence",
  dialAMDGreeting: "greeting",
  dialAMDAfterGreetingSilence: "afterGreetingSilence",
  dialAMDTotalAnalysisTime: "totalAnalysisTime",
  dialAMDMinWordLength: "minimumWordLength",
  dialAMDBetweenWordsSilence: "betweenWordsSilence",
  dialAMDMaximumNumberOfWords: "maximumNumberOfWords",
  dialAMDSilenceThreshold: "silenceThreshold",
  dialAMDMaximumWordLength: "maximumWordLength",
};

const count = { type: "integer", minimum: 0, maximum: 100 } as const;
/** Motion's retry frequencies, in minutes: up to a year, the longest retry wait /v1 allows (intervalSec).
 *  A number, not an integer: a read of seconds set through /v1 (90 s → 1.5) can be written back. */
const minutes = { type: "number", minimum: 0, maximum: 525_600 } as const;
const yesNo = { type: "string", maxLength: 10 } as const;

/** The queue body; unknown fields are kept too (Motion sends many Asterisk queue options). */
export const queueBodySchema = {
  type: "object",
  additionalProperties: true,
  maxProperties: 300,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    type: { type: "string", enum: ["outbound"], description: "Only outbound queues are campaigns" },
    dialActive: { type: "boolean" },
    dialCheckDuplicateType: { type: "string", enum: [...DUPLICATE_TYPES] },
    dialGlobalInterval: { type: "string", maxLength: 500 },
    // An IANA zone (checkDialTimezone); null or "" for none.
    dialTimezone: { type: ["string", "null"], maxLength: 64 },
    dialOriginateTimeout: { type: "integer", minimum: 1, maximum: 600 },
    dialGlobalMaxRetry: { type: "integer", minimum: 0, maximum: 99 },
    dialBusyMaxRetry: count,
    dialBusyRetryFrequency: minutes,
    dialNoAnswerMaxRetry: count,
    dialNoAnswerRetryFrequency: minutes,
    dialCongestionMaxRetry: count,
    dialCongestionRetryFrequency: minutes,
    dialAMDActive: { type: "boolean" },
    // Milliseconds, as Asterisk's AMD() takes them; bounded as /v1's amd.params are.
    ...Object.fromEntries(
      Object.keys(AMD_FIELDS).map((k) => [k, { type: "integer", minimum: 0, maximum: 600_000 }]),
    ),
    dialMethod: { type: "string", enum: [...DIAL_METHODS] },
    dialOrderByScheduledAt: { type: "string", enum: ["ASC", "DESC", "asc", "desc"] },
    // Up to the lines per ready agent the core allows (powerRatio, at most 10).
    dialPowerLevel: { type: "number", minimum: 0, maximum: 10 },
    dialPredictiveOptimization: { type: "string", maxLength: 50 },
    dialPredictiveOptimizationPercentage: { type: "number", minimum: 0, maximum: 100 },
    autopause: yesNo,
    ringinuse: yesNo,
  },
} as const;

export type QueueBody = Record<string, unknown> & {
  name?: string;
  type?: string;
  dialActive?: boolean;
  dialCheckDuplicateType?: DuplicateType;
  dialGlobalInterval?: string;
  dialTimezone?: string | null;
};

/** Motion's defaults for the fields the mapping reads, so a bare body behaves as Motion would. */
export const QUEUE_DEFAULTS = {
  dialActive: true,
  dialCheckDuplicateType: "always",
  dialMethod: "preview",
  dialOriginateTimeout: 30,
  dialGlobalMaxRetry: 4,
  dialBusyMaxRetry: 3,
  dialBusyRetryFrequency: 150,
  dialNoAnswerMaxRetry: 3,
  dialNoAnswerRetryFrequency: 150,
  dialCongestionMaxRetry: 3,
  dialCongestionRetryFrequency: 150,
  dialGlobalInterval: "00:00-24:00,*,*,*",
  dialOrderByScheduledAt: "DESC",
} as const;

function limitsMonthDays(spec: TimeSpec): boolean {
  return spec.monthDays.subarray(1).includes(0) || spec.months.subarray(1).includes(0);
}

/** Refuses a body whose dialTimezone is no IANA zone (400 naming it). The routes check what a request
 *  sends; a stored queue is not checked again, so one kept before the face read the field stays editable. */
export function checkDialTimezone(body: QueueBody): void {
  const zone = body.dialTimezone;
  if (zone === undefined || zone === null || zone === "") return;
  const problem = zoneNameProblem(zone);
  if (problem)
    throw invalidRequest(
      `dialTimezone: ${problem.hint ?? `${JSON.stringify(zone)} is not an IANA time zone such as Europe/Rome`}`,
      "dialTimezone",
    );
}

/** The zone the queue's dialGlobalInterval is read in when the spec names none: its dialTimezone, or
 *  null (UTC). A stored value that is no zone (kept before the face read it) counts as none, as then. */
function dialTimezoneOf(queue: Record<string, unknown>): string | null {
  const zone = queue.dialTimezone;
  return typeof zone === "string" && zone !== "" && IANAZone.isValidZone(zone) ? zone : null;
}

/** The time spec the engine keeps to: the queue's, with `zone` as its zone field when it names none. */
function timeSpecInZone(text: string, spec: TimeSpec, zone: string | null): string {
  return spec.zone === null && zone !== null ? `${text},${zone}` : text;
}

/** The weekly schedule a spec makes, or null when its day-of-month or month fields are restricted; in the
 *  spec's zone, else `zone` (the queue's dialTimezone), else UTC. */
export function scheduleForSpec(spec: TimeSpec, zone: string | null = null): CampaignSettings["schedule"] {
  if (limitsMonthDays(spec)) return null;
  const runs: { from: string; to: string }[] = [];
  const hhmm = (m: number) =>
    m >= 1440 ? "24:00" : `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  for (let m = 0; m < 1440; ) {
    if (spec.minutes[m] !== 1) {
      m++;
      continue;
    }
    const start = m;
    while (m < 1440 && spec.minutes[m] === 1) m++;
    runs.push({ from: hhmm(start), to: hhmm(m) });
  }
  const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => spec.weekdays[d] === 1);
  if (days.length === 7 && runs.length === 1 && runs[0].from === "00:00" && runs[0].to === "24:00")
    return null;
  const ranges: WeeklyRange[] = runs.map((r) => ({ days, ...r }));
  return { zone: spec.zone ?? zone ?? "UTC", ranges };
}

/** What /v1 set on the campaign's AMD that Motion's queue has no field for: kept across queue edits. */
const MOTION_AMD_KEPT = ["falsePositiveShare", "voicemailMessage"] as const;

/**
 * The campaign's AMD with Motion's switch on: blocking detection, as Motion runs AMD() before the queue, with
 * the queue's dialAMD* values. On a campaign whose AMD was on already, the mode and greeting /v1 set stay
 * (Motion has no field for them): a client writing back the queue it read reset them to blocking and none.
 */
function motionAmd(
  base: CampaignSettings["amd"],
  params: Record<string, number>,
): NonNullable<CampaignSettings["amd"]> {
  const amd = { ...amdKept(base, MOTION_AMD_KEPT), enabled: true, params };
  if (!base?.enabled) return { ...amd, mode: "blocking" };
  return { ...amd, mode: base.mode, ...(base.greeting === undefined ? {} : { greeting: base.greeting }) };
}

/** The full queue (defaults under the body) and the settings it maps to over `base`. */
export function settingsForQueue(
  body: QueueBody,
  base: CampaignSettings,
): { queue: Record<string, unknown>; settings: CampaignSettings } {
  if (body.type !== undefined && body.type !== "outbound") {
    throw invalidRequest(`type: only "outbound" queues are campaigns here`, "type");
  }
  const queue: Record<string, unknown> = { ...QUEUE_DEFAULTS, ...body, type: "outbound" };
  const num = (k: string) => queue[k] as number;
  const spec = parseTimeSpec(queue.dialGlobalInterval, "dialGlobalInterval");
  if (!spec.ok) throw invalidRequest(`${spec.error.field}: ${spec.error.message}`, "dialGlobalInterval");
  const open = spec.value.minutes.includes(1) && spec.value.weekdays.subarray(1).includes(1);
  if (!open) throw invalidRequest("dialGlobalInterval: the spec never opens", "dialGlobalInterval");
  const rule = (max: string, freq: string): RetryRule => ({
    intervalSec: Math.round(num(freq) * 60),
    maxRetries: num(max),
  });
  const zone = dialTimezoneOf(queue);
  const amdParams: Record<string, number> = {};
  for (const [k, name] of Object.entries(AMD_FIELDS))
    if (typeof queue[k] === "number") amdParams[name] = num(k);
  const { xcally: _old, ...otherVendor } = base.vendor;
  const settings: CampaignSettings = {
    ...base,
    ringTimeoutSec: num("dialOriginateTimeout"),
    maxAttemptsPerContact: 1 + num("dialGlobalMaxRetry"),
    retry: {
      ...base.retry,
      busy: rule("dialBusyMaxRetry", "dialBusyRetryFrequency"),
      no_answer: rule("dialNoAnswerMaxRetry", "dialNoAnswerRetryFrequency"),
      failed: rule("dialCongestionMaxRetry", "dialCongestionRetryFrequency"),
    },
    amd: queue.dialAMDActive === true ? motionAmd(base.amd, amdParams) : null,
    schedule: scheduleForSpec(spec.value, zone),
    // A spec that limits month days or months is no weekly schedule: the engine keeps to the spec itself.
    timeSpec: limitsMonthDays(spec.value)
      ? timeSpecInZone(queue.dialGlobalInterval as string, spec.value, zone)
      : null,
    vendor: { ...otherVendor, xcally: queue },
    // Robot-style until agents join (joinQueue switches it). Motion's queues have no line cap of their own:
    // the campaign's (its dial method's default, or one set through /v1) stays, in base.
    ...agentDialing(queue, base.dialMethod !== "robot"),
  };
  return { queue, settings };
}

/** The Motion fields that make how a queue dials with agents (agentDialing). */
const AGENT_DIALING_FIELDS = [
  "dialMethod",
  "dialPowerLevel",
  "dialPredictiveOptimization",
  "dialPredictiveOptimizationPercentage",
  "strategy",
];

const RETRY_FIELDS = [
  ["busy", "dialBusyMaxRetry", "dialBusyRetryFrequency"],
  ["no_answer", "dialNoAnswerMaxRetry", "dialNoAnswerRetryFrequency"],
  ["failed", "dialCongestionMaxRetry", "dialCongestionRetryFrequency"],
] as const;

/**
 * What an edit of a stored queue makes of `base`: only the settings the edit's `fields` map to are taken
 * from `mapped` (settingsForQueue of the merged queue); the others stay as the campaign has them. A
 * campaign's hours, ring timeout or retries set through /v1 are not put back to the queue's old values (or
 * Motion's defaults) by a PUT that pauses it. The stored queue (vendor.xcally) is the mapping's.
 */
export function editedSettings(
  fields: Iterable<string>,
  mapped: CampaignSettings,
  base: CampaignSettings,
): CampaignSettings {
  const edited = new Set(fields);
  const has = (...names: string[]) => names.some((n) => edited.has(n));
  const out: CampaignSettings = {
    ...base,
    vendor: mapped.vendor,
    retry: { ...base.retry },
  };
  if (has("dialOriginateTimeout")) out.ringTimeoutSec = mapped.ringTimeoutSec;
  if (has("dialGlobalMaxRetry")) out.maxAttemptsPerContact = mapped.maxAttemptsPerContact;
  for (const [outcome, max, freq] of RETRY_FIELDS) {
    const rule = mapped.retry[outcome] as RetryRule;
    const now = base.retry[outcome];
    if (!has(max, freq)) continue;
    out.retry[outcome] = {
      ...now,
      intervalSec: has(freq) || !now ? rule.intervalSec : now.intervalSec,
      maxRetries: has(max) || !now ? rule.maxRetries : now.maxRetries,
    };
  }
  if (has("dialAMDActive")) out.amd = mapped.amd;
  else if (base.amd) {
    // A number of AMD() edited alone: into the detection the campaign has, on or off as it is.
    const queue = mapped.vendor.xcally as Record<string, unknown>;
    const params = { ...base.amd.params };
    for (const [field, name] of Object.entries(AMD_FIELDS))
      if (has(field) && typeof queue[field] === "number") params[name] = queue[field];
    out.amd = { ...base.amd, params };
  }
  if (has("dialGlobalInterval", "dialTimezone")) {
    out.schedule = mapped.schedule;
    out.timeSpec = mapped.timeSpec;
  }
  // A queue without agents stays robot-style whatever its dialMethod (agentDialing): only agents joining
  // switch it (joinQueue).
  if (has("dialMethod")) out.dialMethod = mapped.dialMethod;
  if (has(...AGENT_DIALING_FIELDS.slice(1))) {
    out.powerRatio = mapped.powerRatio;
    out.targetAbandonRate = mapped.targetAbandonRate;
    out.agentSelection = mapped.agentSelection;
  }
  return out;
}

/** The stored queue with the fields a campaign setting maps back to exactly read from `settings`: a
 *  /v1 edit of the ring timeout, attempt limit, retry rules (frequencies in minutes, as Motion's) or AMD
 *  since shows through. The others (hours and dialTimezone, how it dials with agents) are shown as the
 *  queue was last sent. */
export function liveQueue(
  queue: Record<string, unknown>,
  settings: CampaignSettings,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...queue,
    dialOriginateTimeout: settings.ringTimeoutSec,
    dialGlobalMaxRetry: settings.maxAttemptsPerContact - 1,
    dialAMDActive: settings.amd?.enabled === true,
  };
  for (const [outcome, max, freq] of RETRY_FIELDS) {
    const rule = settings.retry[outcome];
    if (!rule) continue;
    out[max] = rule.maxRetries;
    out[freq] = rule.intervalSec / 60;
  }
  return out;
}

const STRATEGIES: Record<string, AgentSelection> = {
  leastrecent: "longest_idle",
  ringall: "longest_idle",
  fewestcalls: "fewest_calls",
  random: "random",
  wrandom: "random",
  rrmemory: "round_robin",
  rrordered: "round_robin",
  linear: "linear",
};

/** The method a queue dials by once it has agents: its dialMethod (Motion's default for a queue stored
 *  without one). */
export function agentDialMethodOf(queue: Record<string, unknown>): DialMethod {
  return (queue.dialMethod ?? QUEUE_DEFAULTS.dialMethod) as DialMethod;
}

/** How the queue dials: by its dialMethod once it has agents, robot-style until then. */
function agentDialing(queue: Record<string, unknown>, withAgents: boolean) {
  const pct = queue.dialPredictiveOptimizationPercentage;
  return {
    dialMethod: withAgents ? agentDialMethodOf(queue) : ("robot" as const),
    powerRatio: Math.max(1, Number(queue.dialPowerLevel ?? 1) || 1),
    targetAbandonRate:
      queue.dialPredictiveOptimization === "dropRate" && typeof pct === "number" && pct > 0
        ? Math.min(0.5, Math.max(0.001, pct / 100))
        : 0.03,
    agentSelection: STRATEGIES[String(queue.strategy)] ?? "longest_idle",
  };
}

/** Seconds from this epoch keep scheduledPriority() well inside a 32-bit integer column for decades. */
const SCHEDULED_EPOCH_MS = Date.UTC(2020, 0, 1);

export type ScheduledOrder = "ASC" | "DESC";

/** The queue's dialOrderByScheduledAt, whatever case it was sent in (Motion's default: DESC). */
export function scheduledOrderOf(queue: Record<string, unknown>): ScheduledOrder {
  return String(queue.dialOrderByScheduledAt ?? QUEUE_DEFAULTS.dialOrderByScheduledAt).toUpperCase() === "ASC"
    ? "ASC"
    : "DESC";
}

/** The contact priority (lower is dialed first) that orders contacts scheduled at `at` the queue's way. */
export function scheduledPriority(order: ScheduledOrder, at: number): number {
  const sec = Math.floor((at - SCHEDULED_EPOCH_MS) / 1000);
  return order === "ASC" ? sec : -sec;
}
