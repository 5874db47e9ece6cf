// Agent sessions, this node's side: an agent is logged in on one node at a time, its state in that node's
// memory (the rows: store/agent-sessions.ts). A login claims the session before the agent goes on the
// board; the board's logout ends it; a logout served here for an agent on another node asks that node;
// each maintenance pass ends this node's rows left without their agent. The writes go one after the
// other, so a logout's delete lands before a later login's claim. Owns no agent state (the board does)
// and decides no logout (the desk does).
import type { Clock } from "../../clock/clock.ts";
import {
  agentSessionElsewhere,
  agentSessionNodes,
  claimAgentSession,
  endAgentSession,
  endNodeSessions,
  nodeSessionAgents,
  requestAgentLogout,
} from "../../store/agent-sessions.ts";
import type { Store } from "../../store/db.ts";
import { EngineError } from "../types.ts";
import type { AgentBoard } from "./board.ts";

export interface SessionDeps {
  store: Store;
  clock: Clock;
  board: AgentBoard;
  /** This node's id, on the sessions of the agents logged in here. */
  nodeId: string;
  onError?(err: unknown): void;
}

export class AgentSessions {
  private writes: Promise<unknown> = Promise.resolve();
  /** Agents whose login has claimed (or is claiming) their session and is not yet on the board, by count. */
  private readonly claiming = new Map<number, number>();

  constructor(private readonly d: SessionDeps) {}

  /**
   * Claims the agent's session for this node, then runs `toBoard` (which puts the agent on the board, or
   * answers as a login that got there first did). Until it has run, reconcile() leaves the row alone.
   * Throws 409 logged_in_elsewhere while another live node holds the agent.
   */
  async claimFor<T>(accountId: number, agentId: number, toBoard: () => T): Promise<T> {
    this.claiming.set(agentId, (this.claiming.get(agentId) ?? 0) + 1);
    try {
      await this.claim(accountId, agentId);
      return toBoard();
    } finally {
      const n = (this.claiming.get(agentId) ?? 1) - 1;
      if (n > 0) this.claiming.set(agentId, n);
      else this.claiming.delete(agentId);
    }
  }

  /** Claims the session of an agent already on the board (it may have been ended through another node). */
  async claimAgain(accountId: number, agentId: number): Promise<void> {
    await this.claim(accountId, agentId);
  }

  /** The board's word that the agent left it (every way out goes through board.logout): its session here
   *  ends. A failed delete is reported (reconcile() ends the row later), never thrown into the logout. */
  ended(agentId: number): void {
    this.write(() => endAgentSession(this.d.store.db, agentId, this.d.nodeId)).catch((err) =>
      this.d.onError?.(err),
    );
  }

  /** Resolves once the session writes asked for so far have landed (or failed, reported). */
  async settled(): Promise<void> {
    await this.writes;
  }

  /** For a logout served here of an agent not on this board: asks the node holding it to log it out.
   *  True when that node is live (it does so at its next pass); false when no live node holds it. */
  async askHolderToLogOut(accountId: number, agentId: number): Promise<boolean> {
    const now = this.d.clock.now();
    const nodeId = this.d.nodeId;
    const held = await this.write(() =>
      requestAgentLogout(this.d.store.db, { accountId, agentId, nodeId }, now),
    );
    return held?.live ?? false;
  }

  /** Whether another live node holds the agent (its actions belong there). */
  async heldElsewhere(accountId: number, agentId: number): Promise<boolean> {
    const now = this.d.clock.now();
    return (await agentSessionElsewhere(this.d.store.db, accountId, agentId, this.d.nodeId, now)) !== null;
  }

  /** The account's sessions by agent id: the node each is on, and whether a logout was asked for. */
  ofAccount(accountId: number) {
    return agentSessionNodes(this.d.store.db, accountId);
  }

  /**
   * Ends this node's session rows whose agent is not on its board: a delete that failed (a database blip
   * at logout) would otherwise refuse the agent's logins on every other node for as long as this node
   * lives. Run each maintenance pass; a login between its claim and the board is left alone.
   */
  async reconcile(): Promise<void> {
    const rows = await nodeSessionAgents(this.d.store.db, this.d.nodeId);
    for (const agentId of rows) {
      if (this.d.board.get(agentId) || this.claiming.has(agentId)) continue;
      // Decided again in the queue of writes: a login may have claimed the row meanwhile.
      await this.write(async () => {
        if (this.d.board.get(agentId) || this.claiming.has(agentId)) return;
        await endAgentSession(this.d.store.db, agentId, this.d.nodeId);
      });
    }
  }

  /** Ends every session under this node's id: at its start (a restarted node's agents lost theirs with the
   *  process) and at its shutdown. */
  async endAll(): Promise<void> {
    await this.write(() => endNodeSessions(this.d.store.db, this.d.nodeId));
  }

  private async claim(accountId: number, agentId: number): Promise<void> {
    const now = this.d.clock.now();
    const nodeId = this.d.nodeId;
    const taken = await this.write(() =>
      claimAgentSession(this.d.store.db, { agentId, accountId, nodeId }, now),
    );
    if (!taken) {
      throw new EngineError(
        "logged_in_elsewhere",
        `agent ${agentId} is logged in on another node; log out first, or wait for that node's session to lapse`,
        409,
      );
    }
  }

  private write<T>(write: () => Promise<T>): Promise<T> {
    const done = this.writes.then(write);
    this.writes = done.catch(() => {});
    return done;
  }
}
