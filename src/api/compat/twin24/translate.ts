// Twin24 autoCall task → core campaign settings, and the rules the task body's JSON schema cannot say
// ("required if …", the cps encoding, startMoment). Pure: no store, no clock; routes.ts resolves the ids.
import { localTimeIn } from "../../../lib/time-zone.ts";
import {
  amdKept,
  type CampaignSettings,
  DEFAULT_SETTINGS,
  type RetryRule,
  type WeeklySchedule,
  withDefaults,
} from "../../../model/campaign-settings.ts";
import type { RetryKey } from "../../../model/outcome.ts";
import { webhookUrlSpelling } from "../../../outbox/destinations.ts";
import { type EventType, TWIN24_EVENTS } from "../../../outbox/events.ts";

export interface RedialRule {
  redial: boolean;
  time?: number;
  count?: number;
}

export interface RedialLimit {
  redial: boolean;
  count?: number;
}

export interface WebhookObject {
  url?: string | null;
  partialResults?: boolean;
  delay?: number;
  events?: Record<string, { name?: string; value?: boolean }> | null;
}

/** The task body as the schema lets it through (strings may still be "" or null where Twin24 sends them). */
export interface TaskBody {
  name: string;
  taskComment?: string | null;
  defaultExec: "robot";
  defaultExecData: string;
  secondExec: "end" | "ignore" | "ch";
  secondExecData?: string | null;
  cidType: "default" | "gornum" | "pool";
  cidData?: string | null;
  callStrategy?: "STEP_2_STEP" | "PARALLEL" | null;
  startType: "manual" | "time";
  startMoment?: string | null;
  scheduleId?: string | null;
  cps: number;
  checkPhone?: boolean | null;
  lifetime?: number | null;
  webhookUrls?: (string | WebhookObject)[] | null;
  additionalOptions: {
    fullListMethod: "reject";
    fullListTime: number;
    useTr?: boolean | null;
    allowCallTimeFrom?: number | null;
    allowCallTimeTo?: number | null;
    recordCall: boolean;
    recTrimLeft?: number | null;
    detectRobot?: boolean | null;
    detectRobotMode?: "back" | "block" | null;
    detectRobotGreeting?: string | null;
    providerId?: string | null;
    fz230?: boolean | null;
  };
  phoneNormalization?: "RU" | null;
  normalizationErrorAction?: "IGNORE_NORMALIZATION_ERROR" | "SET_NORMALIZATION_ERROR_FLAG" | null;
  sendReportAfterFinish?: boolean | null;
  redialStrategyOptions: {
    redialStrategyEn: boolean;
    candidateLimit?: RedialLimit | null;
    numberLimit?: RedialLimit | null;
    busy: RedialRule;
    noAnswer: RedialRule;
    answerMash: RedialRule;
    congestion: RedialRule;
    answerNoList: RedialRule;
  };
}

export interface RuleProblem {
  /** Path in the Twin24 body, e.g. "additionalOptions.recTrimLeft". */
  field: string;
  message: string;
}

/** Twin24's redial rules and the core outcomes they govern. */
export const REDIAL_RULES = {
  busy: "busy",
  noAnswer: "no_answer",
  answerMash: "machine",
  congestion: "failed",
  answerNoList: "unsuccessful",
} as const satisfies Record<string, RetryKey>;
export type RedialRuleName = keyof typeof REDIAL_RULES;

/** The zone a startMoment without a schedule is read in: Twin24's own (Moscow). */
export const DEFAULT_TWIN24_ZONE = "Europe/Moscow";
/** Twin24 has no concurrency setting: robot tasks are paced by cps alone (and the driver's channels). */
export const TWIN24_MAX_CONCURRENT = 10_000;
/** Attempts per candidate when candidateLimit sets none: the native API's own maximum. */
export const UNLIMITED_ATTEMPTS = 100;
/** Largest N of "1 + N/100" accepted: 1000 calls per second. */
export const MAX_CPS_N = 1000;

/** Set: not absent, not null and not "" (Twin24 clients send "" and null for unset strings). */
export function given<T>(value: T | null | undefined | ""): value is T {
  return value !== undefined && value !== null && value !== "";
}

/**
 * Twin24's intensity: 1 + N/100 = N calls per second (1.03 → 3), 1 − N/100 = one call every N seconds
 * (0.4 → N = 60 → 1/60). N is a whole number. 1.0 (N = 0 either way) is read as one call per second,
 * the value Twin24's own examples send. Anything else is a message saying why not.
 */
