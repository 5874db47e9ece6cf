// pacing/abandon-tracker owns the regulated abandonment rate: live answers and abandons (drops and AMD
// false positives, known or estimated from machine verdicts) over a rolling 24 h, 30 days and the campaign.
// It must not touch the store or clock.

import type { AbandonCause } from "./types.ts";

/** What became of a live answer: an agent took it, nobody did within the grace, or AMD hung up on it. */
export type LiveAnswerFate = "connected" | AbandonCause;

/**
 * A window's counts. AMD false positives are people AMD took for a machine: known ones (a simulation knows)
 * and an estimate, `falsePositiveShare` × machine verdicts, since on a real line nothing tells them apart.
 * Both count as live answers and as abandons, so `liveAnswers`, `abandoned` and `falsePositives` may be
 * fractional.
 */
export interface AbandonCounts {
  liveAnswers: number;
  /** Drops plus AMD false positives. */
  abandoned: number;
  drops: number;
  falsePositives: number;
  /** Answers AMD judged a machine (the estimate's base). */
  machineVerdicts: number;
  /** abandoned / liveAnswers; 0 before the first live answer. */
  rate: number;
  /** This campaign's share of the live answers (1 outside an abandonment group, or before any answer). */
  ownShare: number;
}

export type AbandonWindow = "24h" | "30d" | "campaign";

const DAY_MS = 24 * 3600 * 1000;

/** Raw counts of one window: live answers (known false positives among them), drops, machine verdicts. */
export interface Tally {
  live: number;
  drops: number;
  fps: number;
  machines: number;
  /** Machine verdicts whose false positives are already estimated within `fps` (an abandonment group's
   *  other campaigns, each at its own share): shown with the verdicts, never estimated again. */
  estimatedMachines?: number;
}

function counts(t: Tally, falsePositiveShare: number, own: Tally = t): AbandonCounts {
  const estimated = falsePositiveShare * t.machines;
  const liveAnswers = t.live + estimated;
  const ownLive = own.live + falsePositiveShare * own.machines;
  const falsePositives = t.fps + estimated;
  const abandoned = t.drops + falsePositives;
  return {
    liveAnswers,
    abandoned,
    drops: t.drops,
    falsePositives,
    machineVerdicts: t.machines + (t.estimatedMachines ?? 0),
    rate: liveAnswers > 0 ? abandoned / liveAnswers : 0,
    ownShare: liveAnswers > 0 ? ownLive / liveAnswers : 1,
  };
}

/** What became of an answer the tracker hears of: a live answer's fate, or a machine verdict. */
export type AnswerEvent = LiveAnswerFate | "machine";

/**
 * Counts over a rolling window kept as time buckets, so memory is bounded by window / bucket whatever
 * the call volume. An event counts while its bucket lies wholly after now − window; the bucket that
 * straddles the edge leaves as a whole, so the edge is exact to one bucket.
 */
export class RollingCounter {
  private keys: number[] = [];
  private live: number[] = [];
  private drops: number[] = [];
  private fps: number[] = [];
  private machines: number[] = [];
  private head = 0;
  private readonly sum: Tally = { live: 0, drops: 0, fps: 0, machines: 0 };

  constructor(
    readonly windowMs: number,
    readonly bucketMs: number,
  ) {}

  add(now: number, event: AnswerEvent): void {
    const key = Math.floor(now / this.bucketMs);
    const last = this.keys.length - 1;
    // Events arrive in time order; a late one joins the newest bucket rather than rewriting history.
    if (last < this.head || this.keys[last] < key) {
      this.keys.push(key);
      this.live.push(0);
      this.drops.push(0);
      this.fps.push(0);
      this.machines.push(0);
    }
    const i = this.keys.length - 1;
    if (event === "machine") {
      this.machines[i]++;
      this.sum.machines++;
    } else {
      this.live[i]++;
      this.sum.live++;
      if (event === "no_agent") {
        this.drops[i]++;
        this.sum.drops++;
      } else if (event === "amd_false_positive") {
        this.fps[i]++;
        this.sum.fps++;
      }
    }
    this.evict(now);
  }

  tally(now: number): Tally {
    this.evict(now);
    return { ...this.sum };
  }

  private evict(now: number): void {
    const oldestKept = Math.floor((now - this.windowMs) / this.bucketMs) + 1;
    while (this.head < this.keys.length && this.keys[this.head] < oldestKept) {
      this.sum.live -= this.live[this.head];
      this.sum.drops -= this.drops[this.head];
      this.sum.fps -= this.fps[this.head];
      this.sum.machines -= this.machines[this.head];
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      for (const a of [this.keys, this.live, this.drops, this.fps, this.machines]) a.splice(0, this.head);
      this.head = 0;
    }
  }
}

