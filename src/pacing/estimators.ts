// pacing/estimators owns what the predictive pacer learns online: talk and wrap-up laws (with censoring)
// and when lines turn into live answers. Fed results by the caller; it must not touch the store or clock.

/** Bins of `stepMs`; a duration d falls in bin floor(d / stepMs), capped at the last bin. */
function binOf(ms: number, stepMs: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(ms / stepMs)));
}

/**
 * Exponential forgetting without touching old counts: each new observation weighs 1/(1 − 1/memory)
 * times the one before, and readers divide by the current unit. Counts are rescaled once in a while
 * so the weights stay finite.
 */
class Fading {
  unit = 1;
  private total = 0;
  private readonly growth: number;

  constructor(memory: number) {
    this.growth = 1 / (1 - 1 / memory);
  }

  /** Observations so far, net of fading. */
  get count(): number {
    return this.total / this.unit;
  }

  /** Takes the state of `other`, whose counts are being copied in its units. */
  copy(other: Fading): void {
    this.unit = other.unit;
    this.total = other.total;
  }

  /** Counts pseudo-observations of the given weight, made before any real one. */
  addPrior(weight: number): void {
    this.total += weight;
  }

  /** The weight of a new observation; `arrays` are the counts to rescale when the weights grow large. */
  add(arrays: Float64Array[]): number {
    if (this.unit > 1e50) {
      for (const a of arrays) for (let i = 0; i < a.length; i++) a[i] /= this.unit;
      this.total /= this.unit;
      this.unit = 1;
    }
    const weight = this.unit;
    this.total += weight;
    this.unit *= this.growth;
    return weight;
  }
}

export interface DurationEstimatorOptions {
  stepMs: number;
  maxMs: number;
  /** Observations remembered: each older one weighs (1 − 1/memory) times the next. */
  memory: number;
  /** A prior law as pseudo-observations that never fade, so sparse tails stay sane. */
  prior: { weight: number; cdf: (ms: number) => number };
}

/**
 * A duration law estimated by Kaplan–Meier on a fixed grid. Calls still in progress count as censored
 * observations, so early in a shift the long calls nobody has finished yet do not bias the law short;
 * so do those whose end will never be seen (`observeCensored`: the agent logged out in wrap-up, say).
 * Observations may carry a flag (for talk: no wrap-up followed), whose share is kept per bin.
 */
export class DurationEstimator {
  readonly bins: number;
  /** survival[k] = P(duration ≥ k · stepMs), k = 0…bins. */
  readonly survival: Float64Array;
  /** Per bin: the share of the durations ending there that were flagged. */
  readonly flaggedShare: Float64Array;
  /** The law's mean as last rebuilt (the area under its survival curve). */
  meanMs = 0;
  private readonly done: Float64Array;
  private readonly flagged: Float64Array;
  private readonly priorDone: Float64Array;
  private readonly priorAtRisk: Float64Array;
  private readonly censored: Float64Array;
  /** Censored observations that ended unseen, faded like `done`, by the same bins as `censored`. */
  private readonly lost: Float64Array;
  private readonly atRisk: Float64Array;
  private readonly fading: Fading;

  constructor(private readonly options: DurationEstimatorOptions) {
    const bins = Math.ceil(options.maxMs / options.stepMs);
    this.bins = bins;
    this.survival = new Float64Array(bins + 1);
    this.flaggedShare = new Float64Array(bins);
    this.done = new Float64Array(bins);
    this.flagged = new Float64Array(bins);
    this.priorDone = new Float64Array(bins);
    this.priorAtRisk = new Float64Array(bins);
    this.censored = new Float64Array(bins + 1);
    this.lost = new Float64Array(bins + 1);
    this.atRisk = new Float64Array(bins);
    this.fading = new Fading(options.memory);
    const { weight, cdf } = options.prior;
    for (let k = 0; k < bins; k++) {
      const lo = cdf(k * options.stepMs);
      const hi = k === bins - 1 ? 1 : cdf((k + 1) * options.stepMs);
      this.priorAtRisk[k] = weight * (1 - lo);
      this.priorDone[k] = weight * (hi - lo);
    }
    this.rebuild([]);
  }

  /** Observations, ended and censored, net of fading. */
  get observations(): number {
    return this.fading.count;
  }

  observe(durationMs: number, flagged = false): void {
    const weight = this.fading.add([this.done, this.flagged, this.lost]);
    const bin = binOf(durationMs, this.options.stepMs, this.bins);
    this.done[bin] += weight;
    if (flagged) this.flagged[bin] += weight;
  }

