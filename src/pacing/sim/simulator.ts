// pacing/sim/simulator owns the discrete-event run of one scenario and seed: agents, lines, AMD, grace and
// the metrics of pacing-benchmark.md §4. Virtual time only: it must not do I/O or read the wall clock.

import { AbandonTracker, type LiveAnswerFate } from "../abandon-tracker.ts";
import type { AgentState, LineStage, Pacer, PacingSnapshot } from "../types.ts";
import { EventQueue } from "./event-queue.ts";
import { drawLead, type Lead, outcomeAt, type PacingScenario, type TrueOutcome } from "./scenario.ts";

/** A dial named by lead and time, for a policy that knows the leads (the benchmark's oracle). */
export interface ScheduledDial {
  atMs: number;
  lead: number;
}

export interface SimulationOptions {
  scenario: PacingScenario;
  seed: number;
  /** Decides how many of the next leads to dial; the leads are taken in list order. */
  pacer?: Pacer;
  /** Or: dials fixed in advance. */
  schedule?: ReadonlyArray<ScheduledDial>;
  /** Where live answers are recorded; the predictive pacer reads the same tracker. */
  tracker?: AbandonTracker;
  /** Told the fate of every live answer, by the dial's sequence number (0 = first dial of the run). */
  onLiveAnswer?: (dial: number, fate: LiveAnswerFate) => void;
}

export interface SimulationResult {
  seed: number;
  agents: number;
  /** (talk + wrap + false-negative time) / logged-in time. */
  occupancy: number;
  /** (drops + AMD false positives) / live answers. */
  abandonRate: number;
  talkMinPerAgentHour: number;
  dialsPerAgentHour: number;
  peakLinesPerAgent: number;
  dials: number;
  liveAnswers: number;
  drops: number;
  falsePositives: number;
  connects: number;
  /** Lines the pacer hung up unanswered after the legal minimum of ringing (see Pacer.releases). */
  released: number;
  /** Of those, the ones whose person would still have answered (the simulator knows; a pacer does not). */
  releasedHumans: number;
  /** Seconds into the shift when the list ran out, or null. */
  leadsExhaustedAtSec: number | null;
}

interface Agent {
  state: AgentState;
  since: number;
  /** The call this agent is reserved for (preview) or talking on. */
  line: Line | null;
}

interface Line {
  stage: LineStage;
  dialedAt: number;
  answeredAt: number | null;
  /** When it starts ringing: the simulator knows it from the dial on (post-dial delay). */
  ringingAt: number;
  lead: Lead;
  outcome: TrueOutcome;
  /** Preview binds a line to the agent who dialed it. */
  agent: Agent | null;
  /** Position in the active-lines array, -1 once it left it. */
  position: number;
  /** Sequence number of the dial in the run. */
  dial: number;
}

type SimEvent =
  | { kind: "tick" }
  | { kind: "dial"; lead: number }
  | { kind: "preview_end"; agent: Agent }
  | { kind: "answer"; line: Line }
  | { kind: "verdict"; line: Line }
  | { kind: "resolve"; line: Line }
  | { kind: "grace_end"; line: Line }
  | { kind: "talk_end"; agent: Agent; line: Line }
  | { kind: "wrap_end"; agent: Agent };

const TICK: SimEvent = { kind: "tick" };

