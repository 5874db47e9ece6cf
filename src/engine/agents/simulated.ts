// Simulated agents for `outdial simulate` and tests: they log in, take every call they are given, talk
// for a time drawn from a distribution and hang up, wrap up for another drawn time (or until the
// campaign's wrap-up timer, whichever is first), and in a preview campaign dial what they are offered
// after a moment's look. They act only through the desk, as a person at a desktop would.
import type { Clock } from "../../clock/clock.ts";
import { type Dist, generator, hashSeed, sample } from "../../telephony/sim/scenario.ts";
import { type AgentBoard, type AgentEvent, type AgentStats, emptyStats } from "./board.ts";
import type { AgentDesk } from "./desk.ts";

const PREVIEW_POLL_MS = 30_000;

export interface SimulatedAgentOptions {
  /** Talk time in seconds (the agent hangs up then, unless the callee did first). */
  talkSec: Dist;
  /** Wrap-up in seconds (capped by the campaign's wrap-up timer). */
  wrapSec: Dist;
  /** Seconds a previewing agent looks at a contact before dialing it. */
  previewSec?: Dist;
  seed?: number;
}

export interface AgentTotals extends AgentStats {
  agents: number;
  /** Calls connected to an agent. */
  connects: number;
}

export class SimulatedAgents {
  private readonly rand: () => number;
  private readonly unsubscribe: () => void;
  private readonly ids = new Set<number>();

  constructor(
    private readonly desk: AgentDesk,
    private readonly board: AgentBoard,
    private readonly clock: Clock,
    private readonly accountId: number,
    private readonly o: SimulatedAgentOptions,
  ) {
    this.rand = generator(hashSeed(o.seed ?? 1, "agents"));
    this.unsubscribe = desk.subscribeAccount(accountId, (e) => this.on(e));
  }

  async login(campaignId: number, agentIds: number[]): Promise<void> {
    for (const id of agentIds) {
      this.ids.add(id);
      await this.desk.login(this.accountId, id, campaignId);
    }
  }

  /** What the agents did so far, summed. */
  totals(): AgentTotals {
    const now = this.clock.now();
    const t: AgentTotals = { agents: 0, connects: 0, ...emptyStats() };
    for (const id of this.ids) {
      const a = this.board.get(id);
      if (!a) continue;
      const s = a.snapshot(now).stats;
      t.agents++;
      for (const k of Object.keys(s) as (keyof AgentStats)[]) t[k] += s[k];
      t.connects += s.calls;
    }
    return t;
  }

  async logoutAll(): Promise<void> {
    this.unsubscribe();
  }

  private on(e: AgentEvent): void {
    if (e.type === "call") {
      const agentId = this.agentOf(e.contact.attemptId);
      if (agentId === null) return;
      const talkMs = Math.max(0, sample(this.o.talkSec, this.rand)) * 1000;
      this.later(talkMs, () => {
        const a = this.board.get(agentId);
        if (a?.state === "on_call" && a.callId === String(e.contact.attemptId)) {
          return this.desk.hangup(this.accountId, agentId);
        }
      });
    } else if (e.type === "state" && this.ids.has(e.agent.agentId)) {
      const { agentId, state, since } = e.agent;
      const stillSo = () => {
        const a = this.board.get(agentId);
        return a !== undefined && a.state === state && a.since === since;
      };
      if (state === "wrap_up") {
        const wrapMs = Math.max(0, sample(this.o.wrapSec, this.rand)) * 1000;
        this.later(wrapMs, () => (stillSo() ? this.desk.ready(this.accountId, agentId) : undefined));
      } else if (state === "ready") {
        const a = this.board.get(agentId);
        // Preview agents ask for work whenever they are ready; the others wait to be given calls.
        if (a && this.mayPreview(a.campaignId)) this.later(0, () => this.preview(agentId));
      }
    }
  }

  private async preview(agentId: number): Promise<void> {
    const a = this.board.get(agentId);
    if (a?.state !== "ready" || !this.mayPreview(a.campaignId)) return;
    const card = await this.desk.previewNext(this.accountId, agentId).catch(() => null);
    if (!card) {
      // Nothing due: ask again in a while, as a person would press "next" again.
      this.later(PREVIEW_POLL_MS, () => this.preview(agentId));
      return;
    }
    const lookMs = Math.max(0, sample(this.o.previewSec ?? 5, this.rand)) * 1000;
    this.later(lookMs, () => this.desk.previewDial(this.accountId, agentId));
  }

  private agentOf(attemptId: number): number | null {
    for (const id of this.ids) if (this.board.get(id)?.callId === String(attemptId)) return id;
    return null;
  }

  private later(ms: number, fn: () => unknown): void {
    this.clock.after(ms, async () => {
      try {
        await fn();
      } catch {
        // A simulated agent racing the engine (its call ended first) just carries on.
      }
    });
  }

  /** Preview, or not known yet (a campaign not started): an agent of another method is given calls. */
  private mayPreview(campaignId: number): boolean {
    const method = this.desk.dialMethodOf(campaignId);
    return method === null || method === "preview";
  }
}
