// Two steps of a campaign's turn in the dispatch pass, kept apart from the loop that drives them: whether
// the campaign may dial at all right now (its start, lifetime, the account's balance, its weekly windows),
// and what every claim of its contacts shares (the decision context, the frequency-cap window, webhook
// events of contacts settled at claim time). Writes go through the CampaignStatusWriter; no claims here.
import { LOW_BALANCE_REASON } from "../model/billing.ts";
import { nextAllowed } from "../model/windows.ts";
import type { Candidate, ClaimDecision, ClaimRequest, RecentCalls } from "../store/dispatch/types.ts";
import type { CampaignRuntime } from "./campaign-runtime.ts";
import { type DecideContext, decideClaim, recentWindowMs } from "./claim-decision.ts";
import { settledAtClaimEvents } from "./events.ts";
import type { CampaignStatusWriter } from "./outcomes.ts";

/** How often a campaign that may not dial looks whether it is drained without being told to: contacts
 *  made final where this node cannot see (a cancel served by another node) are found within this. The
 *  look counts the campaign's contacts, so not at every pass. */
const DRAIN_LOOK_EVERY_MS = 10 * 60_000;

export type Gate = { open: true; haltWake: number } | { open: false; wakeAt: number };

/**
 * Starts a scheduled campaign whose time has come, halts one past its lifetime, stops one whose account is
 * under the balance floor, and keeps one outside its weekly windows waiting; `lastBlock` says which.
 * Open: the campaign may claim, and `haltWake` is when it must be looked at again for its lifetime.
 * A campaign that may not dial but has every contact final (its last call ended after its window closed)
 * is completed, not left running until the window opens again, nor halted at its end time.
 */
export async function gateCampaign(
  c: CampaignRuntime,
  now: number,
  w: CampaignStatusWriter,
  act: {
    releaseQueued(): Promise<unknown>;
    /** Hangs up the campaign's calls not answered yet (a stop's: dispatcher.hangupUnanswered). */
    hangupUnanswered(): void;
    completeIfDrained(): Promise<void>;
    /** Charges of the account's ended calls not written yet (this pass's claim writes them). */
    owedMicros(): number;
  },
): Promise<Gate> {
  const closed = { open: false, wakeAt: Number.POSITIVE_INFINITY } as const;
  if (c.status === "scheduled") {
    // Halted at its halt time, and held back by its balance, before it is ever written running: a campaign
    // that cannot dial is not reported started (scheduled -> running -> halted in one pass, with no call).
    if (c.haltAt !== null && now >= c.haltAt) {
      await w.setStatus(c, "halted", now, "lifetime or end time reached");
      return closed;
    }
    const startAt = c.settings.startAt ?? now;
    if (startAt > now) {
      c.lastBlock = { code: "not_started", until: startAt };
      return { open: false, wakeAt: Math.min(startAt, c.haltAt ?? Number.POSITIVE_INFINITY) };
    }
    if (!(await w.hasBalance(c.accountId, act.owedMicros()))) return stopForBalance(c, now, w, act);
    await w.setStatus(c, "running", now);
  }
  if (c.status === "paused") return pausedGate(c, now, w);
  if (c.status !== "running") return closed;
  if (c.haltAt !== null && now >= c.haltAt) {
    if (c.inFlight === 0) {
      await act.completeIfDrained();
      if (c.status !== "running") return closed;
    }
    await w.setStatus(c, "halted", now, "lifetime or end time reached");
    await act.releaseQueued();
    return closed;
  }
  // With the charges this pass is about to write: the claim that writes them places calls in the slots
  // their calls freed, which overspent a whole wave of calls past the floor.
  if (!(await w.hasBalance(c.accountId, act.owedMicros()))) return stopForBalance(c, now, w, act);
  const haltWake = c.haltAt ?? Number.POSITIVE_INFINITY;
  if (c.windows.campaign.length) {
    const open = nextAllowed(now, c.windows.campaign);
    if (open === null || open.at > now) {
      if (c.inFlight === 0 && (c.drainCheckDue || now - c.drainLookedAt >= DRAIN_LOOK_EVERY_MS)) {
        await act.completeIfDrained();
        // Only once the look has run: one that failed is tried again at the next pass.
        c.drainCheckDue = false;
        c.drainLookedAt = now;
        if (c.status !== "running") return closed;
      }
      c.lastBlock = { code: "window_closed", until: open?.at ?? null };
      return { open: false, wakeAt: Math.min(open?.at ?? Number.POSITIVE_INFINITY, haltWake) };
    }
  }
  return { open: true, haltWake };
}

