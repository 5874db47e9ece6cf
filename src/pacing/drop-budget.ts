// pacing/drop-budget owns the predictive pacer's outer loop: how much drop risk one more dial may take,
// from the measured abandonment. It reads counts only; it must not touch the store, telephony or clock.

import type { AbandonCounts } from "./abandon-tracker.ts";

const FADE = 1 - 1 / 200;

export interface DropBudgetOptions {
  /** The regulated cap on abandoned / live answers. */
  targetRate: number;
  /** Aim this far under the cap, for the answers still in flight and the luck of the last stretch. */
  margin?: number;
  /** Live answers over which a surplus or deficit against the aim is worked off. */
  settleAnswers?: number;
  /** Abandons kept in reserve before any surplus is spent, against a cluster of drops. */
  reserveAbandons?: number;
  /** Live answers over which the pacer grows from spending only earned surplus to its full share. */
  rampAnswers?: number;
  minThreshold?: number;
  maxThreshold?: number;
}

/**
 * The abandonment budget is target × live answers. AMD false positives spend part of it whatever the
 * pacer does, so the rest is the drop share the pacer may aim at; being under or over the aim so far
 * raises or lowers it until the surplus or deficit is worked off. The forecast's drop chances are
 * rescaled by how many drops they predicted against how many happened.
 */
export class DropBudget {
  private readonly options: Required<DropBudgetOptions>;
  private predicted = 0;
  private realized = 0;

  constructor(options: DropBudgetOptions) {
    this.options = {
      margin: 0.0012,
      settleAnswers: 500,
      reserveAbandons: 2,
      rampAnswers: 20,
      minThreshold: 0.002,
      maxThreshold: 0.08,
      ...options,
    };
  }

  /** Takes over how well the forecast has done so far: that does not depend on the cap. */
  takeOver(previous: DropBudget): void {
    this.predicted = previous.predicted;
    this.realized = previous.realized;
  }

  /** Drops the forecast expected from dials just placed. */
  notePredicted(expectedDrops: number): void {
    this.predicted += expectedDrops;
  }

  noteDrop(): void {
    // Old evidence fades (half-life ≈ 140 drops) so the ratio follows the regime the pacer is in.
    this.realized = this.realized * FADE + 1;
    this.predicted *= FADE;
  }

  /** How many drops happened per drop forecast (1 = the forecast is right). */
  get calibration(): number {
    // The forecast ignores dials placed after it whose people answer first, so it runs low; the prior
    // (20 drops at 1.3 per forecast one) keeps the first few drops from swinging the ratio.
    return (this.realized + 26) / (this.predicted + 20);
  }

  /**
   * The drop chance the next marginal dial may have, given the counts of the window that binds and the cap
   * in force now (an abandonment group's may be stricter than the campaign's own).
   */
  threshold(counts: AbandonCounts, targetRate = this.options.targetRate): number {
    const { margin, settleAnswers, reserveAbandons, rampAnswers } = this.options;
    const { minThreshold, maxThreshold } = this.options;
    const aim = targetRate - margin;
    const live = counts.liveAnswers;
    // False positives are rare events: a prior of 1.5% over 300 answers (worse than typical AMD) keeps
    // an early lucky streak from inviting drops the false positives will need later.
    const falsePositiveShare = (counts.falsePositives + 4.5) / (live + 300);
    // In an abandonment group every member's pacer sees the same pooled surplus or deficit: each works off
    // its own share of it (by live answers), or together they would spend it once per member.
    const surplus = (aim * live - counts.abandoned - reserveAbandons) * counts.ownShare;
    // Early in a campaign one drop moves the rate a lot: spend mostly surplus already earned.
    const ramp = live / (live + rampAnswers);
    const dropShare = (aim - falsePositiveShare) * ramp + surplus / settleAnswers;
    return Math.min(maxThreshold, Math.max(minThreshold, dropShare / this.calibration));
  }
}
