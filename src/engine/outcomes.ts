// Turning what the driver reported (or a lease that expired with its process) into the attempt's outcome
// and the contact's next state, through the redial policy.

import type { TimerHandle } from "../clock/clock.ts";
import { type CampaignSettings, orderClassOf, usesAgents } from "../model/campaign-settings.ts";
import {
  type ContactPolicy,
  FINISH_PASSED_REASON,
  parsePolicy,
  settingsFor,
} from "../model/contact-policy.ts";
import type { CampaignStatus, Outcome } from "../model/outcome.ts";
import {
  ABANDON_REDIAL_GAP_MS,
  ABANDONED_WAIT_REASON,
  type DialState,
  decideAfterAttempt,
  isSuccess,
} from "../model/redial-policy.ts";
import type { Candidate, ExpiredLease, FinishedAttempt, StartedAttempt } from "../store/dispatch/types.ts";
import type { CallEnded, OriginateRequest } from "../telephony/driver.ts";
import type { LiveAgent } from "./agents/board.ts";
import type { AgentCallState } from "./agents/dialing.ts";
import type { CampaignRuntime } from "./campaign-runtime.ts";
import { correctionEvents, finishEvents } from "./events.ts";

export interface LiveCall extends AgentCallState {
  callId: string;
  attemptId: number;
  campaign: CampaignRuntime;
  contactId: number;
  seq: number;
  phoneIndex: number;
  phone: string;
  callerId: string | null;
  /** When the call was dialed (or, until then, is due to be). */
  startedAt: number;
  /** The start the claim wrote to the attempt; an agent's dial goes out later. */
  claimedStartAt: number;
  /** The heartbeat run its claim was made in (HeartbeatHold): a lapse since means it may be another's. */
  heartbeatRun: number;
  answeredAt: number | null;
  answeredBy: "human" | "machine" | null;
  /** When the telephony reported the far end ringing (null until then, or when it never says). */
  ringingAt: number | null;
  /** When the far end picked up (drivers with pickupEvents; AMD's verdict, `answeredAt`, comes later). */
  pickedUpAt: number | null;
  /** When the predictive pacer hung it up unanswered (see CampaignSettings.releaseAfterRingSec). */
  releasedAt: number | null;
  /** A stop hung it up before it was answered: it goes back as cancelled, and no release may touch it. */
  withdrawn: boolean;
  originated: boolean;
  /** Dialed with AMD on: a machine verdict is AMD's, and may have been a person hung up on. */
  amdOn: boolean;
  /** Dialed for agents (the campaign's method then used them): its answer and end go to the agents' side,
   *  which counts it among the campaign's lines, whatever the method is by then (an edit mid-call). */
  forAgents: boolean;
  queuedTimer: TimerHandle | null;
  /** A previewing agent chose to dial it: its attempt counts from then on unless it is given back before
   *  it goes out (a skip while it waits for its calls-per-second slot, a pause, a stop). */
  dialRequested: boolean;
  /** A dial waiting for its calls-per-second slot (a preview's, or one claimed ahead of it): its attempt is
   *  still reserved and is marked dialed when the slot comes, so a process that dies while it waits gives the
   *  contact back, not an attempt. */
  markOnDial: boolean;
  /** The contact as claimed (its state before this attempt). */
  contact: Candidate;
  /** Attempts per phone including this one, as written at the claim. */
  phoneAttempts: string;
}

/** The live call of an attempt just claimed; `reservedFor`: the agent a preview reserved it for. */
export function newLiveCall(
  c: CampaignRuntime,
  s: StartedAttempt,
  reservedFor: LiveAgent | null,
  heartbeatRun: number,
): LiveCall {
  return {
    callId: String(s.attemptId),
    attemptId: s.attemptId,
    campaign: c,
    contactId: s.contact.id,
    seq: s.seq,
    phoneIndex: s.decision.phoneIndex,
    phone: s.decision.phone,
    callerId: s.decision.callerId,
    startedAt: s.decision.at,
    claimedStartAt: s.decision.at,
    heartbeatRun,
    answeredAt: null,
    answeredBy: null,
    ringingAt: null,
    pickedUpAt: null,
    releasedAt: null,
    withdrawn: false,
    originated: false,
    amdOn: false,
    forAgents: usesAgents(c.settings) || reservedFor !== null,
    queuedTimer: null,
    dialRequested: false,
    markOnDial: false,
    contact: s.contact,
    phoneAttempts: s.decision.phoneAttempts,
    agent: reservedFor,
    connectedAt: null,
    waitingSince: null,
    waitTimer: null,
    abandoned: false,
    abandonRecorded: false,
  };
}

