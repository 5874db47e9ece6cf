// pacing/forecast owns the short-term forecast behind a predictive decision: agents free and live answers
// expected per coming time bin, and one more dial's drop chance. Pure arithmetic: no store, no clock.

import type { DurationEstimator, RingModel } from "./estimators.ts";
import { normalCdf } from "./stats.ts";
import type { PacingSnapshot } from "./types.ts";

export interface ForecastOptions {
  stepMs: number;
  /** Bins ahead that a new dial's verdict may fall in. */
  horizonBins: number;
  graceMs: number;
}

/**
 * Normal approximations of two counting processes over the next `horizonBins` bins: S(k), agents free
 * by bin k (ready now, wrap-ups ending, calls ending and then their wrap-up), and D(k), live answers by
 * bin k from the lines already out. A new dial's person is dropped when fewer agents are free by its
 * verdict plus the grace than people who answered before it.
 */
export class Forecast {
  readonly supplyMean: Float64Array;
  readonly supplyVar: Float64Array;
  readonly demandMean: Float64Array;
  readonly demandVar: Float64Array;
  /** P(a new dial gives a human verdict by bin k). */
  readonly newHumanBy: Float64Array;
  private readonly talkEnds: Float64Array;
  private readonly noWrapEnds: Float64Array;
  private talkEndPmf = new Float64Array(0);
  private talkEndNoWrapPmf = new Float64Array(0);
  private readonly ringingCount: Float64Array;
  private readonly stepMs: number;
  private readonly horizon: number;
  private readonly graceBins: number;

  constructor(options: ForecastOptions, ringBins: number) {
    this.stepMs = options.stepMs;
    this.horizon = options.horizonBins;
    this.graceBins = Math.floor(options.graceMs / options.stepMs);
    const span = this.horizon + this.graceBins + 1;
    this.supplyMean = new Float64Array(span);
    this.supplyVar = new Float64Array(span);
    this.talkEnds = new Float64Array(span);
    this.noWrapEnds = new Float64Array(span);
    this.demandMean = new Float64Array(this.horizon + 1);
    this.demandVar = new Float64Array(this.horizon + 1);
    this.newHumanBy = new Float64Array(this.horizon + 1);
    this.ringingCount = new Float64Array(ringBins);
  }

  /** The share of new dials that reach a person within the horizon. */
  get humanShare(): number {
    return this.newHumanBy[this.horizon];
  }

  learnNewDials(ring: RingModel): void {
    for (let k = 0; k <= this.horizon; k++) this.newHumanBy[k] = ring.ringingHumanBy(0, k);
  }

  /** Per talk bin: P(the call ends in it) and P(it ends in it with no wrap-up after), from `talk`. */
  learnTalk(talk: DurationEstimator): void {
    if (this.talkEndPmf.length !== talk.bins) {
      this.talkEndPmf = new Float64Array(talk.bins);
      this.talkEndNoWrapPmf = new Float64Array(talk.bins);
    }
    for (let k = 0; k < talk.bins; k++) {
      const pmf = talk.survival[k] - talk.survival[k + 1];
      this.talkEndPmf[k] = pmf;
      this.talkEndNoWrapPmf[k] = pmf * talk.flaggedShare[k];
    }
  }

  /** Fills the supply forecast; `learnTalk` must have seen `talk` since its last rebuild. */
  supply(snapshot: PacingSnapshot, talk: DurationEstimator, wrap: DurationEstimator): void {
    const { supplyMean: mean, supplyVar: variance, talkEnds, noWrapEnds, stepMs } = this;
    const { talkEndPmf, talkEndNoWrapPmf } = this;
    const span = mean.length;
    const wrapSurvival = wrap.survival;
    const wrapBins = wrap.bins;
    let ready = 0;
    mean.fill(0);
    variance.fill(0);
    talkEnds.fill(0);
    noWrapEnds.fill(0);
    for (const agent of snapshot.agents) {
      if (agent.state === "ready") ready++;
      else if (agent.state === "wrap_up") {
        // The law's last bin holds every wrap-up that lasted that long, however much longer: it says
        // nothing of when they end. An agent in it or past it is not foreseen free (read off that bin,
        // one 650 s into a 900 s wrap-up was counted free within the second), nor is an end there.
        const last = wrapBins - 1;
        const elapsed = (snapshot.now - agent.since) / stepMs;
        if (elapsed >= last) continue;
        // The law is by whole bins: read it between the two bins around the exact elapsed time.
        const e = Math.floor(elapsed);
        const part = elapsed - e;
        const at = (bin: number) => {
          const lo = wrapSurvival[Math.min(bin, last)];
          return lo + (wrapSurvival[Math.min(bin + 1, last)] - lo) * part;
        };
        const base = at(e);
        if (base < 1e-12) {
          for (let k = 0; k < span; k++) mean[k] += 1;
          continue;
        }
        const inverse = 1 / base;
        for (let k = 0; k < span; k++) {
          const g = 1 - at(e + k) * inverse;
          mean[k] += g;
          variance[k] += g * (1 - g);
        }
      } else if (agent.state === "on_call") {
        const e = Math.min(talk.bins - 1, Math.floor((snapshot.now - agent.since) / stepMs));
        const inverse = 1 / talk.survival[e];
        const end = Math.min(span, talk.bins - e);
        for (let j = 0; j < end; j++) {
          talkEnds[j] += talkEndPmf[e + j] * inverse;
          noWrapEnds[j] += talkEndNoWrapPmf[e + j] * inverse;
        }
      }
    }
    // A call that ends in bin j frees its agent at once when no wrap-up follows (an answering machine
    // AMD missed, say), else by bin k if the wrap-up takes at most k − j bins.
    let freedAtOnce = 0;
    for (let k = 0; k < span; k++) {
      freedAtOnce += noWrapEnds[k];
      let released = freedAtOnce;
      for (let j = 0; j <= k; j++) {
        const wrapped = talkEnds[j] - noWrapEnds[j];
        if (wrapped > 0) released += wrapped * (1 - wrapSurvival[Math.min(k - j, wrapBins)]);
      }
      // Each talking agent frees with a small chance, so a Poisson variance (slightly on the safe side).
      mean[k] += ready + released;
      variance[k] += released;
    }
  }

