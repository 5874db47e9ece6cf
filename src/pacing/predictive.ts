// pacing/predictive owns the predictive pacer: dial ahead of agents becoming free from live estimates,
// held to the abandonment target by the shared tracker. It must not touch the store, telephony or clock.

import { type AbandonTracker, FALLBACK_AFTER_LIVE_ANSWERS } from "./abandon-tracker.ts";
import { DropBudget, type DropBudgetOptions } from "./drop-budget.ts";
import { DurationEstimator, RingModel } from "./estimators.ts";
import { Forecast } from "./forecast.ts";
import { progressiveDials } from "./simple.ts";
import { lognormalCdf } from "./stats.ts";
import {
  type AbandonCause,
  type DialResult,
  type LineView,
  loggedInAgents,
  type Pacer,
  type PacerInsight,
  type PacingSnapshot,
} from "./types.ts";

export interface PredictiveOptions {
  /** The campaign's abandonment tracker; its target is the cap, and over it the pacer dials progressively. */
  tracker: AbandonTracker;
  /** How long a live answer may wait for an agent before it counts as abandoned (default 2 s). */
  graceMs?: number;
  /** Live answers a window needs before its rate can send the pacer back to progressive (default 100). */
  fallbackAfterLiveAnswers?: number;
  maxLinesPerAgent?: number;
  /** Outer-loop settings (margin under the cap, how fast to settle). */
  budget?: Omit<DropBudgetOptions, "targetRate">;
  /** A fixed drop chance for the marginal dial instead of the outer loop (for studies). */
  fixedThreshold?: number;
  /**
   * After this long ringing (ms; at least 15 s, the least that FTC TSR and Ofcom allow), a line whose person
   * would probably find no agent is hung up unanswered (see `releases`). Null or absent: never.
   */
  releaseAfterRingMs?: number | null;
  /**
   * The campaign's timed wrap-up (ms): the engine ends every wrap-up by then. The wrap-up law is made to
   * reach past it (see wrapLawMs). Null or absent: wrap-ups are taken to end within 600 s.
   */
  wrapUpMs?: number | null;
}

/** FTC TSR's safe harbour and Ofcom: an unanswered call rings at least 15 s before the caller gives up. */
export const LEGAL_MIN_RING_MS = 15_000;

export type PredictiveMode = "fallback" | "model";

const STEP_MS = 500;
/** Dial → human verdict rarely exceeds 35 s; later arrivals are the business of later decisions. */
const HORIZON_BINS = 70;
const REBUILD_MS = 10_000;
/** The wrap-up law's range for wrap-ups of unknown or shorter length: most end in well under a minute. */
const WRAP_LAW_MS = 600_000;
/** Room past a timed wrap-up's end, so the end itself falls in a bin of the law and not in its last bin,
 *  which holds every longer wrap-up alike (and an end the engine's timer reports a little late). */
const WRAP_LAW_MARGIN_MS = 60_000;

/**
 * How far the wrap-up law reaches. Past its range the forecast cannot tell when an agent frees, so a
 * campaign whose timed wrap-up is longer (the schema allows an hour) gets a law reaching past it: with a
 * 600 s law and 900 s wrap-ups, agents 650 s in were counted free within the second (pacing11).
 */
export function wrapLawMs(wrapUpMs: number | null | undefined): number {
  return Math.max(WRAP_LAW_MS, (wrapUpMs ?? 0) + WRAP_LAW_MARGIN_MS);
}

/**
 * Each decision forecasts, bin by bin over the next 35 s, how many agents will be free (ready ones,
 * wrap-ups ending, calls ending then wrapped up: Kaplan–Meier laws learned in the shift) and how many
 * live answers the lines already out will bring (by how long each has rung or since it was answered).
 * It then places the most dials whose last one still has a drop chance within the outer loop's
 * threshold — never fewer than progressive would.
 */
