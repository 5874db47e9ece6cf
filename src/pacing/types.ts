// pacing/ owns how many calls to place now: the snapshot a pacer reads, the results it learns from, and
// the pacer interface. It must not touch the store, telephony or the clock itself; callers pass `now`.

/** How a campaign decides when to dial. Robot campaigns (no agents) are paced by concurrency/cps instead. */
export type DialMethod = "preview" | "progressive" | "power" | "predictive";

/** An agent's state as the engine tracks it; only `ready` agents can take a new call. */
export type AgentState = "ready" | "reserved" | "on_call" | "wrap_up" | "paused";

export interface AgentView {
  readonly state: AgentState;
  /** When the agent entered this state (ms, the caller's clock): elapsed in state = now − since. */
  readonly since: number;
}

/**
 * A dialed call not yet handed to an agent or ended: `ringing` (no answer yet), `answered` (AMD is
 * listening) or `waiting` (a live person waiting for an agent within the grace).
 */
export type LineStage = "ringing" | "answered" | "waiting";

export interface LineView {
  readonly stage: LineStage;
  /** When it was dialed (ms): elapsed since dial = now − dialedAt. */
  readonly dialedAt: number;
  /** When the far end answered (ms), or null while it rings. */
  readonly answeredAt: number | null;
  /** When the far end began ringing (ms), where the telephony reported it; null or absent otherwise. */
  readonly ringingAt?: number | null;
  /** false: the caller cannot hang this line up unanswered safely (it cannot tell a pickup while AMD
   *  listens, say), so a pacer must not count on releasing it. */
  readonly releasable?: boolean;
}

/** What a pacer sees at one decision. Arrays are read during `decide` only, never kept. */
export interface PacingSnapshot {
  readonly now: number;
  readonly agents: ReadonlyArray<AgentView>;
  readonly lines: ReadonlyArray<LineView>;
}

/** What the engine saw of a call: the AMD verdict for answered calls, the network result otherwise. */
export type DialOutcome = "human" | "machine" | "no_answer" | "busy" | "failed";

export interface DialResult {
  readonly now: number;
  readonly outcome: DialOutcome;
  /** Dial → answer for answered calls; dial → resolution otherwise. */
  readonly ringMs: number;
  /** Answer → AMD verdict, for answered calls. */
  readonly amdMs?: number;
  /** The pacer hung the line up (see Pacer.releases) after `ringMs`: it had not answered by then, and
   *  what it would have done is unknown. Only with outcome `no_answer`. */
  readonly censored?: boolean;
}

export type AbandonCause = "no_agent" | "amd_false_positive";

/** The feedback an engine (or the simulator) gives a pacer, all optional for the pacers that ignore it. */
export interface PacerFeedback {
  onDialResult?(result: DialResult): void;
  /** `wrapUp: false` when the agent goes straight back to ready (e.g. the call was a machine). */
  onTalkEnded?(event: { now: number; talkMs: number; wrapUp: boolean }): void;
  /**
   * `censored` when the wrap-up was cut off rather than ended with the agent free: the agent logged out
   * or paused. It lasted at least `wrapMs`; how much longer it would have taken is not known.
   */
  onWrapEnded?(event: { now: number; wrapMs: number; censored?: boolean }): void;
  onAbandon?(event: { now: number; cause: AbandonCause }): void;
}

/** What a model-based pacer's last decision rested on, for the pacing view (VICIdial's adaptive log). */
export interface PacerInsight {
  /** "model": the forecast decided; "fallback": a window is over the abandonment target, so progressive. */
  readonly mode: "model" | "fallback";
  /** The drop chance the outer loop let the last dial of a decision have. */
  readonly threshold: number;
  /** The forecast drop chance of the last dial the model placed beyond progressive, if it placed one. */
  readonly lastDialDropChance: number | null;
  /** The forecast drop chance of one more dial, the one it did not place (null: at the lines cap). */
  readonly nextDialDropChance: number | null;
  /** Share of new dials expected to reach a person (within the forecast's horizon). */
  readonly humanShare: number;
  readonly meanTalkMs: number;
  readonly meanWrapMs: number;
  /** Observations behind the estimates, net of fading (priors fade as these grow). */
  readonly dialResults: number;
  readonly talks: number;
  readonly wrapUps: number;
  /** Drops that happened per drop the forecast predicted (1 = the forecast is right). */
  readonly calibration: number;
}

export interface Pacer extends PacerFeedback {
  readonly method: DialMethod;
  /** The last decision's basis; only model-based pacers have one. */
  insight?(): PacerInsight;
  /**
   * How many new dials to place now. For `preview` it is how many ready agents get a contact to preview
   * (each such agent is then reserved for its call); for the others the calls go to whichever agent is
   * ready when a live person answers.
   */
  decide(snapshot: PacingSnapshot): number;
  /**
   * Lines of the last `decide`'s snapshot to hang up now, unanswered: each has rung at least the legal
   * minimum, and its person, should they still answer, would probably find no agent. Read right after
   * `decide`; the caller hangs them up and reports each as a no-answer.
   */
  releases?(): ReadonlyArray<LineView>;
  /** How many of the last `decide`'s dials were placed (concurrency, calls per second or a lack of
   *  contacts may hold some back); called after each decision, before the next. */
  placed?(dials: number): void;
}

export function countAgents(agents: ReadonlyArray<AgentView>, state: AgentState): number {
  let n = 0;
  for (const a of agents) if (a.state === state) n++;
  return n;
}

export function loggedInAgents(agents: ReadonlyArray<AgentView>): number {
  let n = 0;
  for (const a of agents) if (a.state !== "paused") n++;
  return n;
}
