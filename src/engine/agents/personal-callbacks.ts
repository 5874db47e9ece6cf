// Personal callbacks on the agent's side: a contact held for an agent (store/personal-callbacks.ts) is
// dialed for that agent, and only that agent, once it is due and the agent is ready in its campaign. The
// agent is reserved first, so the person never waits for an agent; and it is only taken once the calls
// the pacer dialed counting on it are covered, so nobody else is abandoned for it. It must not touch
// pacing or the dial queue: held contacts are out of the queue, and the pacer sees an agent kept for its
// callback (callbackDue) as not ready.
import type { Clock } from "../../clock/clock.ts";
import type { Store } from "../../store/db.ts";
import {
  type HeldCallback,
  nextPersonalCallback,
  releaseOverdueCallbacks,
} from "../../store/personal-callbacks.ts";
import type { CampaignRuntime } from "../campaign-runtime.ts";
import { windowsOpen } from "../claim-decision.ts";
import type { Dispatcher } from "../dispatcher.ts";
import type { LiveCall } from "../outcomes.ts";
import type { AgentBoard, LiveAgent } from "./board.ts";
import type { AgentDialing } from "./dialing.ts";
import { contactCard } from "./dialing.ts";

/** An agent whose campaign could not take its due callback (paused, say) looks again this much later. */
const RETRY_MS = 60_000;
/** While the pacer's lines out still need the agent, look again this often. */
const DRAIN_STEP_MS = 1000;
/** Beyond ring timeout and grace: how long an answered call may wait for its AMD verdict. */
const AMD_MARGIN_MS = 5000;

export interface PersonalCallbackDeps {
  store: Store;
  clock: Clock;
  board: AgentBoard;
  dispatcher: Dispatcher;
  dialing: AgentDialing;
  onError?: (err: unknown) => void;
}

interface Watch {
  /** A look-up or claim is under way; `again`: something happened meanwhile, look once more after it. */
  busy: boolean;
  again: boolean;
  /** When the pacer stopped counting the agent for its due callback. */
  dueSince: number | null;
  /** This class's own claim (serve) is telling the board it came back empty: not news to the look that
   *  made it, which sets its own next look (claimEnded would otherwise start the next one at once). */
  ownClaimEnding: boolean;
  /** The last look found no callback held for the agent in its campaign. Holds are only made by this
   *  agent's own dispositions (on this node, see `scheduled`), so until then its ready transitions need
   *  not ask the database again. */
  holdsNone: boolean;
}

export class PersonalCallbacks {
  private readonly watches = new WeakMap<LiveAgent, Watch>();

  constructor(private readonly d: PersonalCallbackDeps) {}

  /** The agent is ready (logged in, back from wrap-up or pause): its due callback goes first. */
  agentReady(agent: LiveAgent): void {
    this.look(agent).catch((err) => this.d.onError?.(err));
  }

  /** A claim that held the agent back (a preview/next) came back empty, the agent ready: a callback that fell
   *  due meanwhile found it claiming and set no timer, so it looks now. A claim that found a contact moves
   *  the agent on (reserved): it looks when the agent is next ready. */
  claimEnded(agent: LiveAgent): void {
    if (this.watch(agent).ownClaimEnding) return;
    this.agentReady(agent);
  }

  /** A callback was just held for the agent: if it is logged in and idle, the new time may be the next. */
  scheduled(agentId: number): void {
    const agent = this.d.board.get(agentId);
    if (!agent) return;
    this.watch(agent).holdsNone = false;
    this.agentReady(agent);
  }

  /** Hands to all of a campaign's agents the personal callbacks that waited for their agent longer past
   *  their time than the campaign's personalCallbackWaitSec allows. */
  async releaseOverdue(now: number): Promise<void> {
    for (const c of this.d.dispatcher.campaigns.values()) {
      const waitSec = c.settings.personalCallbackWaitSec;
      if (waitSec === null || waitSec === undefined) continue;
      const released = await releaseOverdueCallbacks(this.d.store, c.id, now - waitSec * 1000, now);
      if (released > 0) this.d.dispatcher.invalidateWaiting(c.id);
    }
  }

  private watch(agent: LiveAgent): Watch {
    let w = this.watches.get(agent);
    if (!w) {
      w = { busy: false, again: false, ownClaimEnding: false, dueSince: null, holdsNone: false };
      this.watches.set(agent, w);
    }
    return w;
  }

  private loggedIn(agent: LiveAgent): boolean {
    return this.d.board.get(agent.id) === agent && !agent.leaving;
  }

  private available(agent: LiveAgent): boolean {
    return this.loggedIn(agent) && agent.state === "ready" && !agent.claiming;
  }