export function decodeCps(cps: number): number | string {
  if (!Number.isFinite(cps) || cps <= 0) return "cps must be greater than 0";
  if (cps === 1) return 1;
  const n = Math.round(Math.abs(cps - 1) * 100);
  // N = 0 is only 1.0 itself: a value a hair off it would decode to 0 or 1/0 calls a second, i.e. no limit.
  if (n === 0 || Math.abs(Math.abs(cps - 1) * 100 - n) > 1e-6) {
    return `cps must be 1 + N/100 (N calls per second) or 1 - N/100 (one call every N seconds) with a whole N (got ${cps})`;
  }
  if (cps > 1) {
    if (n > MAX_CPS_N) return `cps must be at most ${1 + MAX_CPS_N / 100} (${MAX_CPS_N} calls per second)`;
    return n;
  }
  // 1 - N/100 with N = 100 is cps 0 (refused above, as no rate): a value a hair above 0 is no slower rate.
  if (n >= 100) return "cps must be at least 0.01 (one call every 99 seconds)";
  return 1 / n;
}

const START_MOMENT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/;

/** "YYYY-MM-DD HH:MM" in `zone` → ms epoch, or null when it is not such a time. */
export function parseStartMoment(text: string, zone: string): number | null {
  const m = START_MOMENT.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s = "00"] = m.slice(1);
  // localTimeIn reads a wall time the zone goes through twice as the later instant, whatever today's date.
  const ms = localTimeIn(`${y}-${mo}-${d}T${h}:${mi}:${s}`, zone);
  return Number.isNaN(ms) ? null : ms;
}

/** Seconds of the day → "HH:mm:ss" (86400 → "24:00:00"). */
export function clockTime(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return [h, m, sec % 60].map((n) => String(n).padStart(2, "0")).join(":");
}

function required(field: string, when: string): RuleProblem {
  return { field, message: `${field} is required when ${when}` };
}

/** The first "Yes, if …" rule of the seed the body breaks, or a value its schema cannot judge. */
export function findRuleProblem(body: TaskBody): RuleProblem | null {
  const opts = body.additionalOptions;
  const redial = body.redialStrategyOptions;
  if (body.secondExec === "ch" && !given(body.secondExecData)) {
    return required("secondExecData", "secondExec = ch");
  }
  if ((body.cidType === "gornum" || body.cidType === "pool") && !given(body.cidData)) {
    return required("cidData", `cidType = ${body.cidType}`);
  }
  if (body.startType === "time") {
    if (!given(body.startMoment)) return required("startMoment", "startType = time");
    // The shape, and a day and time that exist (not 2026-02-30, not 25:00), whatever the zone.
    if (parseStartMoment(body.startMoment, "UTC") === null) {
      return {
        field: "startMoment",
        message: `startMoment must be an existing date and time YYYY-MM-DD HH:MM (got ${JSON.stringify(body.startMoment)})`,
      };
    }
  }
  const cps = decodeCps(body.cps);
  if (typeof cps === "string") return { field: "cps", message: cps };
  if (opts.useTr === true) {
    if (!given(opts.allowCallTimeFrom))
      return required("additionalOptions.allowCallTimeFrom", "useTr = true");
    if (!given(opts.allowCallTimeTo)) return required("additionalOptions.allowCallTimeTo", "useTr = true");
  }
  if (opts.recordCall && !given(opts.recTrimLeft)) {
    return required("additionalOptions.recTrimLeft", "recordCall = true");
  }
  if (opts.detectRobot === true && !given(opts.detectRobotMode)) {
    return required("additionalOptions.detectRobotMode", "detectRobot = true");
  }
  if (opts.detectRobotMode === "block" && !given(opts.detectRobotGreeting)) {
    return required("additionalOptions.detectRobotGreeting", "detectRobotMode = block");
  }
  if (given(body.normalizationErrorAction) && body.phoneNormalization !== "RU") {
    return {
      field: "normalizationErrorAction",
      message: "normalizationErrorAction needs phoneNormalization = RU (normalization must be enabled)",
    };
  }
  for (const limit of ["candidateLimit", "numberLimit"] as const) {
    const l = redial[limit];
    if (l?.redial && !given(l.count)) {
      return required(`redialStrategyOptions.${limit}.count`, `${limit}.redial = true`);
    }
    if (l?.redial && (l.count as number) < 1) {
      return {
        field: `redialStrategyOptions.${limit}.count`,
        message: `redialStrategyOptions.${limit}.count must be at least 1 when ${limit}.redial = true`,
      };
    }
  }
  for (const rule of Object.keys(REDIAL_RULES) as RedialRuleName[]) {
    const r = redial[rule];
    if (!r.redial) continue;
    if (!given(r.time)) return required(`redialStrategyOptions.${rule}.time`, `${rule}.redial = true`);
    if (!given(r.count)) return required(`redialStrategyOptions.${rule}.count`, `${rule}.redial = true`);
  }
  return null;
}

