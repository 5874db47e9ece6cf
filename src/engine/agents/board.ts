// engine/agents owns the agents that are logged in on this node: their states and how long they spent in
// each, the calls they hold, wrap-up timers, and the event stream of each agent's desktop. Agent rows and
// queue membership live in the store (store/agents.ts); state is live and belongs to the node the agent
// logged in on (a restart logs everyone out, as a desktop's dropped connection would). It must not import
// api/ or the store.
import type { Clock, TimerHandle } from "../../clock/clock.ts";
import type { AgentSelection } from "../../model/campaign-settings.ts";
import type { AgentState } from "../../pacing/types.ts";
import { type RoundRobinMemory, rememberServed, selectAgent } from "./selection.ts";

export type AgentStatus = "logged_out" | AgentState;

/** Milliseconds spent in each state since login, and calls taken. */
export interface AgentStats {
  loggedInMs: number;
  readyMs: number;
  reservedMs: number;
  onCallMs: number;
  wrapUpMs: number;
  pausedMs: number;
  calls: number;
}

/** What a desktop shows of the contact on the line (or offered for preview). */
export interface ContactCard {
  contactId: number;
  attemptId: number;
  phone: string;
  phones: string[];
  timeZone: string | null;
  attempts: number;
  data: Record<string, unknown>;
}

export interface AgentSnapshot {
  agentId: number;
  name: string;
  state: AgentStatus;
  /** When the agent entered this state (ms epoch); null when logged out. */
  since: number | null;
  campaignId: number | null;
  pauseReason: string | null;
  /** The attempt the agent is on, or was offered for preview. */
  attemptId: number | null;
  /** The agent's last call, the one a disposition applies to. */
  lastAttemptId: number | null;
  stats: AgentStats;
}

export type AgentEvent =
  | { type: "state"; at: number; agent: AgentSnapshot }
  | { type: "offer"; at: number; contact: ContactCard }
  /** The agent's personal callback is being dialed for it (the agent is reserved). */
  | { type: "callback"; at: number; contact: ContactCard }
  | { type: "call"; at: number; contact: ContactCard; waitMs: number }
  | { type: "call_ended"; at: number; attemptId: number; outcome: string; talkSec: number };

export interface AgentIdentity {
  id: number;
  accountId: number;
  name: string;
}

export class LiveAgent {
  state: AgentState = "ready";
  since: number;
  readySince: number;
  pauseReason: string | null = null;
  /** The call the agent holds (reserved for, on, or wrapping up). */
  callId: string | null = null;
  /** The event that showed the agent that call's contact (offer, callback or call): a desktop whose
   *  stream reconnects gets it again, as nothing else the agent may read names the person on the line. */
  card: AgentEvent | null = null;
  lastAttemptId: number | null = null;
  /** A disposition has been set on lastAttemptId (during this login). */
  lastDisposed = false;
  /** The call the agent holds (callId) whose disposition was set before it ended — the usual desktop flow,
   *  the result picked while still talking: when the call ends and becomes lastAttemptId, lastDisposed
   *  starts from this rather than false. A call id, so one left from an earlier call never matches. */
  disposedCallId: string | null = null;
  callsTaken = 0;
  /** A preview claim for this agent is under way: no answered call may take it meanwhile. */
  claiming = false;
  /** A personal callback of this agent is due: the pacer no longer dials for it (it may still take a call
   *  dialed before), and it is reserved for the callback once those calls are covered. */
  callbackDue = false;
  wrapTimer: TimerHandle | null = null;
  /** When to look again for the agent's personal callback (personal-callbacks.ts). */
  callbackTimer: TimerHandle | null = null;
  /**
   * Told how long the wrap-up lasted when it ends: by its timer or the agent going ready, or cut off
   * (`censored`) by a pause or a logout, after which the agent is not free to take a call.
   */
  wrapEnd: ((wrapMs: number, censored: boolean) => void) | null = null;
  readonly loggedInAt: number;
  readonly stats: AgentStats = emptyStats();

  /** Taken out of the campaign's queue while busy: logs out when it would next be ready. */
  leftQueue = false;
  /** Logging out, its preview being given back: logs out rather than go ready for an instant. Apart from
   *  leftQueue, which each re-read of the queue sets afresh. */
  loggingOut = false;

  /** Logs out when it would next be ready (or pause), and is not counted on to free up. */
  get leaving(): boolean {
    return this.leftQueue || this.loggingOut;
  }

  constructor(
    readonly who: AgentIdentity,
    readonly campaignId: number,
    /** Penalty and position in the campaign's queue; a membership change updates them. */
    public penalty: number,
    public order: number,
    now: number,
  ) {
    this.since = now;
    this.readySince = now;
    this.loggedInAt = now;
  }

  get id(): number {
    return this.who.id;
  }