  /**
   * A duration known only to have lasted at least `elapsedMs`: its end will not be seen. Like a call in
   * progress, it is at risk through the bins it came through and never counts as ended: counting it
   * ended (or dropping it) would bias the law short, as those cut off are the ones still going.
   */
  observeCensored(elapsedMs: number): void {
    const weight = this.fading.add([this.done, this.flagged, this.lost]);
    this.lost[Math.min(this.bins, Math.max(0, Math.floor(elapsedMs / this.options.stepMs)))] += weight;
  }

  /**
   * Replaces what this law learned with what `previous` (same step, its own range) learned; this law's
   * prior stays. Durations past this range fold into its last bin, as `observe` folds them. Those that
   * `previous` folded into its own last bin, when this law reaches further, are known only to have
   * lasted that long: they count as censored there, not as ending there.
   */
  takeOver(previous: DurationEstimator): void {
    if (previous.options.stepMs !== this.options.stepMs) throw new RangeError("laws of different steps");
    const { bins, done, flagged, lost } = this;
    done.fill(0);
    flagged.fill(0);
    lost.fill(0);
    this.fading.copy(previous.fading);
    const folded = previous.bins - 1;
    for (let k = 0; k < previous.bins; k++) {
      if (k === folded && bins > previous.bins) {
        lost[k] += previous.done[k];
        continue;
      }
      done[Math.min(k, bins - 1)] += previous.done[k];
      flagged[Math.min(k, bins - 1)] += previous.flagged[k];
    }
    for (let k = 0; k <= previous.bins; k++) lost[Math.min(k, bins)] += previous.lost[k];
    this.rebuild([]);
  }

  /** Recomputes `survival`, with the elapsed times of the calls still in progress as censored data. */
  rebuild(ongoingElapsedMs: Iterable<number>): void {
    const { flagged, flaggedShare, survival } = this;
    const scale = 1 / this.fading.unit;
    survival[0] = 1;
    this.meanMs = this.kaplanMeier(ongoingElapsedMs, (k, ended, next) => {
      // One unflagged pseudo-observation per bin: a flag seen once does not make a bin certain.
      flaggedShare[k] = (flagged[k] * scale) / (ended + 1);
      survival[k + 1] = next;
    });
  }

  /**
   * The mean a rebuild now would give, leaving the law as last rebuilt: what a pacer decides on is rebuilt
   * on its own cadence, and a view of what it learned must not move it.
   */
  currentMeanMs(ongoingElapsedMs: Iterable<number>): number {
    return this.kaplanMeier(ongoingElapsedMs, () => {});
  }

  /** Walks the Kaplan–Meier survival over the bins, giving `each` every bin's ended count and the survival
   *  past it; returns the law's mean (the area under the curve). Writes only its scratch arrays. */
  private kaplanMeier(
    ongoingElapsedMs: Iterable<number>,
    each: (bin: number, ended: number, survivalAfter: number) => void,
  ): number {
    const { bins, done, censored, lost, atRisk } = this;
    const scale = 1 / this.fading.unit;
    // censored[k]: calls in progress (or cut off) that have come through bins 0…k−1 but not yet bin k.
    for (let k = 0; k <= bins; k++) censored[k] = lost[k] * scale;
    for (const ms of ongoingElapsedMs) censored[Math.min(bins, Math.floor(ms / this.options.stepMs))] += 1;
    let laterDone = 0;
    let laterCensored = censored[bins];
    for (let k = bins - 1; k >= 0; k--) {
      laterDone += done[k] * scale;
      atRisk[k] = laterDone + laterCensored;
      laterCensored += censored[k];
    }
    let survival = 1;
    let area = 0;
    for (let k = 0; k < bins; k++) {
      const ended = done[k] * scale;
      const risk = atRisk[k] + this.priorAtRisk[k];
      const hazard = risk > 0 ? Math.min(1, (ended + this.priorDone[k]) / risk) : 1;
      const next = survival * (1 - hazard);
      each(k, ended, next);
      area += survival + next;
      survival = next;
    }
    return (area / 2) * this.options.stepMs;
  }
}

export interface RingModelOptions {
  stepMs: number;
  /** Dial → verdict times beyond this are folded into the last bin. */
  maxMs: number;
  memory: number;
  /**
   * Pseudo-results the model starts from, fading like real ones: `humanShare` of them human verdicts
   * answered uniformly within `humanAnswerMs` (verdict `amdMs` later), the rest unanswered lines ending
   * uniformly within `otherEndMs`.
   */
  prior?: {
    results: number;
    humanShare: number;
    humanAnswerMs: [number, number];
    amdMs: number;
    otherEndMs: [number, number];
  };
}