export interface AbandonTrackerOptions {
  /** The cap on abandoned / live answers (default 0.03, the US and UK rule). */
  targetRate?: number;
  /** Bucket of the 24 h window (default 1 s). */
  dayBucketMs?: number;
  /** Bucket of the 30-day window (default 1 min). */
  monthBucketMs?: number;
  /** The share of machine verdicts counted as people AMD hung up on (default 0: only known ones count). */
  falsePositiveShare?: number;
}

/** Live answers a window needs before the pacers judge its rate alone against the target (isOverTarget's
 *  minLiveAnswers). */
export const FALLBACK_AFTER_LIVE_ANSWERS = 100;

export class AbandonTracker {
  /** Writable: a campaign's target can change while its counts go on. */
  targetRate: number;
  /** Writable too: a new estimate applies to the whole record, as the store's figures apply it. */
  falsePositiveShare: number;
  private readonly day: RollingCounter;
  private readonly month: RollingCounter;
  private readonly all: Tally = { live: 0, drops: 0, fps: 0, machines: 0 };
  private others: Record<AbandonWindow, Tally> | null = null;

  constructor(options: AbandonTrackerOptions = {}) {
    this.targetRate = options.targetRate ?? 0.03;
    this.falsePositiveShare = options.falsePositiveShare ?? 0;
    this.day = new RollingCounter(DAY_MS, options.dayBucketMs ?? 1000);
    this.month = new RollingCounter(30 * DAY_MS, options.monthBucketMs ?? 60_000);
  }

  /** One live (human) answer and its fate; an AMD false positive is a live answer and an abandon. */
  recordLiveAnswer(now: number, fate: LiveAnswerFate): void {
    this.record(now, fate);
  }

  /** An answer AMD judged a machine: `falsePositiveShare` of it counts as a person abandoned. */
  recordMachineVerdict(now: number): void {
    this.record(now, "machine");
  }

  record(now: number, event: AnswerEvent): void {
    if (event === "machine") this.all.machines++;
    else {
      this.all.live++;
      if (event === "no_agent") this.all.drops++;
      else if (event === "amd_false_positive") this.all.fps++;
    }
    this.day.add(now, event);
    this.month.add(now, event);
  }

  /**
   * What the other campaigns of an abandonment group count, added to every window from now on (null: none).
   * Their estimated AMD false positives come counted in, as known ones (`fps`, within `live`).
   */
  setOthers(others: Record<AbandonWindow, Tally> | null): void {
    this.others = others;
  }

  counts(now: number, window: AbandonWindow): AbandonCounts {
    const own = window === "24h" ? this.day.tally(now) : window === "30d" ? this.month.tally(now) : this.all;
    const o = this.others?.[window];
    const tally = o
      ? {
          live: own.live + o.live,
          drops: own.drops + o.drops,
          fps: own.fps + o.fps,
          machines: own.machines + o.machines,
          estimatedMachines: (own.estimatedMachines ?? 0) + (o.estimatedMachines ?? 0),
        }
      : own;
    return counts(tally, this.falsePositiveShare, own);
  }

  /** The window with the highest rate: the one a regulator in any of the jurisdictions would cite. */
  strictest(now: number): AbandonCounts & { window: AbandonWindow } {
    let worst = { ...this.counts(now, "campaign"), window: "campaign" as AbandonWindow };
    for (const window of ["24h", "30d"] as const) {
      const c = this.counts(now, window);
      if (c.rate > worst.rate) worst = { ...c, window };
    }
    return worst;
  }

  /**
   * Whether a window is over the target. A window with fewer than `minLiveAnswers` live answers is not
   * judged by its rate: a single AMD false positive among the first answers reads as 5–100%, a rate the
   * rest of the window can still bring under the target. It is over, though, once it holds more abandons
   * than the target allows in twice that many answers: no longer a matter of one unlucky answer, and a
   * campaign with fewer live answers a day than `minLiveAnswers` is still judged on its 24 h window.
   */
  isOverTarget(now: number, minLiveAnswers = 0): boolean {
    let over = false;
    for (const w of ["campaign", "24h", "30d"] as const) {
      const c = this.counts(now, w);
      if (
        c.liveAnswers >= minLiveAnswers
          ? c.rate > this.targetRate
          : c.abandoned > this.targetRate * 2 * minLiveAnswers
      )
        over = true;
    }
    return over;
  }
}
