// JSON schema of CampaignSettings (model/campaign-settings.ts), field for field, with the ranges the API
// accepts. Time zones are checked after the schema by `findSettingsProblem`: whether a name is a real
// IANA zone is a question for the zone database, not for a pattern.

import { zoneNameProblem } from "../../../lib/time-zone.ts";
import { type CampaignSettings, MAX_PRIORITY } from "../../../model/campaign-settings.ts";
import { campaignEverOpens } from "../../../model/campaign-windows.ts";
import { RETRY_KEYS } from "../../../model/outcome.ts";
import { parseTimeSpec } from "../../../model/time-spec.ts";
import { validateDailyWindow, validateWeeklySchedule } from "../../../model/windows.ts";
import { resolveScenario, ScenarioError } from "../../../telephony/sim/scenario.ts";

const TIME_OF_DAY = "^(?:(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?|24:00(?::00)?)$";
const ONE_YEAR_SEC = 366 * 24 * 3600;

const timeOfDay = {
  type: "string",
  pattern: TIME_OF_DAY,
  description: "A time of day as HH:mm or HH:mm:ss (24:00 may end a range)",
} as const;

const zoneName = {
  type: "string",
  minLength: 1,
  maxLength: 64,
  description: "An IANA time zone name such as Europe/Moscow",
} as const;

const msEpochOrNull = {
  type: ["integer", "null"],
  minimum: 0,
  // 9999-12-31T23:59:59.999Z: any later time is not a date (as the contact import has it).
  maximum: 253_402_300_799_999,
  description: "Milliseconds since the Unix epoch; null = none",
} as const;

const frequencyCaps = {
  type: ["object", "null"],
  additionalProperties: false,
  properties: {
    per24h: { type: "integer", minimum: 1, maximum: 100_000, description: "Calls per rolling 24 h" },
    perDay: { type: "integer", minimum: 1, maximum: 100_000, description: "Calls per calendar day" },
    per7d: { type: "integer", minimum: 1, maximum: 100_000, description: "Calls per rolling 7 days" },
    per30d: {
      type: "integer",
      minimum: 1,
      maximum: 100_000,
      description: "Calls per rolling 30 days (France: 4, answered or not)",
    },
  },
} as const;

const retryRule = {
  type: "object",
  additionalProperties: false,
  required: ["intervalSec", "maxRetries"],
  properties: {
    intervalSec: { type: "integer", minimum: 0, maximum: ONE_YEAR_SEC, description: "Wait before the retry" },
    maxRetries: { type: "integer", minimum: 0, maximum: 100, description: "0 = this outcome is final" },
  },
} as const;

