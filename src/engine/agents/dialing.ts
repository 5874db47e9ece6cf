// Dialing for agents: how many lines a campaign's agents want now (its pacer over a snapshot of agents and
// lines), and what happens to each line — a live answer goes to a ready agent or waits for one within
// the grace, after which it is abandoned (a message, then hangup); the agent's call ends in timed wrap-up.
// Each live answer's fate goes to the campaign's abandonment tracker, which the predictive pacer answers to.
import type { Clock, TimerHandle } from "../../clock/clock.ts";
import { amdFalsePositiveShare, type CampaignSettings } from "../../model/campaign-settings.ts";
import {
  AbandonTracker,
  type AbandonWindow,
  type AgentView,
  type AnswerEvent,
  createPacer,
  type DialOutcome,
  type LineView,
  type Pacer,
  type PacerInsight,
  type Tally,
} from "../../pacing/index.ts";
import type { CallEnded, TelephonyDriver } from "../../telephony/driver.ts";
import type { CampaignRuntime } from "../campaign-runtime.ts";
import { type LiveCall, voicemailOf } from "../outcomes.ts";
import type { AgentBoard, ContactCard, LiveAgent } from "./board.ts";

/** How often a predictive campaign with agents looks again: its forecast moves with time, not just events. */
const PREDICTIVE_STEP_MS = 500;
/** Decisions kept for the pacing view: those that placed lines or changed the pacer's mode. */
const DECISION_LOG = 100;
/** How long an abandoned call's hang-up waits for the abandonment's write. The write takes a millisecond or
 *  two; a database slow to answer (a failover) must not leave the person listening to silence. */
const ABANDON_WRITE_WAIT_MS = 1000;

/** Puts an abandonment on record in the store (the dispatcher's: DispatchStore.recordAbandon). */
export type AbandonWrite = (call: LiveCall, at: number) => Promise<void>;

interface CampaignPacing {
  key: string;
  pacer: Pacer | null;
  /** Lines out and not yet with an agent: ringing, or a live answer waiting. */
  readonly lines: Set<LiveCall>;
  /** Live answers waiting for an agent, oldest first. */
  readonly waiting: LiveCall[];
  /** The latest decision, and the recent ones that dialed or changed mode, oldest first. */
  last: PacingDecision | null;
  /** The latest decision until the dispatcher says how many of its lines it placed. */
  unplaced: PacingDecision | null;
  readonly log: PacingDecision[];
}

/** One pacing decision as the pacing view shows it. */
export interface PacingDecision {
  at: number;
  /** Agents by state, as the pacer saw them (an agent kept for a due personal callback counts as reserved). */
  agents: Record<AgentView["state"], number>;
  /** Lines out without an agent: ringing, answered (AMD listening), a person waiting. */
  lines: Record<LineView["stage"], number>;
  /** Lines the pacer asked for. */
  dials: number;
  /** Lines the dispatcher placed for it (null until it says), and what held back the rest. */
  placed: number | null;
  heldBy: string | null;
  /** What a model-based pacer's decision rested on. */
  insight: PacerInsight | null;
  modeChanged: boolean;
}

/** What the pacing view shows of a campaign on this node. */
export interface PacingView {
  method: string;
  latest: PacingDecision | null;
  /** Newest first. */
  decisions: PacingDecision[];
}

export interface AgentCallState {
  /** The agent reserved for (preview) or connected to the call. */
  agent: LiveAgent | null;
  connectedAt: number | null;
  /** When a live answer began waiting for an agent. */
  waitingSince: number | null;
  waitTimer: TimerHandle | null;
  abandoned: boolean;
  /** The abandonment is on record (recordAbandon committed): a sweep of this attempt recorded it
   *  abandoned, not lost, and a late write of its end corrects that. */
  abandonRecorded: boolean;
}

export interface DialingOptions {
  board: AgentBoard;
  clock: Clock;
  driver: TelephonyDriver;
  /** After a call was connected to an agent (the engine records who took it and how long it waited). */
  onConnect?(call: LiveCall, agent: LiveAgent, waitMs: number): void;
  onError?(err: unknown): void;
}

