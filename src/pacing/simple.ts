// pacing/simple owns the pacers that need no model: preview, progressive and power. They count agents
// and lines in the snapshot; they must not touch the store, telephony or the clock.

import type { AbandonTracker } from "./abandon-tracker.ts";
import { countAgents, loggedInAgents, type Pacer, type PacingSnapshot } from "./types.ts";

/** One line per ready agent, counting the lines already out: a live answer always finds an agent. */
export function progressiveDials(snapshot: PacingSnapshot): number {
  return Math.max(0, countAgents(snapshot.agents, "ready") - snapshot.lines.length);
}

export class ProgressivePacer implements Pacer {
  readonly method = "progressive";
  decide(snapshot: PacingSnapshot): number {
    return progressiveDials(snapshot);
  }
}

/** Each ready agent asks for a contact; the engine reserves that agent for the call it previews. */
export class PreviewPacer implements Pacer {
  readonly method = "preview";
  decide(snapshot: PacingSnapshot): number {
    return countAgents(snapshot.agents, "ready");
  }
}

export interface PowerOptions {
  /** Lines per ready agent, fractional allowed (1.5 = three lines for two ready agents). */
  ratio: number;
  /** Never more lines out than this many per logged-in agent. */
  maxLinesPerAgent?: number;
  /** The campaign's abandonment: over its target in any window, the ratio gives way to progressive, as
   *  predictive's model does (the legal limit holds whatever the dial method). */
  tracker?: AbandonTracker;
}

/**
 * A fixed ratio of lines to ready agents, counting the lines already out. A fractional ratio holds on
 * average: agents usually free up one at a time, and rounding 1.2 × 1 ready agent every time would make
 * any ratio under 1.5 progressive. The fraction left over when lines are placed is carried to the next
 * placing decision (error diffusion): 1.2 gives 1, 1, 1, 1, 2 lines for one ready agent.
 */
export class PowerPacer implements Pacer {
  readonly method = "power";
  private carry = 0;
  constructor(private readonly options: PowerOptions) {
    if (!(options.ratio >= 1)) throw new RangeError("power ratio must be ≥ 1");
  }

  decide(snapshot: PacingSnapshot): number {
    // Over the target in any window, at once (no model here that a few early answers could mislead).
    if (this.options.tracker?.isOverTarget(snapshot.now)) {
      this.carry = 0;
      return progressiveDials(snapshot);
    }
    const ready = countAgents(snapshot.agents, "ready");
    const cap = Math.floor((this.options.maxLinesPerAgent ?? Infinity) * loggedInAgents(snapshot.agents));
    const base = this.options.ratio * ready;
    // The fraction carried is owed to a decision that places lines for agents not dialed for yet: one that
    // comes while the lines already placed for these agents still ring (the engine decides on every event)
    // would pay it twice, and 1.5 would dial 2 lines per agent freed.
    const owed = snapshot.lines.length < Math.floor(base + 1e-9) ? this.carry : 0;
    const target = base + owed;
    const wanted = Math.min(Math.floor(target + 1e-9), cap);
    const placed = Math.max(0, wanted - snapshot.lines.length);
    // Only a fraction is owed: lines the cap withheld are not made up later.
    if (placed > 0) this.carry = wanted === cap ? 0 : Math.max(0, target - wanted);
    return placed;
  }
}