export const campaignSettingsSchema = {
  type: "object",
  additionalProperties: false,
  description: "Campaign settings; omitted fields take their defaults",
  properties: {
    priority: { type: "integer", minimum: 0, maximum: MAX_PRIORITY, description: "0 is dialed first" },
    maxConcurrent: {
      type: "integer",
      minimum: 1,
      maximum: 10_000,
      description:
        "Calls in flight at once; default 10, or 200 for a campaign with agents (whose pacer already bounds its lines by maxLinesPerAgent per logged-in agent)",
    },
    callsPerSecond: {
      type: ["number", "null"],
      exclusiveMinimum: 0,
      maximum: 10_000,
      description: "New calls per second, fractional allowed (0.2 = one every 5 s); null = unlimited",
    },
    dialMethod: {
      type: "string",
      enum: ["robot", "preview", "progressive", "power", "predictive"],
      description:
        "robot = no agents (concurrency and calls per second only); the others dial for the campaign's agents",
    },
    powerRatio: {
      type: "number",
      minimum: 1,
      maximum: 10,
      description: "Power dialing: lines per ready agent, fractional",
    },
    targetAbandonRate: {
      type: "number",
      minimum: 0.001,
      maximum: 0.5,
      description:
        "Power and predictive dialing: the cap on abandoned / live answers (0.03 = 3 %); over it in any window they dial one line per ready agent",
    },
    abandonGroup: {
      type: ["string", "null"],
      minLength: 1,
      maxLength: 64,
      description:
        "Agent campaigns of the account with the same group share one abandonment rate, pooled over their live answers (a drop-rate group, or the call centre a regulator judges): each one's predictive pacer holds the pooled rate under the strictest targetAbandonRate of the group's campaigns (a power one dials progressive while it is over), and GET /v1/campaigns/{id}/abandonment reports the group's figures too. Null: the campaign's own",
    },
    maxLinesPerAgent: {
      type: "number",
      minimum: 1,
      maximum: 20,
      description:
        "Power and predictive: lines not yet with an agent (ringing, or answered and waiting) per logged-in agent, beyond the calls agents are on; fractional allowed",
    },
    abandonAfterSec: {
      type: "number",
      minimum: 0.5,
      maximum: 60,
      description: "A live answer with no agent after this many seconds is abandoned",
    },
    releaseAfterRingSec: {
      type: ["integer", "null"],
      minimum: 15,
      maximum: 600,
      description:
        "Predictive: after this many seconds of ringing (at least 15, the FTC TSR and Ofcom minimum), a line whose person would probably find no agent is hung up unanswered and recorded as no_answer (details.releasedByPacer; abandoned if the callee answered as it was hung up), so a late answer does not become an abandoned call. It trades people reached for a little occupancy: in the pacing benchmark 4–8 % of the people the lines reached are released (redialed later) for 0.2–0.7 points of occupancy, see BENCHMARKS.md. Null (the default): every line rings to ringTimeoutSec",
    },
    abandonMessage: {
      type: ["string", "null"],
      maxLength: 1000,
      description: "What an abandoned callee hears before the hangup",
    },
    queueId: {
      type: ["integer", "null"],
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description:
        "A named queue of the account (/v1/queues) whose members serve the campaign besides its own agents",
    },
    personalCallbackWaitSec: {
      type: ["integer", "null"],
      minimum: 0,
      maximum: ONE_YEAR_SEC,
      description:
        "How long past its time a personal callback waits for its agent before any agent of the campaign may make it; null (default): until the agent returns, leaves the queue or releases it",
    },
    wrapUpSec: {
      type: "integer",
      minimum: 0,
      maximum: 3600,
      description: "Timed wrap-up after each agent call",
    },
    agentSelection: {
      type: "string",
      enum: ["longest_idle", "fewest_calls", "round_robin", "random", "linear"],
      description: "Which ready agent (of the lowest penalty) takes an answered call",
    },
    maxAttemptsPerContact: { type: "integer", minimum: 1, maximum: 100 },
    maxAttemptsPerPhone: { type: ["integer", "null"], minimum: 1, maximum: 100 },
    retryIntervalSec: {
      type: "integer",
      minimum: 0,
      maximum: ONE_YEAR_SEC,
      description: "Default wait before a retry, for outcomes without a rule of their own",
    },
    retry: {
      type: "object",
      additionalProperties: false,
      description: "Per-outcome retry rules",
      properties: Object.fromEntries(RETRY_KEYS.map((k) => [k, retryRule])),
    },
    rejectedIsFinal: { type: "boolean" },
    attemptOrder: { type: "string", enum: ["first_attempts", "repeated_attempts"] },
    startAt: msEpochOrNull,
    endAt: msEpochOrNull,
    lifetimeSec: { type: ["integer", "null"], minimum: 1, maximum: 10 * ONE_YEAR_SEC },
    timeSpec: {
      type: ["string", "null"],
      maxLength: 500,
      description: 'Asterisk time spec, e.g. "07:00-22:00,mon-fri,*,*", kept to besides the schedule',
    },
    schedule: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["zone", "ranges"],
      description: "Weekly calling hours in one zone; null = any time",
      properties: {
        zone: zoneName,
        ranges: {
          type: "array",
          minItems: 1,
          maxItems: 100,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["days", "from", "to"],
            properties: {
              days: {
                type: "array",
                minItems: 1,
                maxItems: 7,
                uniqueItems: true,
                items: { type: "integer", minimum: 1, maximum: 7, description: "ISO weekday, 1 = Monday" },
              },
              from: timeOfDay,
              to: timeOfDay,
            },
          },
        },
      },
    },
    calleeWindow: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["from", "to"],
      description: "Daily window in each callee's own zone",
      properties: { from: timeOfDay, to: timeOfDay },
    },
    defaultZone: {
      ...zoneName,
      type: ["string", "null"],
      description:
        "Zone of contacts whose own zone is unknown (IANA name). null (the default): the callee window must hold in every zone of the number's country; other local-time questions use UTC",
    },
    successMinTalkSec: { type: "number", minimum: 0, maximum: 86_400 },
    multiNumber: { type: "string", enum: ["sequential", "parallel"] },
    contactCaps: frequencyCaps,
    phoneCaps: frequencyCaps,
    minGapSec: {
      type: ["integer", "null"],
      minimum: 0,
      maximum: ONE_YEAR_SEC,
      description:
        "Seconds from the end of a call to a number until the next call to it, across the account's campaigns (never while one is live). null (the default): no gap, but the campaign itself still has at most one call to a number at a time from the node dialing it (0 holds across nodes, for an agent campaign every node with its agents dials)",
    },
    ringTimeoutSec: { type: "integer", minimum: 1, maximum: 600 },
    callerIds: { type: "array", maxItems: 1000, items: { type: "string", minLength: 1, maxLength: 64 } },
    callerIdMode: {
      type: "string",
      enum: ["fixed", "rotate", "local"],
      description:
        "fixed: the first caller id; rotate: each in turn; local (local presence): in turn among the caller ids (in international format, +…) sharing the callee's country calling code and the most digits after it (area code, then exchange); all of them, in turn, when none shares the country",
    },
    amd: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["enabled", "mode"],
      properties: {
        enabled: { type: "boolean" },
        mode: { type: "string", enum: ["background", "blocking"] },
        params: {
          type: "object",
          description:
            "Detector parameters (Asterisk AMD's, in ms: initialSilence, greeting, afterGreetingSilence, totalAnalysisTime, …; errorRate 0–1 for the sim driver)",
          maxProperties: 32,
          additionalProperties: { type: "number", minimum: 0, maximum: 600_000 },
        },
        greeting: {
          type: "string",
          minLength: 1,
          maxLength: 200,
          description: "Audio id played while blocking",
        },
        voicemailMessage: {
          type: ["string", "null"],
          minLength: 1,
          maxLength: 1000,
          description:
            "On a machine: wait for its greeting to end (the beep), leave this message (an audio id or text the driver resolves), then hang up. The attempt's outcome stays machine, with details.result.voicemail; retry.machine decides what comes next (maxRetries 0: one message, no more calls)",
        },
        falsePositiveShare: {
          type: "number",
          minimum: 0,
          maximum: 1,
          description:
            "The share of machine verdicts that were in fact people (AMD false positives), a reasoned estimate such as a sample of machine-verdict recordings listened to. Each machine verdict of a call dialed with AMD on counts this much of a live answer abandoned, also after AMD is turned off, in the abandonment rate the pacer holds under targetAbandonRate (default 0.02)",
        },
      },
    },
    record: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["enabled", "trimLeftSec"],
      properties: {
        enabled: { type: "boolean" },
        trimLeftSec: { type: "number", minimum: 0, maximum: 3600 },
      },
    },
    bot: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["scriptId", "onTransfer", "transferTo"],
      description: "Bot script run on answer and what to do when it transfers the call",
      properties: {
        scriptId: { type: "string", minLength: 1, maxLength: 200 },
        onTransfer: { type: "string", enum: ["end", "ignore", "forward"] },
        transferTo: { type: ["string", "null"], maxLength: 200 },
      },
    },
    scenario: { type: ["string", "null"], maxLength: 10_000 },
    vendor: { type: "object", additionalProperties: true, description: "Vendor fields kept verbatim" },
  },
} as const;