export class AgentDialing {
  private readonly pacing = new Map<number, CampaignPacing>();
  /** Per campaign: the abandonment tracker, kept across settings changes, seeded from the store. */
  private readonly trackers = new Map<number, AbandonTracker>();
  /** Campaigns whose tracker was made empty on first use, not seeded from the record (a pass that came
   *  before the history was read): the engine's next seeding replaces it. */
  private readonly unseeded = new Set<number>();
  /** Per campaign in an abandonment group: the group's cap (the strictest of its campaigns' targets). */
  private readonly groupTargets = new Map<number, number>();
  private abandonWrite: AbandonWrite | null = null;

  constructor(private readonly o: DialingOptions) {}

  /** Each abandonment is written with `write` before its hang-up (the dispatcher, which owns the store's
   *  dispatch path, gives it); without one, the hang-up goes at once. */
  recordAbandonsWith(write: AbandonWrite): void {
    this.abandonWrite = write;
  }

  tracker(c: CampaignRuntime): AbandonTracker {
    let t = this.trackers.get(c.id);
    if (!t) {
      t = new AbandonTracker();
      this.trackers.set(c.id, t);
      this.unseeded.add(c.id);
    }
    // In a group the pooled rate answers to the group's strictest cap, whatever this campaign's own.
    t.targetRate = Math.min(
      c.settings.targetAbandonRate,
      this.groupTargets.get(c.id) ?? Number.POSITIVE_INFINITY,
    );
    t.falsePositiveShare = amdFalsePositiveShare(c.settings);
    return t;
  }

  hasTracker(campaignId: number): boolean {
    return this.trackers.has(campaignId);
  }

  /** Whether the campaign's tracker holds its record: false with none yet, or with one made on first use. */
  isSeeded(campaignId: number): boolean {
    return this.trackers.has(campaignId) && !this.unseeded.has(campaignId);
  }

  /** Gives the campaign's tracker, if it still has one, its abandonment group's other counts and the group's
   *  cap (null: the campaign is in no group). Never makes one: a campaign dropped meanwhile is rebuilt from
   *  its record at its next start. */
  setGroupCounts(
    campaignId: number,
    others: Record<AbandonWindow, Tally> | null,
    groupTarget: number | null = null,
  ): void {
    const t = this.trackers.get(campaignId);
    if (!t) return;
    t.setOthers(others);
    if (others === null || groupTarget === null) this.groupTargets.delete(campaignId);
    else this.groupTargets.set(campaignId, groupTarget);
  }

  /** Replays the campaign's past live answers (from the store) into a fresh tracker. */
  seed(c: CampaignRuntime, history: { at: number; event: AnswerEvent }[]): void {
    const t = new AbandonTracker();
    for (const h of history) t.record(h.at, h.event);
    this.trackers.set(c.id, t);
    this.unseeded.delete(c.id);
    this.tracker(c); // takes the campaign's target and AMD estimate, as every later use does
    // A pacer made meanwhile (a pass while the history was read) holds the tracker it was given: the
    // campaign's next decision makes a new one, on this tracker.
    const p = this.pacing.get(c.id);
    if (p) p.key = "";
  }

  private pacingOf(c: CampaignRuntime): CampaignPacing {
    const s = c.settings;
    const key = pacerKey(s);
    let p = this.pacing.get(c.id);
    if (!p) {
      p = { key: "", pacer: null, lines: new Set(), waiting: [], last: null, unplaced: null, log: [] };
      this.pacing.set(c.id, p);
    }
    if (p.key !== key) {
      // A new method or ratio starts a new pacer; the lines already out stay counted, and a predictive one
      // keeps what the one before it learned (an edit changes neither the list nor the agents' calls).
      p.key = key;
      p.pacer =
        s.dialMethod === "robot"
          ? null
          : createPacer(s.dialMethod, {
              tracker: this.tracker(c),
              powerRatio: s.powerRatio,
              maxLinesPerAgent: s.maxLinesPerAgent,
              graceMs: s.abandonAfterSec * 1000,
              releaseAfterRingMs: releaseAfterRingMs(s),
              wrapUpMs: s.wrapUpSec * 1000,
              previous: p.pacer,
            });
    }
    return p;
  }

