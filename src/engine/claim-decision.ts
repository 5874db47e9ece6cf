// What to do with one queued contact at its dial slot: start an attempt now, wait for a window or a
// frequency cap, or finish it because nothing is left to dial.
import { DateTime } from "luxon";
import { numberZones, possibleZones } from "../lib/time-zone.ts";
import {
  type CampaignSettings,
  campaignZone,
  effectiveCalleeWindow,
  type FrequencyCaps,
} from "../model/campaign-settings.ts";
import { campaignConstraints } from "../model/campaign-windows.ts";
import { FINISH_PASSED_REASON, parsePolicy, settingsFor } from "../model/contact-policy.ts";
import {
  ABANDON_REDIAL_GAP_MS,
  ABANDONED_WAIT_REASON,
  countedAttempts,
  countedPhoneAttempts,
  phoneRetryAt,
  phoneUsable,
  withdrawnRetry,
} from "../model/redial-policy.ts";
import {
  dailyLocalWindow,
  dailyUtcWindow,
  nextAllowed,
  notBefore,
  type WindowConstraint,
  weeklySchedule,
} from "../model/windows.ts";
import {
  type Candidate,
  type ClaimDecision,
  NUMBER_BUSY_REASON,
  type RecentCalls,
} from "../store/dispatch/types.ts";

const DAY = 86_400_000;

export interface CampaignWindows {
  /** Campaign-wide constraints (weekly schedule). */
  campaign: WindowConstraint[];
  /** Callee-local window per zone, built once per zone. */
  calleeByZone: Map<string, WindowConstraint>;
  /** Contacts' own weekly ranges (their policies), built once per zone and policy. */
  policyRanges: Map<string, WindowConstraint>;
}

export function buildCampaignWindows(settings: CampaignSettings): CampaignWindows {
  return { campaign: campaignConstraints(settings), calleeByZone: new Map(), policyRanges: new Map() };
}

/**
 * The zones the callee window must hold in for a call to `phones[index]`, or null when nothing tells:
 * - the contact's own zone; but when it is the zone the import would have inferred from its first number and
 *   another number is dialed, the window must also hold in the zone that number decides (each number is
 *   called on its own clock: a New York contact's Los Angeles mobile is not called at 06:00 there);
 * - else the zone the dialed number decides; else the campaign's defaultZone when it is a zone of the
 *   number's country (or the number has none);
 * - else every zone the number's country has (calling hours are a legal limit: when the zone is unknown,
 *   nobody may be called outside them wherever they are);
 * - a number with no country at all (kept as written) has no zone to go by: null, never UTC (the claim
 *   moves on to the contact's next number, as from a listed one).
 */
function calleeZones(
  c: Candidate,
  phones: readonly string[],
  index: number,
  settings: CampaignSettings,
): readonly string[] | null {
  if (c.time_zone !== null) {
    if (index === 0 || c.time_zone !== decidedZone(phones[0])) return [c.time_zone];
    // Inferred from the first number: the person may be there, and the dialed number where its own zone
    // (or, as for a contact with no zone, the campaign's default, else every zone of its country) says.
    // A number with no country of its own (kept as written) is the person's: held in the contact's zone.
    // Passing it over would send a parallel contact straight back to the number it just rang, retry
    // interval or not.
    const own = ownZones(phones[index], settings) ?? [];
    return [c.time_zone, ...own.filter((z) => z !== c.time_zone)];
  }
  return ownZones(phones[index], settings);
}

/** The zones a number's calling hours are held in when nothing else is known of the person (numberZones,
 *  with the campaign's default zone). */
function ownZones(phone: string, settings: CampaignSettings): readonly string[] | null {
  return numberZones(phone, settings.defaultZone);
}

/**
 * The zones whose calendar days a per-day cap counts: the contact's own, else every zone the dialed
 * number's calling hours are held in (ownZones: its one zone, a defaultZone that fits it, else each zone of
 * its country), else the campaign's default, else UTC (a number with no country). Counting one zone for a
 * number held in several let UTC midnight fall in the callee's afternoon: two calls in one local day.
 * `held` is that list when the callee window already worked it out (windowZones), so it is not redone.
 */
function dayCapZones(
  c: Candidate,
  phone: string,
  settings: CampaignSettings,
  held: readonly string[] | null,
): readonly string[] {
  if (c.time_zone !== null) return [c.time_zone];
  const own = held?.length ? held : ownZones(phone, settings);
  return own ?? [campaignZone(settings)];
}

/** calleeZones when the campaign keeps a callee window; none to hold in when it does not. */
function windowZones(
  c: Candidate,
  phones: readonly string[],
  index: number,
  settings: CampaignSettings,
): readonly string[] | null {
  return effectiveCalleeWindow(settings) ? calleeZones(c, phones, index, settings) : [];
}

