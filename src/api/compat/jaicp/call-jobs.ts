// JAICP call jobs → contacts: the number (JAICP sends digits without '+', or a number), its zone in any
// gmtZone form, the payload for the script, and the CallJobParameters of its own call policy. Pure; the
// routes write what this returns. A number with a policy is dialed before numbers without one.

import { INEXACT_INTEGER_ADVICE, inexactInteger } from "../../../lib/json-numbers.ts";
import { nationalDigitsProblem, phoneAsWritten } from "../../../lib/phone.ts";
import { inferZone, parseZone, ZoneError } from "../../../lib/time-zone.ts";
import { DEFAULT_LIMITS } from "../../../lists/types.ts";
import type { WeeklyRange } from "../../../model/campaign-settings.ts";
import type { ContactPolicy } from "../../../model/contact-policy.ts";
import type { NewContactSpec } from "../../../store/contacts-insert.ts";
import { invalidRequest } from "../../plugins/errors.ts";
import { dialablePhone } from "../dialable-phone.ts";

/** A payload's fields become the contact's custom fields: no more than any other way of adding one takes. */
export const MAX_PAYLOAD_FIELDS = DEFAULT_LIMITS.maxCustomFields;

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Weekday = (typeof WEEKDAYS)[number];

export interface TimeInterval {
  localTimeFrom: string;
  localTimeTo: string;
}

/** One element of POST /addPhones. */
export interface CallJob {
  phone: string | number;
  gmtZone?: string | null;
  payload?: Record<string, unknown>;
  startDateTime?: string;
  finishDateTime?: string;
  allowedDays?: Weekday[];
  allowedTime?: Partial<Record<Weekday | "default", TimeInterval[]>>;
  retryIntervalInMinutes?: number;
  maxAttempts?: number;
  dialerPriority?: number;
}

const POLICY_FIELDS = [
  "startDateTime",
  "finishDateTime",
  "allowedDays",
  "allowedTime",
  "retryIntervalInMinutes",
  "maxAttempts",
  "dialerPriority",
] as const;

/** Contacts without a policy have priority 0; with one, below 0, lower still for a higher dialerPriority. */
export function priorityFor(job: CallJob): number {
  const hasPolicy = POLICY_FIELDS.some((f) => job[f] !== undefined);
  return hasPolicy ? -1 - (job.dialerPriority ?? 0) : 0;
}

/** "HH:mm" or "HH:mm:ss" (Jackson writes a java.time.LocalTime with its seconds) → seconds of the day. */
function secondsOf(time: string): number {
  const [h, min, s = 0] = time.split(":").map(Number);
  return (h * 60 + min) * 60 + s;
}

/** A time as ranges keep it: "HH:mm", its seconds only when not zero ("10:00:00" → "10:00"). */
function clockTime(time: string): string {
  return time.endsWith(":00") && time.length === 8 ? time.slice(0, 5) : time;
}

function weeklyRanges(job: CallJob, field: string): WeeklyRange[] | undefined {
  if (job.allowedDays === undefined && job.allowedTime === undefined) return undefined;
  const days = job.allowedDays ?? WEEKDAYS;
  const ranges: WeeklyRange[] = [];
  for (const day of new Set(days)) {
    // An error names the intervals where the client wrote them: a day's own, or the default it fell back to.
    const key = job.allowedTime?.[day] !== undefined ? day : "default";
    const intervals = job.allowedTime?.[key] ?? [{ localTimeFrom: "00:00", localTimeTo: "24:00" }];
    intervals.forEach((t, i) => {
      // Compared as seconds of the day: as text, "10:00" would come before the same time "10:00:00".
      const [from, to] = [secondsOf(t.localTimeFrom), secondsOf(t.localTimeTo)];
      // An interval ending at midnight ends the day.
      if (from >= to && to !== 0) {
        const at = `${field}.allowedTime.${key}[${i}]`;
        throw invalidRequest(
          `${at}: localTimeFrom ${t.localTimeFrom} is not before localTimeTo ${t.localTimeTo}`,
          at,
        );
      }
      ranges.push({
        days: [WEEKDAYS.indexOf(day) + 1],
        from: clockTime(t.localTimeFrom),
        to: to === 0 ? "24:00" : clockTime(t.localTimeTo),
      });
    });
  }
  return ranges;
}

function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidRequest(`${field}: not a date-time: ${JSON.stringify(value)}`, field);
  return t;
}