  demand(snapshot: PacingSnapshot, ring: RingModel): void {
    const { demandMean: mean, demandVar: variance, ringingCount, stepMs, horizon } = this;
    mean.fill(0);
    variance.fill(0);
    ringingCount.fill(0);
    let waiting = 0;
    for (const line of snapshot.lines) {
      const elapsed = (snapshot.now - line.dialedAt) / stepMs;
      const e = Math.floor(elapsed);
      if (line.stage === "waiting") waiting++;
      else if (line.stage === "ringing" && elapsed < 0) {
        // Claimed, waiting for its calls-per-second slot: it rings like a new dial, from its slot on.
        const delay = Math.ceil(-elapsed);
        for (let k = delay; k <= horizon; k++) {
          const q = this.newHumanBy[k - delay];
          mean[k] += q;
          variance[k] += q * (1 - q);
        }
      } else if (line.stage === "ringing") {
        // Shared between the bins either side of its exact age, as the table is by whole bins.
        const part = elapsed - e;
        if (e < ring.bins) ringingCount[e] += 1 - part;
        if (e + 1 < ring.bins) ringingCount[e + 1] += part;
      } else {
        const a = Math.floor(((line.answeredAt ?? line.dialedAt) - line.dialedAt) / stepMs);
        for (let k = 0; k <= horizon; k++) {
          const q = ring.answeredHumanBy(a, e, e + k);
          mean[k] += q;
          variance[k] += q * (1 - q);
        }
      }
    }
    // Lines dialed in the same bin share their odds, so they are summed per bin.
    for (let e = 0; e < ring.bins; e++) {
      const count = ringingCount[e];
      if (count === 0) continue;
      for (let k = 0; k <= horizon; k++) {
        const q = ring.ringingHumanBy(e, e + k);
        mean[k] += count * q;
        variance[k] += count * q * (1 - q);
      }
    }
    // A person already waiting takes the first agent to free up.
    if (waiting > 0) for (let k = 0; k <= horizon; k++) mean[k] += waiting;
  }

  /**
   * The chance that the person of a line ringing for `elapsedBins`, if they still answer, finds no agent
   * within the grace: as `dropChance`, with the line's own odds of answering in each coming bin, and the
   * line itself taken out of the people before it. 0 when the line is not expected to answer at all.
   */
  ringingDropChance(elapsedBins: number, ring: RingModel): number {
    const { supplyMean, supplyVar, demandMean, demandVar, graceBins, horizon } = this;
    const e = Math.floor(elapsedBins);
    const share = ring.ringingHumanBy(e, e + horizon);
    if (share <= 1e-6) return 0;
    let drop = 0;
    let previous = 0;
    for (let k = 0; k <= horizon; k++) {
      const by = ring.ringingHumanBy(e, e + k);
      const arriving = by - previous;
      previous = by;
      if (arriving < 1e-7) continue;
      const margin = supplyMean[k + graceBins] - (demandMean[k] - by);
      const spread = supplyVar[k + graceBins] + demandVar[k] - by * (1 - by) + 0.05;
      drop += arriving * normalCdf((0.5 - margin) / Math.sqrt(Math.max(spread, 0.05)));
    }
    return drop / share;
  }

  /**
   * The chance that the count-th new dial of this decision, if it reaches a person, finds no agent
   * within the grace: agents free by its verdict + grace, less the people before it (old lines and,
   * with their own odds, the other new dials).
   */
  dropChance(count: number): number {
    const { supplyMean, supplyVar, demandMean, demandVar, newHumanBy, graceBins, horizon } = this;
    const others = count - 1;
    const share = newHumanBy[horizon];
    if (share <= 0) return 0;
    let drop = 0;
    let previous = 0;
    for (let k = 0; k <= horizon; k++) {
      const by = newHumanBy[k];
      const arriving = by - previous;
      previous = by;
      if (arriving < 1e-5) continue;
      const margin = supplyMean[k + graceBins] - demandMean[k] - others * by;
      // The small constant keeps a near-certain forecast from claiming certainty.
      const spread = supplyVar[k + graceBins] + demandVar[k] + others * by * (1 - by) + 0.05;
      drop += arriving * normalCdf((0.5 - margin) / Math.sqrt(spread));
    }
    return drop / share;
  }
}