/** The one zone a number decides (null when its area spans several, or it has no country). */
function decidedZone(phone: string): string | null {
  const zones = possibleZones(phone);
  return zones.length === 1 ? zones[0] : null;
}

/** The windows a call must be in, given the zones its callee window holds in (windowZones), or null when
 *  that window cannot be judged. */
function contactConstraints(
  c: Candidate,
  zones: readonly string[] | null,
  settings: CampaignSettings,
  w: CampaignWindows,
): WindowConstraint[] | null {
  const list = w.campaign.slice();
  const calleeWindow = effectiveCalleeWindow(settings);
  if (calleeWindow) {
    if (zones === null) return null;
    for (const zone of zones) {
      let cw = w.calleeByZone.get(zone);
      if (!cw) {
        cw = dailyLocalWindow(calleeWindow, zone);
        w.calleeByZone.set(zone, cw);
      }
      list.push(cw);
    }
  }
  if (c.daily_from_sec !== null && c.daily_to_sec !== null)
    list.push(dailyUtcWindow(c.daily_from_sec, c.daily_to_sec));
  if (c.start_at !== null) list.push(notBefore(c.start_at));
  const policy = parsePolicy(c.policy);
  if (policy?.ranges?.length) {
    const zone = c.time_zone ?? campaignZone(settings);
    const key = `${zone}|${c.policy}`;
    let pw = w.policyRanges.get(key);
    if (!pw) {
      pw = weeklySchedule({ zone, ranges: policy.ranges }, "contact_window");
      if (w.policyRanges.size > 10_000) w.policyRanges.clear();
      w.policyRanges.set(key, pw);
    }
    list.push(pw);
  }
  return list;
}

/** How far back the store must look for caps and the minimum gap, or null when none is configured. A gap
 *  of 0 still needs the calls: it is no gap after a call's end, but never a call while one is live. */
export function recentWindowMs(settings: CampaignSettings): number | null {
  const gap = settings.minGapSec === null ? null : settings.minGapSec * 1000;
  const caps = [settings.phoneCaps, settings.contactCaps].filter((c) => c !== null);
  if (caps.length === 0 && gap === null) return null;
  // As far back as the longest rolling cap looks (a calendar day lies within the last 24 h and a bit).
  let span = 0;
  for (const c of caps) {
    for (const [key, ms] of ROLLING) if (c[key] !== undefined) span = Math.max(span, ms);
    // A calendar day in the callee's zone lies within the last 25 h (the day clocks go back is 25 h long).
    if (c.perDay !== undefined) span = Math.max(span, LONGEST_LOCAL_DAY);
  }
  return Math.max(span, gap ?? 0);
}

/** Why the claim cancelled a contact withdrawn while it was on a call (engine withdrawContact). */
export const WITHDRAWN_REASON = "withdrawn after its call";

/** With a minimum gap of 0, a number on a live call is looked at again this much later. */
const LIVE_CALL_RECHECK_MS = 10_000;

/** Why a contact ended exhausted at claim: its own finish time passed, or comes before it may be called. */
const finishPassed = (): ClaimDecision => ({
  kind: "final",
  status: "exhausted",
  reason: FINISH_PASSED_REASON,
});

/**
 * The claim's answer for a contact that may not be called before `until` (a window, a retry, a cap, the
 * minimum gap, the 72 h after an abandon). A number with its own finish time (policy.finishAt, a JAICP
 * job's finishDateTime) at or before then can never be called: it ends now, exhausted, instead of waiting
 * pending, and its campaign running, until a 30-day cap frees it.
 */
function waitFor(until: number, reason: string, finishAt: number | undefined): ClaimDecision {
  return finishAt !== undefined && until >= finishAt ? finishPassed() : { kind: "defer", until, reason };
}

/** The claim's answer for a number on a live call that nothing else holds: looked at again a while later,
 *  as the call may end any moment (no earliest time to judge a finish time by), but not after the contact's
 *  finish time, where the claim ends it. */
function lookAgain(at: number, reason: string, finishAt: number | undefined): ClaimDecision {
  const until = Math.min(at + LIVE_CALL_RECHECK_MS, finishAt ?? Number.POSITIVE_INFINITY);
  return { kind: "defer", until, reason };
}

// 25 h where clocks go back an hour; 26 h at Antarctica/Troll (+02 to +00); a margin over both.
const LONGEST_LOCAL_DAY = DAY + 3 * 3600_000;
/** Why a contact settled whose numbers have no zone to go by (at dial time, such a number's window is closed). */
export const UNKNOWN_ZONE_REASON = "unknown_zone";
/** Why a contact settled whose windows are never all open at once on any of its numbers' clocks. */
export const NEVER_OPEN_REASON = "no_window";