  snapshot(now: number): AgentSnapshot {
    const stats = { ...this.stats, loggedInMs: now - this.loggedInAt };
    stats[STAT_OF[this.state]] += now - this.since;
    return {
      agentId: this.who.id,
      name: this.who.name,
      state: this.state,
      since: this.since,
      campaignId: this.campaignId,
      pauseReason: this.pauseReason,
      attemptId: this.callId === null ? null : Number(this.callId),
      lastAttemptId: this.lastAttemptId,
      stats,
    };
  }
}

const STAT_OF: Record<AgentState, keyof AgentStats> = {
  ready: "readyMs",
  reserved: "reservedMs",
  on_call: "onCallMs",
  wrap_up: "wrapUpMs",
  paused: "pausedMs",
};

export function loggedOut(who: AgentIdentity): AgentSnapshot {
  return {
    agentId: who.id,
    name: who.name,
    state: "logged_out",
    since: null,
    campaignId: null,
    pauseReason: null,
    attemptId: null,
    lastAttemptId: null,
    stats: emptyStats(),
  };
}

export function emptyStats(): AgentStats {
  return { loggedInMs: 0, readyMs: 0, reservedMs: 0, onCallMs: 0, wrapUpMs: 0, pausedMs: 0, calls: 0 };
}

export interface BoardListener {
  /** An agent of the campaign became ready (a waiting call may take it; the dispatcher may dial). */
  agentReady(agent: LiveAgent): void;
  /** Agents of the campaign changed (login, logout, pause): pacing looks again. */
  agentsChanged(campaignId: number): void;
  /** A ready agent's claim (a preview, a personal callback) came back empty: a person who started waiting
   *  while it was held back may take it now. */
  claimCameBackEmpty?(agent: LiveAgent): void;
  /** The agent left the board, whatever the way (logout, its queue, deleted): its session on this node ends. */
  loggedOut?(agent: LiveAgent): void;
}

export class AgentBoard {
  private readonly agents = new Map<number, LiveAgent>();
  private readonly byCampaign = new Map<number, Set<LiveAgent>>();
  private readonly subscribers = new Map<number, Set<(e: AgentEvent) => void>>();
  private readonly accountSubscribers = new Map<number, Set<(e: AgentEvent) => void>>();
  private readonly roundRobin = new Map<number, RoundRobinMemory>();
  listener: BoardListener | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {}

  get(agentId: number): LiveAgent | undefined {
    return this.agents.get(agentId);
  }

  of(campaignId: number): ReadonlySet<LiveAgent> {
    return this.byCampaign.get(campaignId) ?? EMPTY;
  }

  all(): IterableIterator<LiveAgent> {
    return this.agents.values();
  }

  /** Logs the agent in; refused if it is logged in already (the caller checks first: a second LiveAgent
   *  of the id would stay on its campaign's board, and take calls, after the agent logged out). */
  login(who: AgentIdentity, campaignId: number, penalty: number, order: number): LiveAgent {
    if (this.agents.has(who.id)) throw new Error(`agent ${who.id} is logged in already`);
    const now = this.clock.now();
    const agent = new LiveAgent(who, campaignId, penalty, order, now);
    this.agents.set(who.id, agent);
    let set = this.byCampaign.get(campaignId);
    if (!set) {
      set = new Set();
      this.byCampaign.set(campaignId, set);
    }
    set.add(agent);
    this.announce(agent, now);
    this.listener?.agentsChanged(campaignId);
    this.listener?.agentReady(agent);
    return agent;
  }

  /** Removes the agent; the caller has dealt with any call it held. A wrap-up under way is cut off. */
  logout(agent: LiveAgent): AgentSnapshot {
    const now = this.clock.now();
    agent.wrapTimer?.cancel();
    agent.wrapTimer = null;
    agent.callbackTimer?.cancel();
    agent.callbackTimer = null;
    const wrapEnd = agent.state === "wrap_up" ? agent.wrapEnd : null;
    agent.wrapEnd = null;
    this.agents.delete(agent.id);
    this.byCampaign.get(agent.campaignId)?.delete(agent);
    const out = loggedOut(agent.who);
    this.emit(agent.who, { type: "state", at: now, agent: out });
    this.listener?.agentsChanged(agent.campaignId);
    this.listener?.loggedOut?.(agent);
    // How long it would have lasted is not known, only that it lasted this long: a censored observation.
    wrapEnd?.(now - agent.since, true);
    return out;
  }

