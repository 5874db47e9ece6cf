// The agent put through to a call, written onto its attempt (agent_id, wait_ms): the agent report and the
// exports count the call by it. The bridge does not wait for the write; a write that fails (a database
// blip) is tried again, backing off, and what is still unwritten at shutdown gets a last try. Owns only
// that write: it never touches the call, the agent's state or the dispatcher.
import type { Clock, TimerHandle } from "../clock/clock.ts";
import { recordAgentOnAttempt } from "../store/agent-calls.ts";
import type { Store } from "../store/db.ts";

/** Tries of one link's write: backing off 1, 2, 4 … 60 s, about two minutes in all. */
const LINK_TRIES = 8;

interface Unwritten {
  agentId: number;
  waitMs: number;
  tries: number;
  /** The retry armed; null while halted. */
  timer: TimerHandle | null;
}

export class AgentLinks {
  private halted = false;
  private readonly unwritten = new Map<number, Unwritten>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /** Writes the agent onto the attempt, not awaited by the caller. */
  link(attemptId: number, agentId: number, waitMs: number): void {
    this.write(attemptId, agentId, waitMs, 0);
  }

  /** Timers stop (a halted engine); links that fail meanwhile are kept for resume() or flush(). */
  halt(): void {
    this.halted = true;
    for (const u of this.unwritten.values()) {
      u.timer?.cancel();
      u.timer = null;
    }
  }

  /** After a halt: the links kept are tried again at once. */
  resume(): void {
    this.halted = false;
    for (const [attemptId, u] of [...this.unwritten]) {
      this.unwritten.delete(attemptId);
      this.write(attemptId, u.agentId, u.waitMs, u.tries);
    }
  }

  /** At shutdown (after halt): waits for the writes under way, then gives each link still unwritten one
   *  last try. */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
    const last = [...this.unwritten];
    this.unwritten.clear();
    // Side by side: with the database down, one after another would hold shutdown a connect timeout each.
    await Promise.all(
      last.map(([attemptId, u]) =>
        recordAgentOnAttempt(this.store, attemptId, u.agentId, u.waitMs).catch((err) => this.onError?.(err)),
      ),
    );
  }

  private write(attemptId: number, agentId: number, waitMs: number, tries: number): void {
    const done: Promise<void> = recordAgentOnAttempt(this.store, attemptId, agentId, waitMs)
      .catch((err) => {
        this.onError?.(err);
        if (tries + 1 >= LINK_TRIES) return;
        const u: Unwritten = { agentId, waitMs, tries: tries + 1, timer: null };
        if (!this.halted) {
          u.timer = this.clock.after(Math.min(60_000, 1000 * 2 ** tries), () => {
            this.unwritten.delete(attemptId);
            this.write(attemptId, agentId, waitMs, u.tries);
          });
        }
        this.unwritten.set(attemptId, u);
      })
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }
}