export class PredictivePacer implements Pacer {
  readonly method = "predictive";
  /** What the last decision was based on; for tests and the engine's explain. */
  mode: PredictiveMode = "model";
  /** The drop chance the last model decision allowed its marginal dial. */
  threshold = 0;
  private lastDialDropChance: number | null = null;
  private nextDialDropChance: number | null = null;

  private readonly tracker: AbandonTracker;
  private readonly maxLinesPerAgent: number;
  private readonly talk: DurationEstimator;
  private readonly wrap: DurationEstimator;
  private readonly ring: RingModel;
  private readonly forecast: Forecast;
  private readonly budget: DropBudget;
  private lastRebuild = Number.NEGATIVE_INFINITY;
  /** The calls and wrap-ups going on at the last decision (a snapshot is not kept): insight() explains it. */
  private seen: Ongoing | null = null;
  /** The estimates shown while decisions go without a rebuild (fallback, the lines cap); see estimates(). */
  private shown: (Estimates & { at: number }) | null = null;
  private released: LineView[] = [];
  /** The last decision's dials beyond progressive, until the caller says how many it placed. */
  private unplaced: {
    floor: number;
    dials: number;
    firstChance: number;
    lastChance: number;
    humanShare: number;
  } | null = null;

  constructor(private readonly options: PredictiveOptions) {
    this.tracker = options.tracker;
    this.maxLinesPerAgent = options.maxLinesPerAgent ?? 3.5;
    // Conservative priors: calls and wrap-ups longer than usual until the shift's own data outweigh them.
    this.talk = new DurationEstimator({
      stepMs: STEP_MS,
      maxMs: 4000_000,
      memory: 3000,
      prior: { weight: 10, cdf: (ms) => lognormalCdf(ms, 300_000, 1) },
    });
    this.wrap = new DurationEstimator({
      stepMs: STEP_MS,
      maxMs: wrapLawMs(options.wrapUpMs),
      memory: 3000,
      prior: { weight: 10, cdf: (ms) => lognormalCdf(ms, 40_000, 0.5) },
    });
    // Until results come in, half of all dials are taken for people answering anywhere from 3 to 20 s:
    // more people, sooner and more spread than usual, so the first decisions err towards idle agents.
    this.ring = new RingModel({
      stepMs: STEP_MS,
      maxMs: 50_000,
      memory: 3000,
      prior: {
        results: 40,
        humanShare: 0.5,
        humanAnswerMs: [3000, 20_000],
        amdMs: 2000,
        otherEndMs: [3000, 30_000],
      },
    });
    this.forecast = new Forecast(
      { stepMs: STEP_MS, horizonBins: HORIZON_BINS, graceMs: options.graceMs ?? 2000 },
      this.ring.bins,
    );
    this.budget = new DropBudget({ targetRate: this.tracker.targetRate, ...options.budget });
  }

  /**
   * Takes over what `previous` learned in the shift, when the campaign's pacer is rebuilt for new
   * settings (a tighter target, another grace or lines cap): the share of dials reaching a person, ring
   * times, talk and wrap-up laws and the outer loop's calibration describe the list, the agents and the
   * forecast, not those settings. Without it an edit sent the pacer back to its priors (a mean talk of
   * 8 min instead of the shift's 1 min). A pacer of another method has nothing to give.
   */
  carryOver(previous: Pacer): void {
    if (!(previous instanceof PredictivePacer) || previous === this) return;
    this.talk.takeOver(previous.talk);
    this.wrap.takeOver(previous.wrap);
    this.ring.takeOver(previous.ring);
    this.budget.takeOver(previous.budget);
    this.lastRebuild = Number.NEGATIVE_INFINITY; // the next decision rebuilds its forecast on them
  }

  onDialResult(result: DialResult): void {
    if (result.censored) {
      this.ring.observeCensored(result.ringMs);
      return;
    }
    const kind = result.outcome === "human" ? "human" : result.outcome === "machine" ? "machine" : "other";
    this.ring.observe(kind, result.ringMs, result.amdMs ?? 0);
  }

  onTalkEnded(event: { now: number; talkMs: number; wrapUp: boolean }): void {
    this.talk.observe(event.talkMs, !event.wrapUp);
  }

