// Personal callbacks on the agent's side: a contact held for an agent (store/personal-callbacks.ts) is
// dialed for that agent, and only that agent, once it is due and the agent is ready in its campaign. The
// agent is reserved first and the call is placed at once, so the person never waits for an agent. It
// must not touch pacing or the dial queue: held contacts are out of it, and a reserved agent is simply
// not ready for the pacer.
import type { Clock, TimerHandle } from "../../clock/clock.ts";
import type { Store } from "../../store/db.ts";
import { nextPersonalCallback } from "../../store/personal-callbacks.ts";
import type { Dispatcher } from "../dispatcher.ts";
import type { AgentBoard, LiveAgent } from "./board.ts";
import { contactCard } from "./dialing.ts";

/** An agent whose campaign could not take its due callback (paused, say) looks again this much later. */
const RETRY_MS = 60_000;

export interface PersonalCallbackDeps {
  store: Store;
  clock: Clock;
  board: AgentBoard;
  dispatcher: Dispatcher;
  onError?: (err: unknown) => void;
}

interface Watch {
  timer: TimerHandle | null;
  /** A look-up or claim is under way: the agent's other transitions wait for it. */
  busy: boolean;
}

export class PersonalCallbacks {
  private readonly watches = new WeakMap<LiveAgent, Watch>();

  constructor(private readonly d: PersonalCallbackDeps) {}

  /** The agent is ready (logged in, back from wrap-up or pause): its due callback goes first. */
  agentReady(agent: LiveAgent): void {
    this.look(agent).catch((err) => this.d.onError?.(err));
  }

  /** A callback was just held for the agent: if it is logged in and idle, the new time may be the next. */
  scheduled(agentId: number): void {
    const agent = this.d.board.get(agentId);
    if (agent) this.agentReady(agent);
  }

  private watch(agent: LiveAgent): Watch {
    let w = this.watches.get(agent);
    if (!w) {
      w = { timer: null, busy: false };
      this.watches.set(agent, w);
    }
    return w;
  }

  private available(agent: LiveAgent): boolean {
    return (
      this.d.board.get(agent.id) === agent && agent.state === "ready" && !agent.claiming && !agent.leaving
    );
  }

  private async look(agent: LiveAgent): Promise<void> {
    const w = this.watch(agent);
    if (w.busy || !this.available(agent)) return;
    w.timer?.cancel();
    w.timer = null;
    w.busy = true;
    let again: number | null = null;
    try {
      const held = await nextPersonalCallback(this.d.store, agent.id, agent.campaignId);
      if (!held) return;
      const now = this.d.clock.now();
      if (held.at > now) {
        again = held.at;
        return;
      }
      again = (await this.dial(agent, held.contactId)) ? null : now + RETRY_MS;
    } finally {
      w.busy = false;
      if (again !== null && this.available(agent)) {
        w.timer = this.d.clock.at(again, () => {
          w.timer = null;
          this.agentReady(agent);
        });
      }
    }
  }

  /** Reserves the agent for the held contact and dials it; false when the campaign could not take it now. */
  private async dial(agent: LiveAgent, contactId: number): Promise<boolean> {
    const c = this.d.dispatcher.campaigns.get(agent.campaignId);
    if (c?.status !== "running" || !this.available(agent)) return false;
    // Held back from answered calls while the claim awaits, as a previewing agent is.
    agent.claiming = true;
    let call: Awaited<ReturnType<Dispatcher["claimForAgent"]>>;
    try {
      call = await this.d.dispatcher.claimForAgent(c, agent, contactId);
    } finally {
      agent.claiming = false;
    }
    if (!call) return false;
    this.d.board.move(agent, "reserved");
    agent.callId = call.callId;
    this.d.board.emit(agent.who, { type: "callback", at: this.d.clock.now(), contact: contactCard(call) });
    this.d.dispatcher.dialReserved(call);
    return true;
  }
}