/** The rolling caps and the span each counts calls over. */
const ROLLING: readonly (readonly ["per24h" | "per7d" | "per30d", number])[] = [
  ["per24h", DAY],
  ["per7d", 7 * DAY],
  ["per30d", 30 * DAY],
];

/** Start of the calendar day containing `t` in `zone` (ms epoch), and the start of the next one. */
function localDayBounds(t: number, zone: string): readonly [number, number] {
  // A number of unknown zone has its day asked in every zone of its country, for every claim of the day:
  // the day a zone is in is kept, and worked out again only once `t` leaves it.
  const kept = dayByZone.get(zone);
  if (kept && t >= kept[0] && t < kept[1]) return kept;
  const day = DateTime.fromMillis(t, { zone }).startOf("day");
  const bounds = [day.toMillis(), day.plus({ days: 1 }).toMillis()] as const;
  dayByZone.set(zone, bounds);
  return bounds;
}

/** The local day last asked of each zone (localDayBounds): one entry a zone, as few as the zones used. */
const dayByZone = new Map<string, readonly [number, number]>();

function capDeferral(
  times: number[] | undefined,
  at: number,
  caps: FrequencyCaps | null,
  dayZones: readonly string[],
): number | null {
  if (!caps || !times || times.length === 0) return null;
  let until: number | null = null;
  for (const [key, span] of ROLLING) {
    const cap = caps[key];
    if (cap === undefined) continue;
    const inWindow = times.filter((t) => t > at - span).sort((a, b) => a - b);
    if (inWindow.length >= cap) {
      // The window frees a slot when the oldest call that keeps it full leaves it.
      until = Math.max(until ?? 0, inWindow[inWindow.length - cap] + span);
    }
  }
  // Fewer calls than the cap in all the store looked back at: no day of any zone can be full.
  if (caps.perDay !== undefined && times.length >= caps.perDay) {
    // The callee may be in any of the zones: each one's day must have room, and the call waits for the
    // last of the full days to end.
    for (const zone of dayZones) {
      const [dayStart, nextDay] = localDayBounds(at, zone);
      // Every call of the day counts, those claimed for a later slot of the day too.
      if (countWithin(times, dayStart, nextDay) >= caps.perDay) until = Math.max(until ?? 0, nextDay);
    }
  }
  return until;
}

function countWithin(times: readonly number[], from: number, to: number): number {
  let n = 0;
  for (const t of times) if (t >= from && t < to) n++;
  return n;
}

/** Why a contact settled at claim without a call: every phone it had left is on the do-not-call list. */
export const DNC_REASON = "dnc";

/**
 * The phone to dial instead of one it may not (listed, or with no clock to go by): the next the
 * multi-number strategy would move to (sequential: the following ones; parallel: round from the current
 * one) that still has attempts and may be dialed. null when none is left.
 */
function usablePhoneIndex(
  phones: string[],
  unusable: (j: number) => boolean,
  c: Candidate,
  settings: CampaignSettings,
): number | null {
  if (!unusable(c.phone_index)) return c.phone_index;
  const phoneAttempts = JSON.parse(c.phone_attempts) as number[];
  const retryCounts = JSON.parse(c.retry_counts) as Record<string, number>;
  const perPhone = settings.maxAttemptsPerPhone ?? Number.POSITIVE_INFINITY;
  const steps = settings.multiNumber === "sequential" ? phones.length - c.phone_index : phones.length;
  for (let step = 1; step < steps; step++) {
    const j = (c.phone_index + step) % phones.length;
    if (unusable(j) || !phoneUsable(phoneAttempts, retryCounts, j, perPhone)) continue;
    return j;
  }
  return null;
}

/** Whether the contact's windows (the campaign's, the callee's hours, its own) are open at `at`: asked
 *  again when an agent dials a contact it previewed a while before. */
export function windowsOpen(
  settings: CampaignSettings,
  windows: CampaignWindows,
  c: Candidate,
  phone: string,
  at: number,
): boolean {
  const phones = JSON.parse(c.phones) as string[];
  const own = settingsFor(settings, parsePolicy(c.policy));
  const zones = windowZones(c, phones, Math.max(0, phones.indexOf(phone)), own);
  const constraints = contactConstraints(c, zones, own, windows);
  const allowed = constraints === null ? null : nextAllowed(at, constraints);
  return allowed !== null && allowed.at <= at;
}

