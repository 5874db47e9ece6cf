// Whether this node's claims are still its own. Another node's sweep records as lost the attempts of a node
// whose heartbeat (node_heartbeats.alive_until) lapsed, and gives their contacts on: a claim made before
// such a lapse may have been taken, whatever this node has renewed since. Owns no timer and no write (the
// engine renews the heartbeat and reports each renewal here); the dispatcher asks before it dials.

export class HeartbeatHold {
  /** The alive_until of the last renewal that committed. */
  private aliveUntil = Number.NEGATIVE_INFINITY;
  /** Counts runs of renewals without a gap between them: a claim keeps the run it was made in. */
  private currentRun = 0;

  /** The run a claim starting now belongs to (taken before its transaction, so a lapse during it counts). */
  get run(): number {
    return this.currentRun;
  }

  /** A renewal to `aliveUntil` committed by `committedAt`. Committed after the previous one had lapsed, it
   *  starts a new run: a sweep may have taken what the node held in between. */
  renewed(aliveUntil: number, committedAt: number): void {
    if (committedAt >= this.aliveUntil) this.currentRun++;
    this.aliveUntil = aliveUntil;
  }

  /** The wall clock was stepped back `stepMs` (dispatcher.ts clockWentBack): the renewal's alive_until,
   *  reckoned on the old reading, holds as long as it did, not for the step longer. */
  clockWentBack(stepMs: number): void {
    this.aliveUntil -= stepMs;
  }

  /** Whether a claim made in `run` is still this node's at `now`. */
  holds(run: number, now: number): boolean {
    return run === this.currentRun && now < this.aliveUntil;
  }
}
