// pacing/ owns how many calls to place now: the dial methods and the abandonment tracker they answer
// to. It must not touch the store, telephony or the clock itself; callers pass `now` and snapshots.

export {
  type AbandonCounts,
  AbandonTracker,
  type AbandonWindow,
  type AnswerEvent,
  type LiveAnswerFate,
  type Tally,
} from "./abandon-tracker.ts";
export { type PredictiveMode, type PredictiveOptions, PredictivePacer } from "./predictive.ts";
export { PowerPacer, PreviewPacer, ProgressivePacer } from "./simple.ts";
export * from "./types.ts";

import type { AbandonTracker } from "./abandon-tracker.ts";
import { type PredictiveOptions, PredictivePacer } from "./predictive.ts";
import { PowerPacer, PreviewPacer, ProgressivePacer } from "./simple.ts";
import type { DialMethod, Pacer } from "./types.ts";

export interface PacerSettings {
  tracker: AbandonTracker;
  /** Power: lines per ready agent. */
  powerRatio?: number;
  maxLinesPerAgent?: number;
  /** How long a live answer may wait for an agent before it is abandoned (default 2 s). */
  graceMs?: number;
  /** Predictive: see PredictiveOptions.releaseAfterRingMs. */
  releaseAfterRingMs?: number | null;
  /** Predictive: the campaign's timed wrap-up (see PredictiveOptions.wrapUpMs). */
  wrapUpMs?: number | null;
  /** Predictive, for studies: the outer loop's options (see DropBudgetOptions). */
  budget?: PredictiveOptions["budget"];
  /** The pacer this one replaces (the campaign's settings changed): a predictive one carries over what
   *  the previous predictive one learned (see PredictivePacer.carryOver). */
  previous?: Pacer | null;
}

export function createPacer(method: DialMethod, settings: PacerSettings): Pacer {
  switch (method) {
    case "preview":
      return new PreviewPacer();
    case "progressive":
      return new ProgressivePacer();
    case "power":
      return new PowerPacer({
        ratio: settings.powerRatio ?? 1.5,
        maxLinesPerAgent: settings.maxLinesPerAgent,
        tracker: settings.tracker,
      });
    case "predictive": {
      const pacer = new PredictivePacer({
        tracker: settings.tracker,
        graceMs: settings.graceMs,
        maxLinesPerAgent: settings.maxLinesPerAgent,
        releaseAfterRingMs: settings.releaseAfterRingMs,
        wrapUpMs: settings.wrapUpMs,
        budget: settings.budget,
      });
      if (settings.previous) pacer.carryOver(settings.previous);
      return pacer;
    }
  }
}