/**
 * When a dial turns into a live answer that needs an agent: joint counts of (answer bin, verdict bin)
 * for human and machine verdicts, and when every line stopped ringing. From them, for a line that has
 * rung a while or was answered at a given time, the chance its human verdict falls in each coming bin.
 */
export class RingModel {
  readonly bins: number;
  private readonly human: Float64Array;
  private readonly machine: Float64Array;
  /** Dial → answer or resolution, every result. */
  private readonly ringEnd: Float64Array;
  /** Lines hung up unanswered while they rang (released): at risk until then, their end unknown. */
  private readonly censored: Float64Array;
  private readonly fading: Fading;
  /** ringingTable[e · bins + v]: P(human verdict by bin v | still ringing at bin e). */
  private readonly ringingTable: Float64Array;
  /** Cumulative counts over verdict bins, per answer bin. */
  private readonly humanCum: Float64Array;
  private readonly machineCum: Float64Array;
  private readonly humanAtOrAfter: Float64Array;

  constructor(private readonly options: RingModelOptions) {
    const bins = Math.ceil(options.maxMs / options.stepMs);
    this.bins = bins;
    this.human = new Float64Array(bins * bins);
    this.machine = new Float64Array(bins * bins);
    this.ringEnd = new Float64Array(bins);
    this.censored = new Float64Array(bins);
    this.ringingTable = new Float64Array(bins * bins);
    this.humanCum = new Float64Array(bins * bins);
    this.machineCum = new Float64Array(bins * bins);
    this.humanAtOrAfter = new Float64Array(bins);
    this.fading = new Fading(options.memory);
    const prior = options.prior;
    if (prior) {
      // Spread evenly over the ranges, one pseudo-result per bin's worth of time.
      const spread = (range: [number, number], total: number, add: (ms: number, weight: number) => void) => {
        const n = Math.max(1, Math.round((range[1] - range[0]) / options.stepMs));
        for (let i = 0; i < n; i++) add(range[0] + ((i + 0.5) * (range[1] - range[0])) / n, total / n);
      };
      const humans = prior.results * prior.humanShare;
      spread(prior.humanAnswerMs, humans, (ms, w) => this.seed("human", ms, prior.amdMs, w));
      spread(prior.otherEndMs, prior.results - humans, (ms, w) => this.seed("other", ms, 0, w));
      this.rebuild();
    }
  }

  private seed(outcome: "human" | "other", ringMs: number, amdMs: number, weight: number): void {
    const { stepMs } = this.options;
    const answer = binOf(ringMs, stepMs, this.bins);
    this.fading.addPrior(weight);
    this.ringEnd[answer] += weight;
    if (outcome === "human")
      this.human[answer * this.bins + binOf(ringMs + amdMs, stepMs, this.bins)] += weight;
  }

  /** Results seen, net of fading. */
  get results(): number {
    return this.fading.count;
  }

  observe(outcome: "human" | "machine" | "other", ringMs: number, amdMs = 0): void {
    const weight = this.fading.add([this.human, this.machine, this.ringEnd, this.censored]);
    const { stepMs } = this.options;
    const answer = binOf(ringMs, stepMs, this.bins);
    this.ringEnd[answer] += weight;
    if (outcome === "other") return;
    const verdict = binOf(ringMs + amdMs, stepMs, this.bins);
    (outcome === "human" ? this.human : this.machine)[answer * this.bins + verdict] += weight;
  }

  /** A line hung up unanswered after ringing `ringMs`: it had not answered by then; what it would have done
   *  is unknown, so it counts as still ringing up to then and no further (Kaplan–Meier censoring). */
  observeCensored(ringMs: number): void {
    const weight = this.fading.add([this.human, this.machine, this.ringEnd, this.censored]);
    this.censored[binOf(ringMs, this.options.stepMs, this.bins)] += weight;
  }

  /** Replaces what this model learned (its prior included) with what `previous`, of the same bins, learned. */
  takeOver(previous: RingModel): void {
    if (previous.bins !== this.bins || previous.options.stepMs !== this.options.stepMs) {
      throw new RangeError("ring models of different bins");
    }
    this.human.set(previous.human);
    this.machine.set(previous.machine);
    this.ringEnd.set(previous.ringEnd);
    this.censored.set(previous.censored);
    this.fading.copy(previous.fading);
    this.rebuild();
  }