  /** Moves the agent to `state`, counting the time spent in the old one. An agent that left the campaign's
   *  queue logs out instead of going ready or pausing (either ends its wrap-up). */
  move(agent: LiveAgent, state: AgentState, opts: { pauseReason?: string | null } = {}): void {
    if ((state === "ready" || state === "paused") && agent.leaving) {
      agent.stats[STAT_OF[agent.state]] += this.clock.now() - agent.since;
      // Its wrap-up ended as any other would (then it logs out): ended by going ready, cut off by a pause.
      const end = agent.state === "wrap_up" ? agent.wrapEnd : null;
      agent.wrapEnd = null;
      end?.(this.clock.now() - agent.since, state === "paused");
      this.logout(agent);
      return;
    }
    const now = this.clock.now();
    agent.stats[STAT_OF[agent.state]] += now - agent.since;
    let wrapEnded: (() => void) | null = null;
    if (agent.state === "wrap_up") {
      agent.wrapTimer?.cancel();
      agent.wrapTimer = null;
      // The pacer learns every wrap-up's length, those agents end early too. One that ends in a pause
      // is cut off, not ended: the agent is not free, and when it would have been is not known.
      const end = agent.wrapEnd;
      const wrapMs = now - agent.since;
      const censored = state === "paused";
      agent.wrapEnd = null;
      if (end) wrapEnded = () => end(wrapMs, censored);
    }
    agent.state = state;
    agent.since = now;
    agent.pauseReason = state === "paused" ? (opts.pauseReason ?? null) : null;
    if (state === "ready") {
      agent.readySince = now;
      agent.callId = null;
      agent.card = null;
    }
    this.announce(agent, now);
    if (state === "ready") this.listener?.agentReady(agent);
    else if (state === "paused") this.listener?.agentsChanged(agent.campaignId);
    wrapEnded?.();
  }

  /** Wrap-up after a call, timed: the agent is ready again after `seconds` unless they end it sooner. */
  wrapUp(agent: LiveAgent, seconds: number, onEnd?: (wrapMs: number, censored: boolean) => void): void {
    if (seconds <= 0) {
      this.move(agent, "ready");
      onEnd?.(0, false);
      return;
    }
    this.move(agent, "wrap_up");
    const startedAt = agent.since;
    agent.wrapEnd = onEnd ?? null;
    agent.wrapTimer = this.clock.after(seconds * 1000, () => {
      if (agent.state !== "wrap_up" || agent.since !== startedAt) return;
      agent.wrapTimer = null;
      this.move(agent, "ready");
    });
  }

  /** The agent's row was renamed while it is logged in: its live state, and the state event its desktop
   *  and the wallboards are sent now, name it as its row does. */
  rename(agent: LiveAgent, name: string): void {
    if (agent.who.name === name) return;
    agent.who.name = name;
    this.announce(agent, this.clock.now());
  }

  /** After a claim for the agent found nothing: it is free for answered calls again. */
  claimEmpty(agent: LiveAgent): void {
    if (this.get(agent.id) === agent && agent.state === "ready" && !agent.claiming) {
      this.listener?.claimCameBackEmpty?.(agent);
    }
  }

  /** The ready agent of the campaign that takes the next answered call, or null. */
  select(campaignId: number, strategy: AgentSelection): LiveAgent | null {
    const ready = [...this.of(campaignId)].filter((a) => a.state === "ready" && !a.claiming);
    // One taken out of the queue keeps its old place until it logs out: the others moved up past it.
    const positionNow = (agentId: number) => {
      const agent = this.agents.get(agentId);
      return agent?.campaignId === campaignId && !agent.leftQueue ? agent.order : undefined;
    };
    return selectAgent(ready, strategy, this.roundRobinOf(campaignId), this.random, positionNow);
  }

  /** The agent was given a person without select() choosing it (one waiting when it became ready): the
   *  campaign's round robin goes on from it, as it would had select() chosen it. */
  served(agent: LiveAgent): void {
    rememberServed(this.roundRobinOf(agent.campaignId), agent);
  }

  subscribe(agentId: number, fn: (e: AgentEvent) => void): () => void {
    return addTo(this.subscribers, agentId, fn);
  }

  /** Every agent event of the account (a supervisor's wallboard). */
  subscribeAccount(accountId: number, fn: (e: AgentEvent) => void): () => void {
    return addTo(this.accountSubscribers, accountId, fn);
  }

  /** Shows the agent the contact of the call it now holds (agent.callId), and keeps the event for a
   *  stream that reconnects (LiveAgent.card). */
  showCard(agent: LiveAgent, event: Extract<AgentEvent, { type: "offer" | "callback" | "call" }>): void {
    agent.card = event;
    this.emit(agent.who, event);
  }

  emit(who: AgentIdentity, event: AgentEvent): void {
    for (const fn of this.subscribers.get(who.id) ?? []) fn(event);
    for (const fn of this.accountSubscribers.get(who.accountId) ?? []) fn(event);
  }

  private roundRobinOf(campaignId: number): RoundRobinMemory {
    let memory = this.roundRobin.get(campaignId);
    if (!memory) {
      memory = {};
      this.roundRobin.set(campaignId, memory);
    }
    return memory;
  }

  private announce(agent: LiveAgent, now: number): void {
    this.emit(agent.who, { type: "state", at: now, agent: agent.snapshot(now) });
  }
}

const EMPTY: ReadonlySet<LiveAgent> = new Set();

function addTo<K, F>(map: Map<K, Set<F>>, key: K, fn: F): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0) map.delete(key);
  };
}