export function simulate(options: SimulationOptions): SimulationResult {
  const { scenario: s, seed, pacer } = options;
  const tracker = options.tracker ?? new AbandonTracker({ targetRate: s.targetAbandonRate });
  const recordLiveAnswer = (line: Line, now: number, fate: LiveAnswerFate) => {
    tracker.recordLiveAnswer(now, fate);
    options.onLiveAnswer?.(line.dial, fate);
  };
  const shiftEnd = s.shiftSec * 1000;
  const graceMs = s.graceSec * 1000;
  const maxLines = Math.floor(s.maxLinesPerAgent * s.agents);
  const preview = pacer?.method === "preview";
  const queue = new EventQueue<SimEvent>();
  const agents: Agent[] = Array.from({ length: s.agents }, () => ({ state: "ready", since: 0, line: null }));
  const ready: Agent[] = [...agents].reverse();
  const lines: Line[] = [];
  const waiting: Line[] = [];
  let waitingHead = 0;
  const snapshot: { now: number; agents: Agent[]; lines: Line[] } = { now: 0, agents, lines };

  let nextLead = 0;
  let leadsExhaustedAt: number | null = null;
  let dials = 0;
  let liveAnswers = 0;
  let drops = 0;
  let falsePositives = 0;
  let connects = 0;
  let released = 0;
  let releasedHumans = 0;
  let busyMs = 0;
  let talkMs = 0;
  let peakLines = 0;

  const clip = (t: number) => Math.min(t, shiftEnd);

  const setState = (agent: Agent, state: AgentState, now: number) => {
    agent.state = state;
    agent.since = now;
  };

  const removeLine = (line: Line) => {
    const last = lines.pop()!;
    if (last !== line) {
      lines[line.position] = last;
      last.position = line.position;
    }
    line.position = -1;
  };

  const dial = (leadIndex: number, now: number, agent: Agent | null) => {
    const lead = drawLead(s, seed, leadIndex);
    const outcome = outcomeAt(s, lead, now);
    const line: Line = {
      stage: "ringing",
      dialedAt: now,
      answeredAt: null,
      ringingAt: now + lead.postDialMs,
      lead,
      outcome,
      agent,
      position: lines.length,
      dial: dials,
    };
    lines.push(line);
    peakLines = Math.max(peakLines, lines.length);
    dials++;
    if (outcome === "human") queue.push(now + lead.postDialMs + lead.humanRingMs, { kind: "answer", line });
    else if (outcome === "machine")
      queue.push(now + lead.postDialMs + lead.machineRingMs, { kind: "answer", line });
    else {
      const sec =
        outcome === "no_answer"
          ? s.resolutionSec.noAnswer
          : outcome === "busy"
            ? s.resolutionSec.busy
            : s.resolutionSec.sit;
      queue.push(now + lead.postDialMs + sec * 1000, { kind: "resolve", line });
    }
  };

  const takeLead = (now: number): number | null => {
    if (nextLead >= s.leads) {
      leadsExhaustedAt ??= now;
      return null;
    }
    return nextLead++;
  };

  const connect = (line: Line, agent: Agent, now: number) => {
    if (line.position >= 0) removeLine(line);
    line.agent = agent;
    agent.line = line;
    setState(agent, "on_call", now);
    connects++;
    const hold = line.outcome === "human" ? line.lead.talkMs : s.amd.falseNegativeHoldSec * 1000;
    if (line.outcome === "human") recordLiveAnswer(line, now, "connected");
    queue.push(now + hold, { kind: "talk_end", agent, line });
  };

  const agentFree = (agent: Agent, now: number) => {
    agent.line = null;
    while (waitingHead < waiting.length) {
      const line = waiting[waitingHead++];
      if (line.stage === "waiting" && line.position >= 0) {
        connect(line, agent, now);
        return;
      }
    }
    setState(agent, "ready", now);
    ready.push(agent);
  };

  const takeReady = (): Agent | null => {
    while (ready.length > 0) {
      const agent = ready.pop()!;
      if (agent.state === "ready") return agent;
    }
    return null;
  };

  const handle = (event: SimEvent, now: number) => {
    switch (event.kind) {
      case "tick":
        if (now + s.tickSec * 1000 < shiftEnd) queue.push(now + s.tickSec * 1000, TICK);
        return;
      case "dial":
        if (now < shiftEnd) dial(event.lead, now, null);
        return;
      case "preview_end": {
        const lead = now < shiftEnd ? takeLead(now) : null;
        if (lead === null) agentFree(event.agent, now);
        else {
          dial(lead, now, event.agent);
          event.agent.line = lines[lines.length - 1];
        }
        return;
      }
      case "answer": {
        const line = event.line;
        if (line.position < 0) return; // hung up by the pacer while it rang
        line.stage = "answered";
        line.answeredAt = now;
        const verdictMs = line.outcome === "human" ? line.lead.humanVerdictMs : line.lead.machineVerdictMs;
        queue.push(now + verdictMs, { kind: "verdict", line });
        return;
      }
      case "verdict": {
        const line = event.line;
        const human = line.outcome === "human";
        const seenHuman = human ? !line.lead.amdFalsePositive : line.lead.amdFalseNegative;
        pacer?.onDialResult?.({
          now,
          outcome: seenHuman ? "human" : "machine",
          ringMs: line.answeredAt! - line.dialedAt,
          amdMs: now - line.answeredAt!,
        });
        if (human) liveAnswers++;
        if (!seenHuman) {
          if (human) {
            falsePositives++;
            recordLiveAnswer(line, now, "amd_false_positive");
            pacer?.onAbandon?.({ now, cause: "amd_false_positive" });
          }
          removeLine(line);
          if (line.agent) agentFree(line.agent, now);
          return;
        }
        if (line.agent) return connect(line, line.agent, now);
        const agent = takeReady();
        if (agent) return connect(line, agent, now);
        line.stage = "waiting";
        waiting.push(line);
        queue.push(now + graceMs, { kind: "grace_end", line });
        return;
      }
      case "resolve": {
        const line = event.line;
        if (line.position < 0) return;
        const outcome =
          line.outcome === "no_answer" ? "no_answer" : line.outcome === "busy" ? "busy" : "failed";
        pacer?.onDialResult?.({ now, outcome, ringMs: now - line.dialedAt });
        removeLine(line);
        if (line.agent) agentFree(line.agent, now);
        return;
      }
      case "grace_end": {
        const line = event.line;
        if (line.position < 0) return;
        removeLine(line);
        // A machine that AMD passed on and nobody picked up is simply hung up: not a live answer.
        if (line.outcome === "human") {
          drops++;
          recordLiveAnswer(line, now, "no_agent");
          pacer?.onAbandon?.({ now, cause: "no_agent" });
        }
        return;
      }
      case "talk_end": {
        const { agent, line } = event;
        const spent = clip(now) - clip(agent.since);
        busyMs += spent;
        if (line.outcome !== "human") {
          pacer?.onTalkEnded?.({ now, talkMs: now - agent.since, wrapUp: false });
          return agentFree(agent, now);
        }
        talkMs += spent;
        pacer?.onTalkEnded?.({ now, talkMs: now - agent.since, wrapUp: true });
        setState(agent, "wrap_up", now);
        queue.push(now + line.lead.wrapMs, { kind: "wrap_end", agent });
        return;
      }
      case "wrap_end": {
        const agent = event.agent;
        busyMs += clip(now) - clip(agent.since);
        pacer?.onWrapEnded?.({ now, wrapMs: now - agent.since });
        return agentFree(agent, now);
      }
    }
  };

  const decide = (now: number) => {
    if (!pacer || now >= shiftEnd) return;
    snapshot.now = now;
    const wanted = pacer.decide(snapshot as PacingSnapshot);
    if (preview) {
      for (let i = 0; i < wanted; i++) {
        const agent = takeReady();
        if (!agent) break;
        setState(agent, "reserved", now);
        queue.push(now + s.previewSec * 1000, { kind: "preview_end", agent });
      }
      return;
    }
    for (const view of pacer.releases?.() ?? []) {
      const line = view as Line;
      if (line.position < 0 || line.stage !== "ringing") continue;
      removeLine(line);
      released++;
      if (line.outcome === "human") releasedHumans++;
      pacer.onDialResult?.({ now, outcome: "no_answer", ringMs: now - line.dialedAt, censored: true });
    }
    const n = Math.min(wanted, maxLines - lines.length);
    let placed = 0;
    for (; placed < n; placed++) {
      const lead = takeLead(now);
      if (lead === null) break;
      dial(lead, now, null);
    }
    pacer.placed?.(placed);
  };

  for (const d of options.schedule ?? []) queue.push(d.atMs, { kind: "dial", lead: d.lead });
  if (pacer) queue.push(0, TICK);
  for (;;) {
    const next = queue.pop();
    if (!next) break;
    handle(next.item, next.at);
    decide(next.at);
  }

  const agentHours = (s.agents * s.shiftSec) / 3600;
  return {
    seed,
    agents: s.agents,
    occupancy: busyMs / (s.agents * shiftEnd),
    abandonRate: liveAnswers > 0 ? (drops + falsePositives) / liveAnswers : 0,
    talkMinPerAgentHour: talkMs / 60_000 / agentHours,
    dialsPerAgentHour: dials / agentHours,
    peakLinesPerAgent: peakLines / s.agents,
    dials,
    liveAnswers,
    drops,
    falsePositives,
    connects,
    released,
    releasedHumans,
    leadsExhaustedAtSec: leadsExhaustedAt === null ? null : leadsExhaustedAt / 1000,
  };
}