  onWrapEnded(event: { now: number; wrapMs: number; censored?: boolean }): void {
    // The law is of how long a wrap-up keeps its agent from being free: one cut off by a logout or a
    // pause says only that it lasted at least this long.
    if (event.censored) this.wrap.observeCensored(event.wrapMs);
    else this.wrap.observe(event.wrapMs);
  }

  onAbandon(event: { now: number; cause: AbandonCause }): void {
    if (event.cause === "no_agent") this.budget.noteDrop();
  }

  decide(snapshot: PacingSnapshot): number {
    const { now } = snapshot;
    const floor = progressiveDials(snapshot);
    const seen = ongoing(snapshot);
    this.seen = seen;
    this.unplaced = null; // an earlier decision's dials are not this one's, placed or not
    this.lastDialDropChance = null;
    this.nextDialDropChance = null;
    this.released = [];
    if (
      this.tracker.isOverTarget(now, this.options.fallbackAfterLiveAnswers ?? FALLBACK_AFTER_LIVE_ANSWERS)
    ) {
      this.mode = "fallback";
      this.threshold = 0; // no dial beyond one per ready agent may risk a drop
      return floor;
    }
    this.mode = "model";
    const headroom =
      Math.floor(this.maxLinesPerAgent * loggedInAgents(snapshot.agents)) - snapshot.lines.length;
    if (headroom <= floor) return Math.max(0, Math.min(floor, headroom));
    if (now - this.lastRebuild >= REBUILD_MS) this.rebuild(seen);
    const forecast = this.forecast;
    forecast.supply(snapshot, this.talk, this.wrap);
    forecast.demand(snapshot, this.ring);
    this.threshold =
      this.options.fixedThreshold ??
      this.budget.threshold(this.tracker.strictest(now), this.tracker.targetRate);
    this.release(snapshot);
    // The largest count whose last dial still meets the threshold (the drop chance grows with the count).
    let lo = floor;
    let hi = headroom;
    // The first refused count's chance is kept for the pacing view; the search usually tries it.
    let refused = Number.POSITIVE_INFINITY;
    let refusedChance = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const chance = forecast.dropChance(mid);
      if (chance <= this.threshold) lo = mid;
      else {
        hi = mid - 1;
        refused = mid;
        refusedChance = chance;
      }
    }
    if (lo < headroom) {
      this.nextDialDropChance = refused === lo + 1 ? refusedChance : forecast.dropChance(lo + 1);
    }
    if (lo > floor) {
      this.lastDialDropChance = forecast.dropChance(lo);
      this.unplaced = {
        floor,
        dials: lo,
        firstChance: forecast.dropChance(floor + 1),
        lastChance: this.lastDialDropChance,
        humanShare: forecast.humanShare,
      };
    }
    return lo;
  }

  /**
   * The drops the last decision's dials beyond progressive are expected to cause, counted for the outer
   * loop's calibration only for the dials placed: a campaign held back by its calls per second or its
   * concurrency places fewer, and asks again every half second; counting what it asked for, the forecast
   * seemed to overpredict fifty-fold and the loop let dials take an 8% drop chance once the hold lifted.
   */
  placed(dials: number): void {
    const u = this.unplaced;
    this.unplaced = null;
    if (!u || dials <= u.floor) return;
    const beyond = Math.min(dials, u.dials) - u.floor;
    const asked = u.dials - u.floor;
    // The drop chance grows about linearly over one decision's dials: the trapezoid is close enough.
    const last =
      beyond === asked
        ? u.lastChance
        : u.firstChance + ((u.lastChance - u.firstChance) * (beyond - 1)) / (asked - 1);
    this.budget.notePredicted(((beyond * (u.firstChance + last)) / 2) * u.humanShare);
  }

  releases(): ReadonlyArray<LineView> {
    return this.released;
  }

  /**
   * A line that has rung the legal minimum is kept only while it would still be placed: when its person,
   * should they answer now, would find no agent with a chance above the threshold a new dial must meet,
   * it is hung up, and the forecast goes on without it. Such late answers are few (most people answer
   * within 15 s) but come when the agents are taken by the lines that answered on time. Its result comes
   * back censored (it had not answered by then), so the ring model is not taught that lines end there.
   */
  private release(snapshot: PacingSnapshot): void {
    const asked = this.options.releaseAfterRingMs ?? null;
    if (asked === null) return;
    // Never under the legal minimum, whatever a caller asks.
    const after = Math.max(asked, LEGAL_MIN_RING_MS);
    const { now } = snapshot;
    for (const line of snapshot.lines) {
      if (line.stage !== "ringing" || line.releasable === false) continue;
      if (line.ringingAt == null || now - line.ringingAt < after) continue;
      const chance = this.forecast.ringingDropChance((now - line.dialedAt) / STEP_MS, this.ring);
      if (chance > this.threshold) this.released.push(line);
    }
    if (this.released.length === 0) return;
    const gone = new Set(this.released);
    this.forecast.demand({ ...snapshot, lines: snapshot.lines.filter((l) => !gone.has(l)) }, this.ring);
  }

  insight(): PacerInsight {
    return {
      mode: this.mode,
      threshold: this.threshold,
      lastDialDropChance: this.lastDialDropChance,
      nextDialDropChance: this.nextDialDropChance,
      ...this.estimates(),
      dialResults: this.ring.results,
      talks: this.talk.observations,
      wrapUps: this.wrap.observations,
      calibration: this.budget.calibration,
    };
  }

  /**
   * What the shift taught, for the pacing view: the model's figures, as decisions rebuild it every 10 s.
   * A decision in fallback or at the lines cap returns before any rebuild, and a campaign in fallback all
   * shift showed its priors (a 300 s talk, no dial reaching a person) beside hundreds of results (pacing13).
   * While the model's figures are stale they are worked out apart, on the same cadence, leaving the model
   * as last rebuilt: rebuilding it here would move the decisions that follow a fallback.
   */
  private estimates(): Estimates {
    const s = this.seen;
    if (s === null || s.now - this.lastRebuild < REBUILD_MS) {
      return {
        humanShare: this.forecast.humanShare,
        meanTalkMs: this.talk.meanMs,
        meanWrapMs: this.wrap.meanMs,
      };
    }
    if (this.shown === null || s.now - this.shown.at >= REBUILD_MS) {
      this.shown = {
        at: s.now,
        humanShare: this.ring.currentNewHumanBy(HORIZON_BINS),
        meanTalkMs: this.talk.currentMeanMs(s.onCall),
        meanWrapMs: this.wrap.currentMeanMs(s.inWrap),
      };
    }
    const { humanShare, meanTalkMs, meanWrapMs } = this.shown;
    return { humanShare, meanTalkMs, meanWrapMs };
  }

  private rebuild(seen: Ongoing): void {
    this.talk.rebuild(seen.onCall);
    this.wrap.rebuild(seen.inWrap);
    this.ring.rebuild();
    this.forecast.learnNewDials(this.ring);
    this.forecast.learnTalk(this.talk);
    this.lastRebuild = seen.now;
  }
}

/** The learned estimates the pacing view shows. */
interface Estimates {
  humanShare: number;
  meanTalkMs: number;
  meanWrapMs: number;
}

/** How long each agent on a call, and each in wrap-up, has been so at `now`: durations still going, which
 *  the talk and wrap-up laws count as censored. */
interface Ongoing {
  now: number;
  onCall: number[];
  inWrap: number[];
}

function ongoing(snapshot: PacingSnapshot): Ongoing {
  const onCall: number[] = [];
  const inWrap: number[] = [];
  for (const a of snapshot.agents) {
    if (a.state === "on_call") onCall.push(snapshot.now - a.since);
    else if (a.state === "wrap_up") inWrap.push(snapshot.now - a.since);
  }
  return { now: snapshot.now, onCall, inWrap };
}