  /** Lines the campaign's agents want dialed now, and when to look again without an event. */
  wanted(c: CampaignRuntime, now: number): { dials: number; wakeAt: number; block: string | null } {
    this.tracker(c); // brings the target and AMD estimate up to the campaign's settings
    const p = this.pacingOf(c);
    const agents = this.o.board.of(c.id);
    if (agents.size === 0) {
      // The view's latest decision says so, rather than show the last agent's.
      if (p.last && sumOf(p.last.agents) > 0) {
        p.last = { ...p.last, at: now, agents: tallyStates([]), dials: 0, placed: null, heldBy: null };
      }
      return { dials: 0, wakeAt: Number.POSITIVE_INFINITY, block: "no_agents" };
    }
    if (c.settings.dialMethod === "preview" || !p.pacer) {
      return { dials: 0, wakeAt: Number.POSITIVE_INFINITY, block: "preview" };
    }
    const lines: LineView[] = [];
    const callOf = new Map<LineView, LiveCall>();
    for (const call of p.lines) {
      if (hungUp(call)) continue;
      // With AMD on, the verdict (answeredAt) comes seconds after the pickup a pickup-reporting driver told.
      const answeredAt = call.pickedUpAt ?? call.answeredAt;
      const line: LineView = {
        stage: call.waitingSince !== null ? "waiting" : answeredAt !== null ? "answered" : "ringing",
        dialedAt: call.startedAt,
        answeredAt,
        ringingAt: call.ringingAt,
        releasable: this.releasable(call),
      };
      lines.push(line);
      callOf.set(line, call);
    }
    // An agent kept for its due personal callback is not ready as far as the pacer is concerned; one taken
    // out of the queue logs out after its call and wrap-up, so it is not counted on to free up.
    const views = [...agents]
      .filter((a) => !a.leaving)
      .map((a) =>
        a.callbackDue && a.state === "ready" ? { state: "reserved" as const, since: a.since } : a,
      );
    const dials = p.pacer.decide({ now, agents: views, lines });
    for (const line of p.pacer.releases?.() ?? []) {
      const call = callOf.get(line);
      // Decided on in this same turn: what made the line releasable still holds.
      if (!call || !line.releasable) continue;
      call.releasedAt = now;
      this.o.driver.hangup(call.callId);
    }
    this.note(p, {
      at: now,
      agents: tallyStates(views),
      lines: tallyStages(lines),
      dials,
      placed: null,
      heldBy: null,
      insight: null,
      modeChanged: false,
    });
    const wakeAt =
      c.settings.dialMethod === "predictive" ? now + PREDICTIVE_STEP_MS : Number.POSITIVE_INFINITY;
    return { dials, wakeAt, block: dials > 0 ? null : "agents_busy" };
  }

  /**
   * Whether the pacer may hang up this line unanswered: it rings (its ringing was reported), nobody has
   * picked up, and nobody could have unseen. With AMD on, a driver that does AMD reports the answer only
   * at the verdict, seconds after the pickup: unless it also reports pickups, a person may be on the line.
   */
  private releasable(call: LiveCall): boolean {
    if (call.ringingAt === null || call.pickedUpAt !== null || call.answeredAt !== null) return false;
    if (hungUp(call) || call.agent !== null) return false;
    const caps = this.o.driver.capabilities;
    return !call.amdOn || !caps.amd || caps.pickupEvents === true;
  }

  /** Keeps the decision for the pacing view, with what the pacer based it on; `placed` logs it. */
  private note(p: CampaignPacing, d: PacingDecision): void {
    d.insight = p.pacer?.insight?.() ?? null;
    d.modeChanged = d.insight !== null && p.last?.insight?.mode !== d.insight.mode;
    p.last = d;
    p.unplaced = d;
  }

  /**
   * The dispatcher placed `placed` of the lines the campaign's latest decision asked for; `heldBy` is
   * what held back the rest (concurrency, calls per second, no contact due). The decision is logged when
   * it placed a line or changed the pacer's mode.
   */
  placed(c: CampaignRuntime, placed: number, heldBy: string | null): void {
    const p = this.pacing.get(c.id);
    p?.pacer?.placed?.(placed);
    const d = p?.unplaced;
    if (!p || !d) return;
    p.unplaced = null;
    d.placed = placed;
    // Fewer placed than asked with no campaign-wide block: the rules put the due contacts off (calling
    // hours, caps, a gap between calls).
    d.heldBy = placed < d.dials ? (heldBy ?? "contacts_deferred") : null;
    if (placed === 0 && !d.modeChanged) return;
    p.log.push(d);
    if (p.log.length > DECISION_LOG) p.log.shift();
  }