/** The message a machine that answers the call is left before the hangup (voicemail drop), or null. */
export function voicemailOf(call: LiveCall): string | null {
  return call.campaign.settings.amd?.voicemailMessage ?? null;
}

/** What the driver is asked to dial for a live call: its number, caller id and the campaign's options. */
export function originateRequest(call: LiveCall): OriginateRequest {
  const s = call.campaign.settings;
  return {
    callId: call.callId,
    to: call.phone,
    callerId: call.callerId,
    ringTimeoutSec: s.ringTimeoutSec,
    amd: s.amd,
    record: s.record,
    bot: s.bot,
    robot: call.campaign.robot,
    scenario: s.scenario,
    data: JSON.parse(call.contact.custom),
  };
}

/** Writes campaign status changes; the engine provides it so the dispatcher stays free of Kysely. */
export interface CampaignStatusWriter {
  setStatus(c: CampaignRuntime, status: CampaignStatus, now: number, reason?: string): Promise<void>;
  completeIfDrained(c: CampaignRuntime, now: number): Promise<void>;
  hasBalance(accountId: number, owedMicros?: number): Promise<boolean>;
  /** Whether the account pays for its calls, so that hasBalance asks the store: a dial claimed earlier
   *  asks again when its slot comes. Costs nothing to know. */
  metered(accountId: number): boolean;
  /** What an ended call costs (0 when the account is not metered). */
  chargeFor(c: CampaignRuntime, phone: string, answered: boolean, talkSec: number): number;
  /** Charges the store has committed, so the next balance check sees them. */
  noteCharged(accountId: number, micros: number): void;
}

export function outcomeOf(ev: CallEnded): Outcome {
  switch (ev.cause) {
    case "normal":
      return ev.answeredBy === "machine" ? "machine" : "human";
    case "cancelled":
      return "cancelled";
    default:
      return ev.cause;
  }
}

function dialState(contact: Candidate, seq: number, phoneIndex: number, phoneAttempts: string): DialState {
  const phones = JSON.parse(contact.phones) as unknown[];
  return {
    phoneCount: phones.length,
    attempts: seq,
    phoneIndex,
    phoneAttempts: JSON.parse(phoneAttempts),
    retryCounts: JSON.parse(contact.retry_counts),
  };
}

function nextContactState(
  settings: CampaignSettings,
  state: DialState,
  outcome: Outcome,
  talkSec: number,
  now: number,
): FinishedAttempt["contact"] {
  const d = decideAfterAttempt(settings, state, outcome, talkSec, now);
  const phoneAttempts = JSON.stringify(d.state.phoneAttempts);
  const retryCounts = JSON.stringify(d.state.retryCounts);
  if (d.final) return { status: d.status, phoneAttempts, retryCounts, waitReason: d.reason };
  return {
    status: "pending",
    nextAt: d.nextAt,
    phoneIndex: d.phoneIndex,
    phoneAttempts,
    retryCounts,
    // Every contact here has been attempted, so it sorts as a repeated attempt.
    orderClass: orderClassOf(settings, true),
    waitReason: d.reason,
  };
}

/** The attempt's outcome and the contact's next state, with what the call cost (micro-USD, taken from a
 *  metered balance) and its webhook events (built by the store only if the account has a subscription),
 *  all written together. */