/** The contact for a call job; `field` prefixes the names in errors ("[3]" for the fourth of a list). */
export function contactForJob(job: CallJob, field: string): NewContactSpec {
  const raw = phoneAsWritten(String(job.phone));
  // A number with an extension or a second number after ';' is refused, not called without it (dialablePhone).
  // Digits that are also a US or Russian number as written at home are refused rather than dialed abroad:
  // read as international, a Moscow "84951234567" (its trunk 8) went to Vietnam.
  const nationalProblem = nationalDigitsProblem(raw);
  const phone =
    nationalProblem !== undefined
      ? { ok: false as const, reason: nationalProblem }
      : dialablePhone(/^\d+$/.test(raw) ? `+${raw}` : raw);
  if (!phone.ok)
    throw invalidRequest(`${field}phone: ${phone.reason}: ${JSON.stringify(raw)}`, `${field}phone`);
  let timeZone: string | null;
  try {
    // null or blank (an empty form field) is no zone given: the number's own, if it decides one.
    timeZone =
      job.gmtZone != null && job.gmtZone.trim() !== "" ? parseZone(job.gmtZone) : inferZone(phone.e164);
  } catch (err) {
    if (err instanceof ZoneError) throw invalidRequest(`${field}gmtZone: ${err.message}`, `${field}gmtZone`);
    throw err;
  }
  const inexact = inexactInteger(job.payload, `${field}payload`);
  if (inexact !== undefined) {
    throw invalidRequest(`${inexact}: ${INEXACT_INTEGER_ADVICE}`, inexact);
  }
  const startAt = instant(job.startDateTime, `${field}startDateTime`);
  const finishAt = instant(job.finishDateTime, `${field}finishDateTime`);
  if (startAt !== undefined && finishAt !== undefined && finishAt <= startAt) {
    throw invalidRequest(`${field}finishDateTime must be after startDateTime`, `${field}finishDateTime`);
  }
  const policy: ContactPolicy = {};
  if (finishAt !== undefined) policy.finishAt = finishAt;
  if (job.maxAttempts !== undefined) policy.maxAttempts = job.maxAttempts;
  if (job.retryIntervalInMinutes !== undefined) policy.retryIntervalSec = job.retryIntervalInMinutes * 60;
  const ranges = weeklyRanges(job, field.replace(/\.$/, ""));
  if (ranges) policy.ranges = ranges;
  return {
    phones: [phone.e164],
    custom: job.payload ?? {},
    timeZone,
    startAt: startAt ?? null,
    priority: priorityFor(job),
    policy: Object.keys(policy).length ? JSON.stringify(policy) : null,
  };
}

/** Ranges that open every day all day: the same hours on any clock. */
function wholeWeek(ranges: readonly WeeklyRange[]): boolean {
  const allDay = new Set(ranges.filter((r) => r.from === "00:00" && r.to === "24:00").flatMap((r) => r.days));
  return WEEKDAYS.every((_, i) => allDay.has(i + 1));
}

/**
 * contactForJob for a job of a campaign whose defaultZone is `defaultZone`, refusing (a 400 naming its
 * gmtZone) a job with hours of its own whose subscriber's clock nothing tells: no gmtZone, a number that
 * does not decide its zone (a Russian mobile, JAICP's own example) and no defaultZone. The engine would read
 * those hours in UTC (claim-decision.ts): 09:00–18:00 would ring Vladivostok 19:00–04:00. Holding them in
 * every zone of the number's country instead leaves no hour at all for Russia, a job never called.
 */
export function contactOfCampaign(job: CallJob, field: string, defaultZone: string | null): NewContactSpec {
  const spec = contactForJob(job, field);
  // Already checked by contactForJob: no refusal of its own here.
  const ranges = weeklyRanges(job, field.replace(/\.$/, ""));
  if (spec.timeZone === null && defaultZone === null && ranges !== undefined && !wholeWeek(ranges)) {
    const own = (["allowedDays", "allowedTime"] as const).filter((f) => job[f] !== undefined);
    throw invalidRequest(
      `${field}gmtZone: ${own.join(" and ")} ${own.length > 1 ? "are" : "is"} read on the subscriber's clock: ` +
        "give gmtZone, or set the campaign's defaultZone; this number does not tell its zone",
      `${field}gmtZone`,
    );
  }
  return spec;
}