  rebuild(): void {
    const B = this.bins;
    const { human, machine, humanCum, machineCum, ringingTable, humanAtOrAfter } = this;
    for (let a = 0; a < B; a++) {
      let h = 0;
      let m = 0;
      for (let v = a; v < B; v++) {
        h += human[a * B + v];
        m += machine[a * B + v];
        humanCum[a * B + v] = h;
        machineCum[a * B + v] = m;
      }
    }
    // P(human verdict by v | ringing at e) = Σ over answer bins a ≥ e of S(a)/S(e) · human[a][≤ v] / R(a),
    // with R(a) the lines at risk in bin a (ended in it or later, or censored in it or later) and S the
    // Kaplan–Meier survival of ringing. Without censored lines this is Σ human[a][≤ v] / R(e), the plain
    // share. Walking e downwards keeps humanAtOrAfter[v] = Σ over a ≥ e of S(a) · human[a][v] / R(a).
    const { atRisk, survival } = this.ringing();
    humanAtOrAfter.fill(0);
    for (let e = B - 1; e >= 0; e--) {
      if (atRisk[e] > 0) {
        const w = survival[e] / atRisk[e];
        for (let v = e; v < B; v++) humanAtOrAfter[v] += human[e * B + v] * w;
      }
      const s = survival[e];
      let cum = 0;
      for (let v = 0; v < B; v++) {
        cum += humanAtOrAfter[v];
        ringingTable[e * B + v] = s > 0 && atRisk[e] > 0 ? cum / s : 0;
      }
    }
  }

  /**
   * P(a new dial gives a human verdict by bin v) from the results as they stand, leaving the tables as last
   * rebuilt (a view of what was learned must not move what a pacer decides on): ringingHumanBy(0, v) of a
   * rebuild now, summed in another order.
   */
  currentNewHumanBy(v: number): number {
    const B = this.bins;
    const last = Math.min(v, B - 1);
    const { atRisk, survival } = this.ringing();
    let p = 0;
    for (let a = 0; a < B; a++) {
      if (!(atRisk[a] > 0)) continue;
      const w = survival[a] / atRisk[a];
      for (let u = a; u <= last; u++) p += this.human[a * B + u] * w;
    }
    return atRisk[0] > 0 ? p : 0;
  }

  /** Per answer bin a: the lines at risk in it (ended in it or later, or censored in it or later), and the
   *  Kaplan–Meier survival of ringing up to it. */
  private ringing(): { atRisk: Float64Array; survival: Float64Array } {
    const B = this.bins;
    const { ringEnd, censored } = this;
    const atRisk = new Float64Array(B + 1);
    for (let a = B - 1; a >= 0; a--) atRisk[a] = atRisk[a + 1] + ringEnd[a] + censored[a];
    const survival = new Float64Array(B + 1);
    survival[0] = 1;
    for (let a = 0; a < B; a++) {
      // (atRisk[a + 1] + censored[a]) / atRisk[a] is 1 − ringEnd[a] / atRisk[a] without its rounding to 0.
      survival[a + 1] =
        atRisk[a] > 0 ? (survival[a] * (atRisk[a + 1] + censored[a])) / atRisk[a] : survival[a];
    }
    return { atRisk, survival };
  }

  /** P(a line ringing in bin e gives a human verdict by bin v); 0 past the table. */
  ringingHumanBy(e: number, v: number): number {
    if (e >= this.bins) return 0;
    return this.ringingTable[e * this.bins + Math.min(v, this.bins - 1)];
  }

  /**
   * P(a line answered in bin a and still waiting for its verdict in bin e gives a human verdict by
   * bin v). With no data for that answer bin, assume a person whose verdict is imminent.
   */
  answeredHumanBy(a: number, e: number, v: number): number {
    const B = this.bins;
    a = Math.min(a, B - 1);
    e = Math.min(Math.max(e, a), B - 1);
    v = Math.min(v, B - 1);
    const row = a * B;
    const humanBefore = e > a ? this.humanCum[row + e - 1] : 0;
    const machineBefore = e > a ? this.machineCum[row + e - 1] : 0;
    const left = this.humanCum[row + B - 1] - humanBefore + this.machineCum[row + B - 1] - machineBefore;
    if (left <= 0) return 1;
    return (this.humanCum[row + v] - humanBefore) / left;
  }
}