  private async look(agent: LiveAgent): Promise<void> {
    const w = this.watch(agent);
    if (w.busy) {
      w.again = true;
      return;
    }
    if (w.holdsNone || !this.available(agent)) return;
    agent.callbackTimer?.cancel();
    agent.callbackTimer = null;
    w.busy = true;
    w.again = false;
    let next: number | null = null;
    try {
      const held = await nextPersonalCallback(this.d.store, agent.id, agent.campaignId);
      w.holdsNone = held === null;
      next = await this.serve(agent, w, held);
    } catch (err) {
      this.d.onError?.(err);
      next = this.d.clock.now() + RETRY_MS;
    } finally {
      w.busy = false;
      if (!this.loggedIn(agent)) {
        agent.callbackDue = false;
      } else if (w.again) {
        // What happened meanwhile may be a new hold that this look read the database too early to see.
        w.holdsNone = false;
        this.agentReady(agent);
      } else if (next !== null) {
        // On the agent, so that its logout cancels it.
        agent.callbackTimer = this.d.clock.at(next, () => {
          agent.callbackTimer = null;
          this.agentReady(agent);
        });
      }
    }
  }

  /** Held back from answered calls while its claim awaited, the agent got nothing: one waiting meanwhile
   *  may take it. Not news to the look that made the claim (ownClaimEnding), which sets its next look. */
  private claimCameBackEmpty(agent: LiveAgent, w: Watch): void {
    w.ownClaimEnding = true;
    try {
      this.d.board.claimEmpty(agent);
    } finally {
      w.ownClaimEnding = false;
    }
  }

  /** Dials the agent's due callback if it safely can; returns when to look again (null: on the next ready). */
  private async serve(agent: LiveAgent, w: Watch, held: HeldCallback | null): Promise<number | null> {
    const now = this.d.clock.now();
    if (!held || held.at > now) {
      agent.callbackDue = false;
      w.dueSince = null;
      return held ? held.at : null;
    }
    const c = this.d.dispatcher.campaigns.get(agent.campaignId);
    if (c?.status !== "running") return now + RETRY_MS;
    if (!agent.callbackDue) {
      agent.callbackDue = true;
      w.dueSince = now;
    }
    // Lines dialed while the pacer still counted this agent have rung out or been answered by now.
    const drained =
      now - (w.dueSince ?? now) >=
      (c.settings.ringTimeoutSec + c.settings.abandonAfterSec) * 1000 + AMD_MARGIN_MS;
    if (!drained && this.d.dialing.needs(agent)) return now + DRAIN_STEP_MS;
    if (!this.available(agent)) return null;
    // At its maxConcurrent (or the node's channels) the callback waits, its agent kept for it, for a line.
    if (!this.d.dispatcher.hasLineFor(c)) return now + DRAIN_STEP_MS;
    // Held back from answered calls while the claim awaits, as a previewing agent is.
    agent.claiming = true;
    let call: Awaited<ReturnType<Dispatcher["claimForAgent"]>>;
    try {
      call = await this.d.dispatcher.claimForAgent(c, agent, held.contactId);
    } finally {
      agent.claiming = false;
    }
    if (!call) {
      // The rules deferred it (calling hours, say), or it is no longer this agent's: the pacer may count
      // the agent again, and the next look reads what the hold has become.
      agent.callbackDue = false;
      w.dueSince = null;
      this.claimCameBackEmpty(agent, w);
      return now + DRAIN_STEP_MS;
    }
    if (!this.available(agent)) {
      // Logged out or paused while the claim awaited: the contact goes back, held for the agent still.
      await this.d.dispatcher.releaseReserved(call);
      return null;
    }
    // The claim judged the callee's hours (and the campaign's end) for now; the dial goes out in the
    // campaign's next calls-per-second slot, which at a low rate is minutes away. Past the close (or the
    // end), dialReserved would give it back and the agent, ready again, claim it again at once: a loop, a
    // card on the desktop each time, until the clock reached the close. Given back unseen instead; at the
    // slot the claim's own rules defer it (to the next opening).
    const slot = c.spacing.peek(this.d.clock.now());
    if (!dialableAt(c, call, slot)) {
      await this.d.dispatcher.releaseReserved(call);
      agent.callbackDue = false;
      w.dueSince = null;
      this.claimCameBackEmpty(agent, w);
      return slot;
    }
    agent.callbackDue = false;
    w.dueSince = null;
    // The call first: the state event the move sends carries it.
    agent.callId = call.callId;
    this.d.board.move(agent, "reserved");
    this.d.board.showCard(agent, { type: "callback", at: this.d.clock.now(), contact: contactCard(call) });
    await this.d.dispatcher.dialReserved(call);
    return null;
  }
}

/** Whether the claimed call may go out at `slot`: within the callee's hours, and before the campaign's end. */
function dialableAt(c: CampaignRuntime, call: LiveCall, slot: number): boolean {
  if (c.haltAt !== null && slot >= c.haltAt) return false;
  return windowsOpen(c.settings, c.windows, call.contact, call.phone, slot);
}