export interface SettingsProblem {
  field: string;
  message: string;
  /** What is wrong, for a face that says it in its own terms: `zone` names a zone that is no IANA zone or
   *  an abbreviation; `never_open` windows that never open. None for the others. */
  kind?: "zone" | "never_open";
  /** The zone of a `zone` problem, as written. */
  zone?: string;
}

/** One call a day. */
export const MIN_CALLS_PER_SECOND = 1 / 86_400;

/** The first problem a schema cannot see in complete settings: unknown zones, a range starting at 24:00,
 *  an end before the start. `prefix` is the settings' own path, e.g. "body.settings". `now` is the app
 *  clock's (the campaign's start, for `outdial simulate`): a schedule under a time spec must open within
 *  400 days of it, which on the real clock judged a simulated campaign by the day it was simulated.
 *  `keptZones` are the zones the stored settings already run in (settingsZones of them, for an edit): an
 *  abbreviation among them, saved before abbreviations were refused, is let be (the engine still runs it),
 *  so the campaign stays editable; one an edit brings in is refused. */
export function findSettingsProblem(
  s: Partial<CampaignSettings>,
  prefix: string,
  now: number,
  keptZones: ReadonlySet<string> = new Set(),
): SettingsProblem | null {
  const zones: [string, string | undefined][] = [
    ["defaultZone", s.defaultZone ?? undefined],
    ["schedule.zone", s.schedule?.zone],
  ];
  for (const [path, zone] of zones) {
    // IANA names only: luxon would also take "local" or "UTC+3", which mean different things on
    // different servers or ignore daylight saving.
    const problem = zone === undefined ? null : newZoneProblem(zone, keptZones);
    if (problem) {
      const field = `${prefix}.${path}`;
      const got = `got ${JSON.stringify(zone)}${problem.hint ? `; ${problem.hint}` : ""}`;
      const message = `${field} must be an IANA time zone name such as Europe/Moscow (${got})`;
      return { field, message, kind: "zone", zone };
    }
  }
  if (s.timeSpec) {
    const field = `${prefix}.timeSpec`;
    const spec = parseTimeSpec(s.timeSpec, field);
    if (!spec.ok) return { field, message: `${spec.error.field}: ${spec.error.message}` };
    // Checked here, not by parseTimeSpec: a spec stored before abbreviations were refused still runs.
    const zone = spec.value.zone;
    const zoneProblem = zone === null ? null : newZoneProblem(zone, keptZones);
    if (zone !== null && zoneProblem?.hint)
      return { field, message: `${field}: ${zoneProblem.hint}`, kind: "zone", zone };
  }
  if (s.schedule) {
    const [first] = validateWeeklySchedule(s.schedule);
    if (first) {
      const field = `${prefix}.schedule.${first.field}`;
      return { field, message: `${field}: ${first.message}` };
    }
  }
  // Its windows checked above must also open at some time: a 31st of February, or a Monday schedule under
  // a Sunday time spec, was saved, and the campaign then ran for ever with nothing dialed.
  if (
    (s.schedule || s.timeSpec) &&
    !campaignEverOpens(
      { schedule: s.schedule ?? null, timeSpec: s.timeSpec ?? null, defaultZone: s.defaultZone ?? null },
      now,
    )
  ) {
    const field = `${prefix}.${s.timeSpec ? "timeSpec" : "schedule"}`;
    const message = `${field}: the campaign's schedule and time spec are never open at once`;
    return { field, message, kind: "never_open" };
  }
  // One call a day at the least: a slower rate put the next call's slot past any date JavaScript can write.
  if (typeof s.callsPerSecond === "number" && s.callsPerSecond < MIN_CALLS_PER_SECOND) {
    const field = `${prefix}.callsPerSecond`;
    return { field, message: `${field} must be at least ${MIN_CALLS_PER_SECOND} (one call a day), or null` };
  }
  if (s.calleeWindow) {
    const [first] = validateDailyWindow(s.calleeWindow);
    if (first) {
      const field = `${prefix}.calleeWindow.${first.field}`;
      return { field, message: `${field}: ${first.message}` };
    }
  }
  if (s.startAt != null && s.endAt != null && s.endAt <= s.startAt) {
    const field = `${prefix}.endAt`;
    return { field, message: `${field} must be later than ${prefix}.startAt` };
  }
  // The sim driver would fail every attempt of a campaign whose scenario it cannot read; say so at save.
  if (typeof s.scenario === "string") {
    try {
      resolveScenario(s.scenario);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      const field = `${prefix}.scenario`;
      return { field, message: `${field}: ${err.message.replace(/^scenario:\s*/, "")}` };
    }
  }
  return null;
}

/** The zones `s` runs in: its default zone, its schedule's and its time spec's own. */
export function settingsZones(s: Partial<CampaignSettings>): Set<string> {
  const spec = s.timeSpec ? parseTimeSpec(s.timeSpec) : null;
  const zones = [s.defaultZone, s.schedule?.zone, spec?.ok ? spec.value.zone : null];
  return new Set(zones.filter((z): z is string => typeof z === "string"));
}

/** zoneNameProblem's answer for `zone`, or null for an abbreviation the stored settings already run in. */
function newZoneProblem(zone: string, keptZones: ReadonlySet<string>): { hint: string | null } | null {
  const problem = zoneNameProblem(zone);
  // A hint means the tz database has the name (an abbreviation), so it runs; no hint, it names no zone.
  return problem?.hint && keptZones.has(zone) ? null : problem;
}