/** Voximplant's rule: under 1 USD, processing stops at once; a top-up and a resume or recover go on. */
async function stopForBalance(
  c: CampaignRuntime,
  now: number,
  w: CampaignStatusWriter,
  act: { releaseQueued(): Promise<unknown>; hangupUnanswered(): void },
): Promise<Gate> {
  c.lastBlock = { code: "balance", until: null };
  await w.setStatus(c, "stopped", now, LOW_BALANCE_REASON);
  await act.releaseQueued();
  // As a stop by request: the lines still ringing would be answered, and charged, under the floor.
  act.hangupUnanswered();
  return { open: false, wakeAt: Number.POSITIVE_INFINITY };
}

/**
 * A paused campaign's lifetime runs on: at its halt time it is halted, as a running one is (Twin24's
 * lifetime: "after this time expires, the task is set to HALTED"), where it stayed paused with a resume
 * refused as ended and no start that counts the lifetime afresh. One paused before its start time has not
 * begun: its lifetime counts from its resume, and only its end time halts it. Its calls still up end as
 * they would have.
 */
async function pausedGate(c: CampaignRuntime, now: number, w: CampaignStatusWriter): Promise<Gate> {
  // Not begun, its lifetime waits for the resume, but its end time does not: no resume gets past it.
  const haltAt = c.begun ? c.haltAt : c.settings.endAt;
  if (haltAt === null) return { open: false, wakeAt: Number.POSITIVE_INFINITY };
  if (now < haltAt) return { open: false, wakeAt: haltAt };
  await w.setStatus(c, "halted", now, "lifetime or end time reached");
  return { open: false, wakeAt: Number.POSITIVE_INFINITY };
}

export interface ClaimHooks {
  recentSince: number | null;
  settledEvents: ClaimRequest["settledEvents"];
  /** The decision for one candidate at its dial slot `at`. A contact whose data makes the decision throw
   *  waits an hour instead of stalling the campaign. */
  decide(cand: Candidate, at: number, recent: RecentCalls | null): ClaimDecision;
}

export function claimHooks(
  c: CampaignRuntime,
  now: number,
  onError?: (err: unknown) => void,
  /** An agent's own claim (a preview or a personal callback): its agent is there before the dial. */
  agentReserved = false,
): ClaimHooks {
  const startedNow = new Set<string>();
  const ctx: DecideContext = {
    settings: c.settings,
    windows: c.windows,
    agentReserved,
    nextCallerId: (phone: string) => c.nextCallerId(phone),
    numbersInFlight: {
      has: (phone) => c.numberInFlight(phone) || startedNow.has(phone),
      add: (phone) => startedNow.add(phone),
    },
  };
  const recentMs = recentWindowMs(c.settings);
  return {
    recentSince: recentMs === null ? null : now - recentMs,
    // Built by the store only for an account with a subscription (ClaimRequest.settledEvents).
    settledEvents: (cand, d) => settledAtClaimEvents(cand, d.status, d.reason, now),
    decide(cand, at, recent) {
      try {
        return decideClaim(ctx, cand, at, recent);
      } catch (err) {
        onError?.(err);
        return { kind: "defer", until: at + 3_600_000, reason: "error" };
      }
    },
  };
}