export function finishedFromEnd(
  call: LiveCall,
  ev: CallEnded,
  now: number,
  owner: string,
  chargeMicros = 0,
): FinishedAttempt {
  const policy = parsePolicy(call.contact.policy);
  const settings = settingsFor(call.campaign.settings, policy);
  const outcome: Outcome = call.abandoned ? "abandoned" : outcomeOf(ev);
  const talkSec = ev.talkSec;
  const state = dialState(call.contact, call.seq, call.phoneIndex, call.phoneAttempts);
  const details: Record<string, unknown> = {};
  if (ev.code !== undefined) details.code = ev.code;
  if (ev.answeredBy) details.answeredBy = ev.answeredBy;
  if (ev.recording) details.recording = ev.recording;
  if (ev.result) details.result = ev.result;
  details.ringSec = ev.ringSec;
  if (call.releasedAt !== null) details.releasedByPacer = true;
  // Someone picked up as the call was given up and heard it end. Agent campaigns count it as abandoned; a
  // robot campaign keeps its outcome (nobody heard the message), but the record says so.
  if (ev.answeredAfterCancel) details.answeredAfterCancel = true;
  // The abandonment rate counts AMD's machine verdicts (store/abandonment.ts), whatever AMD is set to later.
  if (call.amdOn && outcome === "machine") details.amd = true;
  // A simulator knows whom AMD misjudged: the simulate report counts the people it hung up on.
  if (ev.answeredByTruth !== undefined && ev.answeredByTruth !== ev.answeredBy) {
    details.answeredByTruth = ev.answeredByTruth;
  }
  if (call.agent && call.connectedAt !== null) {
    details.agentId = call.agent.id;
    details.waitMs = call.connectedAt - (call.answeredAt ?? call.connectedAt);
  }
  const f: FinishedAttempt = {
    attemptId: call.attemptId,
    contactId: call.contactId,
    owner,
    now,
    answeredAt: call.answeredAt,
    endedAt: now,
    outcome,
    cause: ev.code !== undefined ? `${ev.cause}:${ev.code}` : ev.cause,
    talkSec,
    success: isSuccess(outcome, talkSec, settings),
    details: JSON.stringify(details),
    contact: finishRule(
      policy,
      abandonRule(settings, nextContactState(settings, state, outcome, talkSec, now), outcome, now),
    ),
  };
  if (call.startedAt !== call.claimedStartAt) f.dialedAt = call.startedAt;
  const c = call.campaign;
  if (chargeMicros > 0) f.charge = { accountId: c.accountId, micros: chargeMicros };
  // What the events tell of the call, taken now: they are built later, at the write, if at all.
  const info = {
    accountId: c.accountId,
    campaignId: c.id,
    contact: call.contact,
    seq: call.seq,
    phone: call.phone,
    callerId: call.callerId,
    startedAt: call.startedAt,
  };
  f.events = { accountId: c.accountId, build: () => finishEvents(info, f) };
  // What the sweep told subscribers: abandoned when this node had put the abandonment on record.
  const swept = call.abandonRecorded ? "abandoned" : "lost";
  f.correctionEvents = { accountId: c.accountId, build: () => correctionEvents(info, f, swept) };
  return f;
}

/** A contact's own last moment to call (ContactPolicy.finishAt): a next try at or after it can never
 *  happen, so the contact ends now, exhausted, rather than waiting for it. */
function finishRule(
  policy: ContactPolicy | null,
  next: FinishedAttempt["contact"],
): FinishedAttempt["contact"] {
  if (policy?.finishAt === undefined || !("nextAt" in next) || next.nextAt < policy.finishAt) return next;
  const { phoneAttempts, retryCounts } = next;
  return { status: "exhausted", phoneAttempts, retryCounts, waitReason: FINISH_PASSED_REASON };
}

function abandonRule(
  settings: CampaignSettings,
  next: FinishedAttempt["contact"],
  outcome: Outcome,
  now: number,
): FinishedAttempt["contact"] {
  if (outcome !== "abandoned" || !("nextAt" in next) || settings.dialMethod === "preview") return next;
  const earliest = now + ABANDON_REDIAL_GAP_MS;
  return next.nextAt >= earliest ? next : { ...next, nextAt: earliest, waitReason: ABANDONED_WAIT_REASON };
}

/**
 * The attempt of a process that died mid-call: its result is unknown, it is counted, never redialed as itself.
 * One whose person the process had abandoned (it wrote so before hanging up: recordAbandon) is what it was,
 * abandoned, answered when it was: the contact waits out the 72 hours, and the rates count it once.
 */
export function lostAttempt(c: CampaignRuntime, lost: ExpiredLease, now: number): FinishedAttempt {
  const phoneAttempts = lost.contact.phone_attempts;
  const policy = parsePolicy(lost.contact.policy);
  const settings = settingsFor(c.settings, policy);
  const state = dialState(lost.contact, lost.seq, lost.phoneIndex, phoneAttempts);
  const outcome: Outcome = lost.abandoned ? "abandoned" : "lost";
  const next = nextContactState(settings, state, outcome, 0, now);
  const f: FinishedAttempt = {
    attemptId: lost.attemptId ?? 0,
    contactId: lost.contact.id,
    owner: null,
    now,
    answeredAt: lost.abandoned ? lost.answeredAt : null,
    endedAt: now,
    outcome,
    cause: "lease_expired",
    talkSec: 0,
    success: false,
    details: JSON.stringify({ leaseOwner: lost.owner, startedAt: lost.startedAt }),
    contact: finishRule(policy, abandonRule(settings, next, outcome, now)),
  };
  const info = {
    accountId: c.accountId,
    campaignId: c.id,
    contact: lost.contact,
    seq: lost.seq,
    phone: (JSON.parse(lost.contact.phones) as string[])[lost.phoneIndex] ?? null,
    callerId: null,
    startedAt: lost.startedAt,
  };
  f.events = { accountId: c.accountId, build: () => finishEvents(info, f) };
  return f;
}