export interface DecideContext {
  settings: CampaignSettings;
  windows: CampaignWindows;
  /** The claim is an agent's own (a preview, a personal callback): the agent is there before the dial. */
  agentReserved: boolean;
  nextCallerId(phone: string): string | null;
  /** The campaign's numbers with a dial claimed and not ended, this claim's starts among them. With no
   *  minimum gap set, a second contact with a number on the line waits: the same person rung twice at once
   *  (a number added twice, by a client's retry) is never what anyone wants. */
  numbersInFlight?: { has(phone: string): boolean; add(phone: string): void };
}

/** Which of the contact's numbers have used their attempts (null when none has). A callback an agent
 *  set gives one attempt beyond the limits, on its number as on the contact (countedPhoneAttempts,
 *  countedAttempts). */
function spentNumbers(c: Candidate, perPhone: number): ((j: number) => boolean) | null {
  const counts = JSON.parse(c.retry_counts) as Record<string, number>;
  const used = JSON.parse(c.phone_attempts) as number[];
  const spent = (j: number) => countedPhoneAttempts(used, counts, j) >= perPhone;
  return used.some((_, j) => spent(j)) ? spent : null;
}

export function decideClaim(
  ctx: DecideContext,
  candidate: Candidate,
  at: number,
  recent: RecentCalls | null,
): ClaimDecision {
  // Withdrawn while it was on a call (a deleted Xcally list's copy): the retry that call left is not made.
  if (candidate.withdrawn_at != null) return { kind: "final", status: "cancelled", reason: WITHDRAWN_REASON };
  const policy = parsePolicy(candidate.policy);
  const settings = settingsFor(ctx.settings, policy);
  const finishAt = policy?.finishAt;
  if (finishAt !== undefined && at >= finishAt) return finishPassed();
  const phones = JSON.parse(candidate.phones) as string[];
  // A retry granted under rules tightened since (redials switched off, a count lowered) is not made.
  const withdrawn =
    candidate.attempts > 0 && candidate.last_outcome
      ? withdrawnRetry(settings, {
          phoneIndex: candidate.phone_index,
          phoneCount: phones.length,
          retryCounts: candidate.retry_counts,
          phoneAttempts: candidate.phone_attempts,
          lastOutcome: candidate.last_outcome,
        })
      : null;
  if (withdrawn?.final) return { kind: "final", status: withdrawn.status, reason: withdrawn.reason };
  const c = withdrawn ? { ...candidate, phone_index: withdrawn.phoneIndex } : candidate;
  if (c.phone_index >= phones.length) return { kind: "final", status: "exhausted", reason: "no_phone_left" };
  // Parsing the counters only at the limit keeps the hot path cheap; withdrawn attempts don't count.
  if (
    c.attempts >= settings.maxAttemptsPerContact &&
    countedAttempts(c.attempts, JSON.parse(c.retry_counts)) >= settings.maxAttemptsPerContact
  ) {
    return { kind: "final", status: "exhausted", reason: "max_attempts_per_contact" };
  }
  const listed = c.dnc;
  // A number at its attempt limit: normally moved past after its last attempt, but the limit may have been
  // lowered since (a PATCH) while the contact waited. Only a contact with that many attempts can have one.
  const perPhone = settings.maxAttemptsPerPhone;
  const spent = typeof perPhone === "number" && c.attempts >= perPhone ? spentNumbers(c, perPhone) : null;
  // A number passed over whatever its windows: on a do-not-call list, or at its attempt limit.
  const passedOver = (j: number) => (listed?.has(phones[j]) ?? false) || (spent?.(j) ?? false);
  let phoneIndex = listed || spent ? usablePhoneIndex(phones, passedOver, c, settings) : c.phone_index;
  if (phoneIndex === null) {
    return listed?.has(phones[c.phone_index])
      ? { kind: "final", status: "suppressed", reason: DNC_REASON }
      : { kind: "final", status: "exhausted", reason: "max_attempts_per_phone" };
  }
  // A number with no clock to go by under a callee window is passed over like a listed one; a contact with
  // none other to call settles (the campaign can complete; a defaultZone and a list reset bring it back).
  let zones = windowZones(c, phones, phoneIndex, settings);
  if (zones === null) {
    const noClock = (j: number) => passedOver(j) || windowZones(c, phones, j, settings) === null;
    phoneIndex = usablePhoneIndex(phones, noClock, c, settings);
    if (phoneIndex === null) return { kind: "final", status: "failed", reason: UNKNOWN_ZONE_REASON };
    zones = windowZones(c, phones, phoneIndex, settings);
  }

  // 72 h after an abandoned call, only a dial with its agent already there may reach the person. The
  // outcome's rule (outcomes.ts abandonRule) usually has the contact wait already; this catches every other
  // way back into the queue (a preview campaign switched while the contact was reserved, say).
  if (c.abandoned_at !== null && !ctx.agentReserved && settings.dialMethod !== "preview") {
    const until = Number(c.abandoned_at) + ABANDON_REDIAL_GAP_MS;
    if (at < until) return waitFor(until, ABANDONED_WAIT_REASON, finishAt);
  }

  // The number chosen above has a clock to go by; a bug that broke that must not call anyone.
  const constraintsOf = (j: number, z: readonly string[] | null) => {
    const found = contactConstraints(c, z, settings, ctx.windows);
    if (found === null) throw new Error(`contact ${c.id}: phone ${j} chosen with no zone`);
    return found;
  };
  let constraints = constraintsOf(phoneIndex, zones);
  let allowed = nextAllowed(at, constraints);
  if (allowed === null) {
    // Its windows are never all open at once for this number (a mobile of unknown zone in a country eleven
    // hours wide under a nine-hour callee window; its own weekly ranges on days the campaign does not call):
    // another number may do; a contact with none settles, like one with no clock, so the campaign completes.
    const neverOpen = (j: number) => {
      if (passedOver(j)) return true;
      const found = contactConstraints(c, windowZones(c, phones, j, settings), settings, ctx.windows);
      return found === null || nextAllowed(at, found) === null;
    };
    phoneIndex = usablePhoneIndex(phones, neverOpen, c, settings);
    if (phoneIndex === null) return { kind: "final", status: "failed", reason: NEVER_OPEN_REASON };
    zones = windowZones(c, phones, phoneIndex, settings);
    constraints = constraintsOf(phoneIndex, zones);
    allowed = nextAllowed(at, constraints);
    if (allowed === null) throw new Error(`contact ${c.id}: phone ${phoneIndex} chosen with no window`);
  }
  // Another number than the one the redial decision chose (it was passed over): it may have been rung just
  // now, in this pass (parallel dialing goes round from the one passed over), and waits its interval.
  const roundBack =
    phoneIndex !== c.phone_index ? phoneRetryAt(JSON.parse(c.retry_counts), phoneIndex) : null;
  if (roundBack !== null && at < roundBack) return waitFor(roundBack, "retry", finishAt);
  const phone = phones[phoneIndex];
  if (allowed.at > at) return waitFor(allowed.at, allowed.reason ?? "window", finishAt);

  if (settings.minGapSec === null && ctx.numbersInFlight?.has(phone)) {
    return lookAgain(at, NUMBER_BUSY_REASON, finishAt);
  }
  if (recent) {
    const dayZones = dayCapZones(c, phone, settings, zones);
    const phoneTimes = recent.byPhone.get(phone);
    const busyUntil = recent.phoneBusyUntil.get(phone);
    if (settings.minGapSec !== null && busyUntil !== undefined) {
      // The gap runs from the end of the last call. One still live ends no sooner than now: the number
      // waits the gap from now at least, to look again then (a gap of 0: a while).
      const gapMs = settings.minGapSec * 1000;
      if (busyUntil === Number.POSITIVE_INFINITY) {
        return gapMs > 0 ? waitFor(at + gapMs, "min_gap", finishAt) : lookAgain(at, "min_gap", finishAt);
      }
      if (at < busyUntil + gapMs) return waitFor(busyUntil + gapMs, "min_gap", finishAt);
    }
    const phoneUntil = capDeferral(phoneTimes, at, settings.phoneCaps, dayZones);
    if (phoneUntil !== null) return waitFor(phoneUntil, "phone_cap", finishAt);
    const contactUntil = capDeferral(recent.byContact.get(c.id), at, settings.contactCaps, dayZones);
    if (contactUntil !== null) return waitFor(contactUntil, "contact_cap", finishAt);
    // Later candidates of this same claim see this call too.
    recent.byPhone.set(phone, [...(phoneTimes ?? []), at]);
    recent.phoneBusyUntil.set(phone, Number.POSITIVE_INFINITY);
    recent.byContact.set(c.id, [...(recent.byContact.get(c.id) ?? []), at]);
  }

  ctx.numbersInFlight?.add(phone);
  const phoneAttempts = JSON.parse(c.phone_attempts) as number[];
  while (phoneAttempts.length < phones.length) phoneAttempts.push(0);
  phoneAttempts[phoneIndex] += 1;
  return {
    kind: "start",
    at,
    phoneIndex,
    phone,
    callerId: ctx.nextCallerId(phone),
    phoneAttempts: JSON.stringify(phoneAttempts),
  };
}