  /** The campaign's pacing on this node: its latest decision and the recent ones that dialed. */
  view(c: CampaignRuntime): PacingView {
    const p = this.pacing.get(c.id);
    return {
      method: c.settings.dialMethod,
      latest: p?.last ?? null,
      decisions: p ? [...p.log].reverse() : [],
    };
  }

  /** A dial was claimed for the campaign (queued for its slot or reserved for a previewing agent). */
  launched(call: LiveCall): void {
    if (call.agent === null) this.pacingOf(call.campaign).lines.add(call);
  }

  answered(call: LiveCall, by: "human" | "machine", now: number): void {
    const c = call.campaign;
    const p = this.pacingOf(c);
    // With AMD on, a pickup-reporting driver tells the pickup first: ring and AMD times apart, as the
    // pacer's forecast reads a line answered and still waiting for its verdict.
    const pickedUp = call.pickedUpAt ?? now;
    p.pacer?.onDialResult?.({ now, outcome: by, ringMs: pickedUp - call.startedAt, amdMs: now - pickedUp });
    if (by === "machine") {
      // Some of AMD's were people: the tracker counts the campaign's estimate of them as abandoned.
      if (call.amdOn) this.tracker(c).recordMachineVerdict(now);
      // Agents are not given machines: the line is dropped at once, or once a voicemail is left.
      const message = voicemailOf(call);
      if (message === null) {
        this.o.driver.hangup(call.callId);
        return;
      }
      // The message waits for the greeting's beep: meanwhile no agent is wanted for the line, and an agent
      // who dialed it (a preview) goes back to work.
      p.lines.delete(call);
      this.callOver(call, "machine", 0, now);
      call.agent = null;
      this.o.driver.hangup(call.callId, { announce: message, afterGreeting: true });
      return;
    }
    const reserved = call.agent;
    if (reserved) {
      this.connect(call, reserved, now);
      return;
    }
    const agent = this.o.board.select(c.id, c.settings.agentSelection);
    if (agent) {
      this.connect(call, agent, now);
      return;
    }
    call.waitingSince = now;
    p.waiting.push(call);
    call.waitTimer = this.o.clock.after(c.settings.abandonAfterSec * 1000, () => this.abandon(call));
  }

  /** An agent became ready: the oldest live answer of its campaign still waiting goes to it. One that has
   *  waited past the grace is abandoned instead, whether or not its timer has run: on a busy event loop
   *  (a long synchronous transaction) a timer runs late, and the person was put through after 2.2 s. */
  agentReady(agent: LiveAgent): void {
    const p = this.pacing.get(agent.campaignId);
    if (!p || agent.state !== "ready" || agent.claiming) return;
    const now = this.o.clock.now();
    for (let call = p.waiting[0]; call; call = p.waiting[0]) {
      const waited = call.waitingSince === null ? 0 : now - call.waitingSince;
      if (waited <= call.campaign.settings.abandonAfterSec * 1000) {
        // Not chosen by select(), it is served all the same: round robin goes on after it.
        this.o.board.served(agent);
        this.connect(call, agent, now);
        return;
      }
      void this.abandon(call);
    }
  }

  private connect(call: LiveCall, agent: LiveAgent, now: number): void {
    const c = call.campaign;
    const p = this.pacingOf(c);
    const waitMs = call.waitingSince === null ? 0 : now - call.waitingSince;
    this.stopWaiting(call, p);
    p.lines.delete(call);
    call.agent = agent;
    call.connectedAt = now;
    agent.callId = call.callId;
    agent.callsTaken++;
    agent.stats.calls++;
    this.tracker(c).recordLiveAnswer(now, "connected");
    this.o.board.move(agent, "on_call");
    this.o.board.showCard(agent, { type: "call", at: now, contact: contactCard(call), waitMs });
    this.o.onConnect?.(call, agent, waitMs);
  }

  /** Settles once the hang-up is sent: a virtual clock's run awaits it, as it awaits any timer's work. */
  private abandon(call: LiveCall): Promise<void> {
    const p = this.pacing.get(call.campaign.id);
    if (!p || call.waitingSince === null || call.connectedAt !== null) return Promise.resolve();
    const now = this.o.clock.now();
    this.stopWaiting(call, p);
    this.markAbandoned(call, now);
    return this.recordThenHangUp(call, now);
  }