/** What routes.ts looked up for the ids the body names. */
export interface ResolvedRefs {
  schedule: WeeklySchedule | null;
  /** Numbers of the gornum (one) or pool (several) cidData names; empty for cidType = default. */
  callerIds: string[];
}

/** The outcomes Twin24 has redial rules for: redialStrategyEn = false or redial = false makes the outcome
 *  final for that number. Two of ours have no Twin24 rule and follow the nearest one, so that no outcome is
 *  left to the core's default (redialed every retryIntervalSec up to the attempt limit) when the client
 *  turned redials off: a call lost with the node that held it (the person may have talked with the bot) is
 *  a failure on the dialer's side, as congestion is; an abandoned call (a person answered, no agent took
 *  it) is an answer that did not become a conversation, as answerNoList's is. */
function redialRules(redial: TaskBody["redialStrategyOptions"]): Partial<Record<RetryKey, RetryRule>> {
  const out: Partial<Record<RetryKey, RetryRule>> = {};
  for (const [rule, key] of Object.entries(REDIAL_RULES) as [RedialRuleName, RetryKey][]) {
    const r = redial[rule];
    out[key] =
      redial.redialStrategyEn && r.redial
        ? { intervalSec: r.time ?? 0, maxRetries: r.count ?? 0 }
        : { intervalSec: 0, maxRetries: 0 };
  }
  out.lost = out[REDIAL_RULES.congestion];
  out.abandoned = out[REDIAL_RULES.answerNoList];
  return out;
}

/** A new task's retry rules: its redial rules, and a declined call's. */
export function retryRules(redial: TaskBody["redialStrategyOptions"]): Partial<Record<RetryKey, RetryRule>> {
  // Twin24 has no rule for a declined call (SIP 603): that number is never called again, but the
  // candidate's other numbers still are (the core would end the whole candidate without a rule).
  return { ...redialRules(redial), rejected: { intervalSec: 0, maxRetries: 0 } };
}

/**
 * Complete core settings for a checked body (findRuleProblem returned null). A new task starts from the
 * defaults; an edited one (`stored`: its campaign's settings) keeps every setting Twin24 has no field for,
 * as set through /v1 (frequency caps, minGapSec, endAt, priority, concurrency, agents, AMD tuning, other
 * faces' vendor fields…): the body is the whole task only as far as Twin24 can say it.
 */
export function toSettings(body: TaskBody, refs: ResolvedRefs, stored?: CampaignSettings): CampaignSettings {
  const said = twin24Settings(body, refs);
  if (!stored) {
    return withDefaults({
      ...said,
      maxConcurrent: TWIN24_MAX_CONCURRENT,
      retry: retryRules(body.redialStrategyOptions),
      rejectedIsFinal: false,
      defaultZone: DEFAULT_TWIN24_ZONE,
      ringTimeoutSec: DEFAULT_SETTINGS.ringTimeoutSec,
      vendor: { twin24: vendorFields(body) },
    });
  }
  const { twin24: _old, ...otherVendors } = stored.vendor;
  return {
    ...stored,
    ...said,
    // Rules for outcomes Twin24 has none for (a declined call's among them) stay as they are.
    retry: { ...stored.retry, ...said.retry },
    // What /v1 set on the AMD that the task body has no field for.
    amd: said.amd
      ? { ...amdKept(stored.amd, ["params", "falsePositiveShare", "voicemailMessage"]), ...said.amd }
      : null,
    vendor: { ...otherVendors, twin24: vendorFields(body) },
  };
}

/** The settings a task body has fields for: on an edit these, and only these, follow the body. */
function twin24Settings(
  body: TaskBody,
  refs: ResolvedRefs,
): Pick<
  CampaignSettings,
  | "callsPerSecond"
  | "maxAttemptsPerContact"
  | "maxAttemptsPerPhone"
  | "retry"
  | "startAt"
  | "lifetimeSec"
  | "schedule"
  | "calleeWindow"
  | "successMinTalkSec"
  | "multiNumber"
  | "callerIds"
  | "callerIdMode"
  | "amd"
  | "record"
  | "bot"
> {
  const opts = body.additionalOptions;
  const redial = body.redialStrategyOptions;
  const cps = decodeCps(body.cps) as number;
  const zone = refs.schedule?.zone ?? DEFAULT_TWIN24_ZONE;
  const startAt =
    body.startType === "time" && given(body.startMoment) ? parseStartMoment(body.startMoment, zone) : null;
  const limitOf = (l: RedialLimit | null | undefined): number | null =>
    redial.redialStrategyEn && l?.redial && given(l.count) ? l.count : null;
  const wholeDay =
    !given(opts.allowCallTimeFrom) ||
    !given(opts.allowCallTimeTo) ||
    (opts.allowCallTimeFrom === 0 && opts.allowCallTimeTo >= 86_399);
  return {
    callsPerSecond: cps,
    maxAttemptsPerContact: limitOf(redial.candidateLimit) ?? UNLIMITED_ATTEMPTS,
    maxAttemptsPerPhone: limitOf(redial.numberLimit),
    retry: redialRules(redial),
    startAt,
    lifetimeSec: given(body.lifetime) ? body.lifetime : null,
    schedule: refs.schedule,
    // allowCallTimeTo is the start of the last call allowed, so the window ends a second later.
    calleeWindow:
      opts.useTr === true && !wholeDay
        ? {
            from: clockTime(opts.allowCallTimeFrom as number),
            to: clockTime((opts.allowCallTimeTo as number) + 1),
          }
        : null,
    successMinTalkSec: opts.fullListTime,
    multiNumber: body.callStrategy === "PARALLEL" ? "parallel" : "sequential",
    callerIds: refs.callerIds,
    callerIdMode: body.cidType === "pool" ? "rotate" : "fixed",
    amd:
      opts.detectRobot === true
        ? {
            enabled: true,
            mode: opts.detectRobotMode === "block" ? "blocking" : "background",
            ...(opts.detectRobotMode === "block" && given(opts.detectRobotGreeting)
              ? { greeting: opts.detectRobotGreeting }
              : {}),
          }
        : null,
    record: opts.recordCall ? { enabled: true, trimLeftSec: opts.recTrimLeft ?? 0 } : null,
    bot: {
      scriptId: body.defaultExecData,
      onTransfer: body.secondExec === "ch" ? "forward" : body.secondExec,
      transferTo: body.secondExec === "ch" ? (body.secondExecData as string) : null,
    },
  };
}

/** Fields outdial does not act on, kept verbatim so a task reads back as it was sent. */
function vendorFields(body: TaskBody): Record<string, unknown> {
  const opts = body.additionalOptions;
  const keep: Record<string, unknown> = {
    cps: body.cps,
    startType: body.startType,
    cidType: body.cidType,
    checkPhone: body.checkPhone ?? null,
    phoneNormalization: body.phoneNormalization ?? null,
    normalizationErrorAction: body.phoneNormalization === "RU" ? normalizationAction(body) : null,
  };
  if (given(body.startMoment)) keep.startMoment = body.startMoment;
  if (given(body.scheduleId)) keep.scheduleId = body.scheduleId;
  if (given(body.cidData)) keep.cidData = body.cidData;
  if (given(body.taskComment)) keep.taskComment = body.taskComment;
  if (given(body.sendReportAfterFinish)) keep.sendReportAfterFinish = body.sendReportAfterFinish;
  if (given(opts.providerId)) keep.providerId = opts.providerId;
  if (given(opts.fz230)) keep.fz230 = opts.fz230;
  if (opts.useTr !== true && given(opts.allowCallTimeFrom)) keep.allowCallTimeFrom = opts.allowCallTimeFrom;
  if (opts.useTr !== true && given(opts.allowCallTimeTo)) keep.allowCallTimeTo = opts.allowCallTimeTo;
  return keep;
}

/** The normalization error action in force: IGNORE_NORMALIZATION_ERROR unless the body says otherwise. */
export function normalizationAction(
  body: Pick<TaskBody, "normalizationErrorAction">,
): "IGNORE_NORMALIZATION_ERROR" | "SET_NORMALIZATION_ERROR_FLAG" {
  return body.normalizationErrorAction ?? "IGNORE_NORMALIZATION_ERROR";
}

export interface WebhookPlan {
  url: string;
  events: EventType[];
  delaySec: number;
  partialResults: boolean;
}

/**
 * webhookUrls → native subscriptions. A plain URL string (Twin24's older form) takes every event; an
 * object takes the events whose value is true (all when `events` is absent); an entry left with no event
 * is no subscription at all.
 */
export function webhookPlans(urls: TaskBody["webhookUrls"]): WebhookPlan[] {
  const all = [...new Set(Object.values(TWIN24_EVENTS))];
  const out: WebhookPlan[] = [];
  for (const entry of urls ?? []) {
    if (typeof entry === "string") {
      out.push({ url: webhookUrlSpelling(entry), events: all, delaySec: 0, partialResults: true });
      continue;
    }
    if (!given(entry.url)) continue;
    const events =
      entry.events === undefined || entry.events === null
        ? all
        : [
            ...new Set(
              Object.entries(entry.events)
                .filter(([, e]) => e.value !== false)
                .map(([name]) => TWIN24_EVENTS[name])
                .filter((e): e is EventType => e !== undefined),
            ),
          ];
    if (events.length === 0) continue;
    out.push({
      url: webhookUrlSpelling(entry.url),
      events,
      delaySec: entry.delay ?? 0,
      partialResults: entry.partialResults ?? true,
    });
  }
  return out;
}