  /**
   * Hangs up on the person once the abandonment is on record. Until the call's end is written (the next
   * pass) it lived in this process only: killed after the hang-up, the process left the attempt to the
   * lease sweep as `lost`, whose retry rule called the person back seconds later (the 72-hour rule broken),
   * and the rate rebuilt from the store missed the abandon. The hang-up waits at most ABANDON_WRITE_WAIT_MS.
   */
  private async recordThenHangUp(call: LiveCall, now: number): Promise<void> {
    const write = this.abandonWrite;
    if (write !== null) {
      let giveUp = () => {};
      const waited = new Promise<void>((resolve) => {
        giveUp = resolve;
      });
      const timer = this.o.clock.after(ABANDON_WRITE_WAIT_MS, () => giveUp());
      const written = write(call, now).then(
        () => {
          call.abandonRecorded = true;
        },
        (err) => this.o.onError?.(err),
      );
      await Promise.race([written, waited]);
      timer.cancel();
    }
    this.hangUpAbandoned(call);
  }

  private hangUpAbandoned(call: LiveCall): void {
    this.o.driver.hangup(call.callId, { announce: call.campaign.settings.abandonMessage });
  }

  /** `forecast`: a drop of a line the pacer placed, which its calibration learns from. */
  private markAbandoned(call: LiveCall, now: number, forecast = true): void {
    call.abandoned = true;
    this.tracker(call.campaign).recordLiveAnswer(now, "no_agent");
    if (forecast) this.pacingOf(call.campaign).pacer?.onAbandon?.({ now, cause: "no_agent" });
  }

  private stopWaiting(call: LiveCall, p: CampaignPacing): void {
    call.waitTimer?.cancel();
    call.waitTimer = null;
    if (call.waitingSince === null) return;
    call.waitingSince = null;
    const i = p.waiting.indexOf(call);
    if (i >= 0) p.waiting.splice(i, 1);
  }

  /** The call ended: settle its line, its agent (wrap-up) and what the pacer learns from it. */
  ended(call: LiveCall, ev: CallEnded, now: number): void {
    const c = call.campaign;
    const p = this.pacingOf(c);
    p.lines.delete(call);
    if (call.waitingSince !== null) {
      // The callee hung up before any agent came: no agent within the grace is an abandon all the same.
      this.stopWaiting(call, p);
      this.markAbandoned(call, now);
    }
    // Someone who answered as the call was given up (a 2xx crossing the CANCEL of a ring timeout, a stop
    // or a release), or a released line a person answered after all, was hung up on with no agent:
    // abandoned. The pacer's forecast never placed these, so they count in the rate, not in its calibration.
    const hungUpOn =
      ev.answeredAfterCancel === true ||
      (call.releasedAt !== null && ev.answeredBy !== "machine" && (ev.cause === "normal" || ev.talkSec > 0));
    if (hungUpOn && !call.abandoned && call.connectedAt === null) {
      if (call.answeredAt === null) {
        // They picked up, however briefly: a live answer on the record, and one the ring model learns.
        call.answeredAt = now - Math.round(ev.talkSec * 1000);
        p.pacer?.onDialResult?.({ now, outcome: "human", ringMs: call.answeredAt - call.startedAt });
      }
      this.markAbandoned(call, now, false);
    }
    if (call.answeredAt === null) {
      const outcome = dialOutcomeOf(ev);
      // A released line had not answered when it was released (not when the CANCEL's 487 came back); what
      // it would have done is not known (censored).
      const censored = call.releasedAt !== null && outcome === "no_answer";
      const ringMs = (censored ? call.releasedAt! : now) - call.startedAt;
      if (outcome) p.pacer?.onDialResult?.({ now, outcome, ringMs, censored });
    }
    const agent = this.callOver(call, call.abandoned ? "abandoned" : ev.cause, ev.talkSec, now);
    if (agent === null || call.connectedAt === null) return;
    const wrapSec = c.settings.wrapUpSec;
    p.pacer?.onTalkEnded?.({ now, talkMs: now - call.connectedAt, wrapUp: wrapSec > 0 });
    this.o.board.wrapUp(agent, wrapSec, (wrapMs, censored) =>
      p.pacer?.onWrapEnded?.({ now: this.o.clock.now(), wrapMs, censored }),
    );
  }

  /**
   * Tells the call's agent (if it still has the call) that the call is over for it. An agent the call
   * never reached (a preview nobody answered, or a machine) goes straight back to work; returns the agent
   * when it took the call and so has its wrap-up to do.
   */
  private callOver(call: LiveCall, outcome: string, talkSec: number, now: number): LiveAgent | null {
    const agent = call.agent;
    if (!agent || agent.callId !== call.callId || this.o.board.get(agent.id) !== agent) return null;
    // A call the agent never reached anyone on (no answer, a machine, hung up ringing) does not displace
    // a call before it still waiting for its result: a late result without attemptId is that call's.
    const keepsEarlier = call.connectedAt === null && agent.lastAttemptId !== null && !agent.lastDisposed;
    // Its result may have been set while it lasted (picked while still talking, or a ring nobody answered).
    const disposed = agent.disposedCallId === call.callId;
    agent.disposedCallId = null;
    if (!keepsEarlier) {
      agent.lastAttemptId = call.attemptId;
      agent.lastDisposed = disposed;
    }
    this.o.board.emit(agent.who, {
      type: "call_ended",
      at: now,
      attemptId: call.attemptId,
      outcome,
      talkSec,
    });
    if (call.connectedAt !== null) return agent;
    this.o.board.move(agent, "ready");
    return null;
  }

  /**
   * Whether the campaign's lines out still need `agent`: more lines wait for an agent (ringing, answered
   * or waiting) than the campaign has other ready agents. Taking it away then risks an abandoned call.
   */
  needs(agent: LiveAgent): boolean {
    let lines = 0;
    for (const call of this.pacing.get(agent.campaignId)?.lines ?? []) if (!hungUp(call)) lines++;
    if (lines === 0) return false;
    let others = 0;
    for (const a of this.o.board.of(agent.campaignId)) {
      if (a !== agent && a.state === "ready" && !a.claiming && !a.callbackDue) others++;
    }
    return lines > others;
  }

  /** A reserved preview call was given back without dialing: its agent is ready again. */
  released(call: LiveCall): void {
    this.pacing.get(call.campaign.id)?.lines.delete(call);
    const agent = call.agent;
    if (agent && agent.callId === call.callId && this.o.board.get(agent.id) === agent) {
      this.o.board.move(agent, "ready");
    }
  }

  forget(campaignId: number): void {
    this.pacing.delete(campaignId);
    this.trackers.delete(campaignId);
    this.unseeded.delete(campaignId);
  }
}

function sumOf(counts: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

function tallyStates(agents: readonly AgentView[]): PacingDecision["agents"] {
  const out = { ready: 0, reserved: 0, on_call: 0, wrap_up: 0, paused: 0 };
  for (const a of agents) out[a.state]++;
  return out;
}

function tallyStages(lines: readonly LineView[]): PacingDecision["lines"] {
  const out = { ringing: 0, answered: 0, waiting: 0 };
  for (const l of lines) out[l.stage]++;
  return out;
}

/** Hung up already (released by the pacer, or withdrawn by a stop): a line that will bring nobody. */
function hungUp(call: LiveCall): boolean {
  return call.releasedAt !== null || call.withdrawn;
}

function pacerKey(s: CampaignSettings): string {
  return `${s.dialMethod}|${s.powerRatio}|${s.maxLinesPerAgent}|${s.abandonAfterSec}|${s.targetAbandonRate}|${releaseAfterRingMs(s)}|${s.wrapUpSec}`;
}

/** Null (or absent from settings that skipped withDefaults): every line rings to the ring timeout. */
function releaseAfterRingMs(s: CampaignSettings): number | null {
  return s.releaseAfterRingSec == null ? null : s.releaseAfterRingSec * 1000;
}

function dialOutcomeOf(ev: CallEnded): DialOutcome | null {
  switch (ev.cause) {
    case "busy":
      return "busy";
    case "no_answer":
      return "no_answer";
    case "failed":
    case "rejected":
      return "failed";
    default:
      return null;
  }
}

export function contactCard(call: LiveCall): ContactCard {
  return {
    contactId: call.contactId,
    attemptId: call.attemptId,
    phone: call.phone,
    phones: JSON.parse(call.contact.phones) as string[],
    timeZone: call.contact.time_zone,
    attempts: call.seq,
    data: JSON.parse(call.contact.custom) as Record<string, unknown>,
  };
}
