// The agent desktop's commands: log in to a campaign's queue, go ready, pause, end wrap-up, hang up, set a
// disposition, and the preview flow (ask for the next contact, then dial or skip it). Each checks the
// agent's state and answers with an EngineError the API turns into a 4xx; the states themselves are the
// board's, the calls the dispatcher's, the sessions (one node at a time) agents/sessions.ts's.
import type { Clock } from "../../clock/clock.ts";
import { personZone } from "../../lib/time-zone.ts";
import { withDefaults } from "../../model/campaign-settings.ts";
import { abandonment, countedCampaign } from "../../store/abandonment.ts";
import { callbackUnmade, calleeZoneFacts } from "../../store/agent-calls.ts";
import { type CampaignAgent, campaignAgents, getAgent } from "../../store/agents.ts";
import type { Store } from "../../store/db.ts";
import { dncInserts } from "../../store/dnc.ts";
import { releaseOrphanedCallbacks, releasePersonalCallback } from "../../store/personal-callbacks.ts";
import type { TelephonyDriver } from "../../telephony/driver.ts";
import { groupAbandonmentReport } from "../abandon-groups.ts";
import type { Dispatcher } from "../dispatcher.ts";
import type { LiveCall } from "../outcomes.ts";
import type { StateWrites } from "../state-writes.ts";
import { EngineError } from "../types.ts";
import { removeAgent } from "./agent-removal.ts";
import {
  type AgentBoard,
  type AgentEvent,
  type AgentSnapshot,
  type ContactCard,
  LiveAgent,
  loggedOut,
} from "./board.ts";
import { contactCard } from "./dialing.ts";
import { disposeOnce, undisposedLastCall } from "./disposition-once.ts";
import { personalCallbackRefusal } from "./personal-callback-refusal.ts";
import type { PersonalCallbacks } from "./personal-callbacks.ts";
import { AgentSessions } from "./sessions.ts";

export interface DeskDeps {
  store: Store;
  clock: Clock;
  board: AgentBoard;
  dispatcher: Dispatcher;
  driver: TelephonyDriver;
  /** Writes that carry webhook events (the disposition's attempt.disposed). */
  writes: StateWrites;
  callbacks: PersonalCallbacks;
  /** Brings back a campaign that completed while an agent wrapped up its last call, now that a callback
   *  makes one of its contacts pending again (engine.ts: a recover). */
  reopenForCallback(accountId: number, campaignId: number): Promise<void>;
  /** Why a callback at `callbackAt` on the attempt's campaign would never be made (past its end; completed
   *  and not to be recovered), or null. */
  reopenRefusal(accountId: number, attemptId: number, callbackAt: number): Promise<EngineError | null>;
  /** This node's id, on the sessions of the agents logged in here (store/agent-sessions.ts). */
  nodeId: string;
  onError?(err: unknown): void;
}

const DIAL_REFUSALS = {
  given_back: (agentId: number) =>
    new EngineError(
      "invalid_state",
      `agent ${agentId}'s previewed contact was given back (paused or stopped)`,
    ),
  dnc_listed: () =>
    new EngineError(
      "dnc_listed",
      "the number went on a do-not-call list after the preview: not dialed; the contact goes back to the campaign's rules",
    ),
  withdrawn: () =>
    new EngineError(
      "contact_withdrawn",
      "the contact was taken out of its campaign after the preview (its list deleted): not dialed; it is cancelled",
    ),
  window_closed: () =>
    new EngineError(
      "window_closed",
      "the contact's calling hours closed after the preview: not dialed; it waits for them to open",
    ),
  campaign_ending: () =>
    new EngineError(
      "campaign_ending",
      "the campaign reaches its end time or lifetime before this dial's calls-per-second slot: not dialed",
    ),
  under_balance_floor: () =>
    new EngineError(
      "insufficient_balance",
      "the account balance went under 1 USD after the preview: not dialed; the campaign stops until a top-up",
      409,
    ),
};

/** What a disposition recorded. */
export interface Disposed {
  attemptId: number;
  disposition: string;
  dncPhone: string | null;
  dncCampaignId: number | null;
  callbackAt: number | null;
  callbackPersonal: boolean;
}

/** How soon after a call is put through a disposition without attemptId may be meant for the call before. */
const AMBIGUOUS_DISPOSITION_MS = 10_000;

/** The attempt a disposition is about: `attemptId` if it is the agent's current or last call, else that call.
 *  A contact the agent previews, or has dialed but waits for its calls-per-second slot, is no call yet
 *  (skipping it deletes its attempt). */
function dispositionTarget(
  agent: LiveAgent,
  attemptId: number | null,
  liveCalls: ReadonlyMap<string, LiveCall>,
  now: number,
): number {
  const live = agent.callId === null ? undefined : liveCalls.get(agent.callId);
  const current = agent.callId === null || (live && !live.originated) ? null : Number(agent.callId);
  // A disposition sent in wrap-up can arrive just after the wrap-up ended and the next person was put
  // through, or (preview, a personal callback) the agent's next call was dialed and rings: without
  // attemptId it is then ambiguous, and guessing would file it on the wrong call (a ringing one nobody
  // has answered is never what a late result is about).
  const connectedAt = live?.connectedAt ?? null;
  if (
    attemptId === null &&
    current !== null &&
    agent.lastAttemptId !== null &&
    agent.lastAttemptId !== current &&
    !agent.lastDisposed &&
    live !== undefined &&
    (connectedAt === null || now - connectedAt < AMBIGUOUS_DISPOSITION_MS)
  ) {
    const took =
      connectedAt === null
        ? `is dialing call ${current}`
        : `took call ${current} ${Math.round((now - connectedAt) / 1000)} s ago`;
    throw new EngineError(
      "disposition_ambiguous",
      `agent ${agent.id} ${took} and has not set call ${agent.lastAttemptId}'s disposition: name the call (attemptId)`,
    );
  }
  const own = [current, agent.lastAttemptId];
  const target = attemptId ?? own.find((id) => id !== null) ?? null;
  if (target === null || !own.includes(target)) {
    throw new EngineError(
      "invalid_state",
      attemptId === null
        ? `agent ${agent.id} has had no call to set a disposition on`
        : `attempt ${attemptId} is not agent ${agent.id}'s current or last call`,
    );
  }
  return target;
}

/** Remembers that the agent set `target`'s result: its last call's, or that of the call it holds, which
 *  becomes its last call, disposed, when it ends (dialing.ts callOver). A result for an older call (named,
 *  after a logout) changes neither. */
function noteDisposed(agent: LiveAgent, target: number): void {
  if (target === agent.lastAttemptId) agent.lastDisposed = true;
  else if (String(target) === agent.callId) agent.disposedCallId = agent.callId;
}

export class AgentDesk {
  /** The sessions of the agents logged in here: one node at a time (agents/sessions.ts). */
  readonly sessions: AgentSessions;

  constructor(private readonly d: DeskDeps) {
    this.sessions = new AgentSessions(d);
  }

  /**
   * An agent is logged in on one node at a time (its state lives in that node's memory): the login takes
   * the agent's session row for this node, refused while it names another node whose heartbeat lives.
   */
  async login(accountId: number, agentId: number, campaignId: number): Promise<AgentSnapshot> {
    const row = await this.agentRow(accountId, agentId);
    const already = this.loggedIn(agentId, campaignId);
    if (already) {
      // Its session may have been ended through another node meanwhile (it then leaves at the next pass).
      await this.sessions.claimAgain(accountId, agentId);
      return this.loggedIn(agentId, campaignId) ?? this.login(accountId, agentId, campaignId);
    }
    const campaign = await this.d.store.db
      .selectFrom("campaigns")
      .select(["id", "status"])
      .where("id", "=", campaignId)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (!campaign) {
      throw new EngineError("not_found", `campaign ${campaignId} not found`, 404, "body.campaignId");
    }
    const queue = await campaignAgents(this.d.store.db, campaignId);
    const order = queue.findIndex((m) => m.agentId === agentId);
    const notInQueue = () =>
      new EngineError(
        "not_in_queue",
        `agent ${agentId} is not in the queue of campaign ${campaignId}; add it with PUT /v1/campaigns/${campaignId}/agents`,
      );
    if (order < 0) throw notInQueue();
    // The session before the board: a maintenance pass that finds the agent on it finds its session too.
    const onBoard = await this.sessions.claimFor(accountId, agentId, () => {
      // Another login of the agent may have got here while we awaited the store: answer as it did.
      const meanwhile = this.loggedIn(agentId, campaignId);
      if (meanwhile) return meanwhile;
      return this.d.board.login(
        { id: agentId, accountId, name: row.name },
        campaignId,
        queue[order].penalty,
        order,
      );
    });
    if (!(onBoard instanceof LiveAgent)) return onBoard;
    const agent = onBoard;
    // A removal that committed after our read told the board before the agent was on it: read again now
    // that it is. One committing later finds it on the board (membershipChanged runs after the commit).
    const still = await campaignAgents(this.d.store.db, campaignId);
    if (!still.some((m) => m.agentId === agentId)) {
      await this.membershipChanged(accountId);
      if (this.d.board.get(agentId) !== agent) throw notInQueue();
    }
    return agent.snapshot(this.d.clock.now());
  }

  async logout(accountId: number, agentId: number): Promise<AgentSnapshot> {
    const row = await this.agentRow(accountId, agentId);
    const agent = this.d.board.get(agentId);
    if (!agent) {
      // Logged in on another node (a desktop behind a load balancer): that node logs it out at its next
      // maintenance pass (membershipChanged), after its call and wrap-up when busy, and ends the session,
      // which refuses logins elsewhere until then.
      if (await this.sessions.askHolderToLogOut(accountId, agentId)) {
        throw new EngineError(
          "logged_in_elsewhere",
          `agent ${agentId} is logged in on another node: it is logged out there at that node's next maintenance pass (after its call and wrap-up when busy); log in again once it is`,
          409,
        );
      }
      return loggedOut({ id: agentId, accountId, name: row.name });
    }
    if (agent.state === "on_call") {
      throw new EngineError("on_call", `agent ${agentId} is on a call; hang up before logging out`);
    }
    if (agent.state === "reserved") {
      const call = this.reservedCall(agent, true);
      if (call?.originated) {
        throw new EngineError("on_call", `agent ${agentId}'s preview call is ringing; hang up first`);
      }
      if (call) {
        // Given back, it would be ready for an instant and a person waiting would be put through to it:
        // leaving, it logs out instead.
        agent.loggingOut = true;
        try {
          await this.d.dispatcher.releaseReserved(call);
        } catch (err) {
          agent.loggingOut = false;
          throw err;
        }
      }
    }
    const out = this.d.board.get(agent.id) === agent ? this.d.board.logout(agent) : loggedOut(agent.who);
    // Answered once its session has ended (sessions.ended; a failure went to onError): a login on another
    // node right after is not refused.
    await this.sessions.settled();
    return out;
  }

  /**
   * After the account's queues or agents changed (a campaign's agents, a named queue's members, a
   * campaign's queueId, an agent renamed): logged-in members take their new penalty, place and name; an
   * agent no longer in its campaign's queue logs out — at once when ready or paused (a preview not yet
   * dialed is given back), and after its call and wrap-up (so it can still set the disposition) when busy.
   * Its personal callbacks in that campaign are released to the campaign's other agents. An agent whose
   * session no longer names this node (logged out through another node, or taken there once this node's
   * heartbeat lapsed) leaves the same way.
   */
  async membershipChanged(accountId: number): Promise<void> {
    // Each campaign's queue is read once, for its logged-in agents and its personal callbacks alike.
    const queues = new Map<number, CampaignAgent[]>();
    const queueOf = async (campaignId: number) => {
      let queue = queues.get(campaignId);
      if (!queue) {
        queue = await campaignAgents(this.d.store.db, campaignId);
        queues.set(campaignId, queue);
      }
      return queue;
    };
    const byCampaign = new Map<number, LiveAgent[]>();
    for (const agent of this.d.board.all()) {
      if (agent.who.accountId !== accountId) continue;
      const list = byCampaign.get(agent.campaignId) ?? [];
      list.push(agent);
      byCampaign.set(agent.campaignId, list);
    }
    // Read after the board was looked at: an agent on it by then had its session written (login claims it
    // before the board).
    const sessions = byCampaign.size > 0 ? await this.sessions.ofAccount(accountId) : new Map();
    for (const [campaignId, agents] of byCampaign) {
      const queue = await queueOf(campaignId);
      for (const agent of agents) {
        if (this.d.board.get(agent.id) !== agent) continue; // logged out meanwhile
        const order = queue.findIndex((m) => m.agentId === agent.id);
        const session = sessions.get(agent.id);
        if (order >= 0 && session?.nodeId === this.d.nodeId && !session.logoutRequested) {
          agent.penalty = queue[order].penalty;
          agent.order = order;
          agent.leftQueue = false;
          this.d.board.rename(agent, queue[order].name);
          continue;
        }
        const preview = agent.state === "reserved" ? this.reservedCall(agent, true) : undefined;
        if (agent.state === "ready" || agent.state === "paused" || (preview && !preview.originated)) {
          if (preview) {
            // Leaving, it logs out when the preview is given back rather than go ready (and be given a
            // person waiting) for an instant.
            agent.leftQueue = true;
            await this.d.dispatcher.releaseReserved(preview);
          }
          if (this.d.board.get(agent.id) === agent) this.d.board.logout(agent);
        } else {
          agent.leftQueue = true;
        }
      }
    }
    // A personal callback whose agent left the campaign's queue (or was deleted) is anyone's now.
    const released = await releaseOrphanedCallbacks(
      this.d.store,
      accountId,
      async (campaignId, agentId) => (await queueOf(campaignId)).some((m) => m.agentId === agentId),
      this.d.clock.now(),
    );
    if (released > 0) {
      this.d.dispatcher.invalidateWaiting();
      this.d.dispatcher.wake();
    }
    // Resolved once the sessions of the agents it logged out have ended (sessions.ended): a login on another
    // node right after the change's answer is not refused.
    await this.sessions.settled();
  }

  /** Deletes the agent with `deleteRow` unless it is busy here; logs it out first (agent-removal.ts). */
  remove(accountId: number, agentId: number, deleteRow: () => Promise<boolean>): Promise<boolean> {
    return removeAgent(this.d.board, this.sessions, accountId, agentId, deleteRow);
  }

  /** Ready from paused, or the end of wrap-up. */
  async ready(accountId: number, agentId: number): Promise<AgentSnapshot> {
    const agent = await this.live(accountId, agentId);
    if (agent.state === "paused" || agent.state === "wrap_up") this.d.board.move(agent, "ready");
    else if (agent.state !== "ready") {
      throw new EngineError("invalid_state", `agent ${agentId} is ${agent.state}; it cannot go ready now`);
    }
    return this.current(agent);
  }

  async pause(accountId: number, agentId: number, reason: string | null): Promise<AgentSnapshot> {
    const agent = await this.live(accountId, agentId);
    if (agent.state === "reserved" || agent.state === "on_call") {
      throw new EngineError(
        "invalid_state",
        `agent ${agentId} is ${agent.state}; pause after the call (from wrap-up)`,
      );
    }
    this.d.board.move(agent, "paused", { pauseReason: reason });
    return this.current(agent);
  }

  /** Ends the agent's call (the agent hangs up). */
  async hangup(accountId: number, agentId: number): Promise<AgentSnapshot> {
    const agent = await this.live(accountId, agentId);
    const call = agent.callId === null ? undefined : this.d.dispatcher.liveCalls.get(agent.callId);
    if (!call?.originated || (agent.state !== "on_call" && agent.state !== "reserved")) {
      throw new EngineError("invalid_state", `agent ${agentId} has no call to hang up`);
    }
    this.d.driver.hangup(call.callId);
    return agent.snapshot(this.d.clock.now());
  }

  /**
   * Records the agent's disposition of its current or last call (or of `attemptId`, one of those). With
   * `dnc`, the person asked not to be called again: the number called goes at once (source "agent") on
   * the account's do-not-call list, so no campaign of the account dials it again, or with "campaign" on
   * the call's campaign's own list. With `callbackAt`, the person agreed to be called back then: the
   * contact waits for that time and gets one attempt beyond the campaign's limits; with `personal` as
   * well, the callback is this agent's: only it is given the call (see personal-callbacks.ts). A callback
   * needs the call to have ended (during wrap-up, say). Within 72 h of the end of an abandoned call of the
   * contact, only a personal one is taken (or any in a preview campaign): 409 abandoned_wait names when.
   */
  async dispose(
    accountId: number,
    agentId: number,
    disposition: string,
    attemptId: number | null,
    opts: { dnc?: "account" | "campaign"; callbackAt?: number; personal?: boolean } = {},
  ): Promise<Disposed> {
    const now = this.d.clock.now();
    const { agent, target, once } = await this.dispositionTargetOf(accountId, agentId, attemptId, now);
    const record = () => this.record(accountId, agentId, agent, target, disposition, opts, now);
    // The session that could correct it has ended: the call's result is set once (disposition-once.ts).
    return once
      ? disposeOnce(this.d.store, { accountId, agentId, attemptId: target, now }, record)
      : record();
  }

  /** dispose() for the call `target`, the agent's (`agent` when logged in here). */
  private async record(
    accountId: number,
    agentId: number,
    agent: LiveAgent | null,
    target: number,
    disposition: string,
    opts: { dnc?: "account" | "campaign"; callbackAt?: number; personal?: boolean },
    now: number,
  ): Promise<Disposed> {
    const callbackAt = opts.callbackAt ?? null;
    const personal = callbackAt !== null && opts.personal === true;
    if (personal) {
      // It would be held for an agent who can no longer log in to the call's campaign, and never made.
      const refused = await personalCallbackRefusal(this.d.store, accountId, agentId, agent, target);
      if (refused) throw refused;
    }
    if (
      callbackAt === null &&
      opts.dnc === undefined &&
      (await callbackUnmade(this.d.store, accountId, target))
    ) {
      // A correction that leaves the callback out would read as if none was agreed, while the contact
      // still waits for it and is called: an undo would need the state the call left it in, not kept.
      throw new EngineError(
        "callback_pending",
        `attempt ${target}: the callback agreed on this call is still to be made; give callbackAt again to move it, dnc if the person asked not to be called, or have the contact cancelled (POST /v1/contacts/{id}/cancel, by a role with contacts:write: owner, admin, developer or call list manager)`,
      );
    }
    if (callbackAt !== null) {
      if (this.d.dispatcher.liveCalls.has(String(target))) throw callbackRefused(target);
      // The ended call's outcome may still wait for the next pass: write it first, or it would overwrite us.
      await this.d.dispatcher.flush();
      const forAgent = personal ? agentId : null;
      const unmakeable = await this.d.reopenRefusal(accountId, target, callbackAt);
      if (unmakeable) throw unmakeable;
      const refused = await this.d.writes.scheduleCallback(accountId, target, callbackAt, now, forAgent);
      if (refused === "not_found") throw new EngineError("not_found", `attempt ${target} not found`, 404);
      if (refused === "call_in_progress") throw callbackRefused(target);
      if (refused === "callback_made") {
        throw new EngineError(
          "callback_made",
          `attempt ${target}: the callback agreed on this call has been made; set a new one from that call`,
        );
      }
      if (refused) throw abandonedWait(callbackAt, refused.abandonedWait);
      // The call may have been in another campaign than the agent's current one: forget them all.
      this.d.dispatcher.invalidateWaiting();
      this.d.dispatcher.wake();
      if (personal) this.d.callbacks.scheduled(agentId);
    }
    const dnc = opts.dnc !== undefined;
    // The number goes on the list in the transaction that tells subscribers it did (attempt.disposed).
    const listing = (attempt: { phone: string; campaignId: number }) =>
      dncInserts(
        this.d.store.db,
        { accountId, campaignId: opts.dnc === "campaign" ? attempt.campaignId : 0 },
        [
          {
            phone: attempt.phone,
            source: "agent",
            reason: `agent ${agentId}, disposition: ${disposition}`,
            expiresAt: null,
          },
        ],
        now,
      );
    // A call that has ended may still have its outcome waiting for the dispatcher's next pass: write it
    // first, so subscribers hear attempt.ended before attempt.disposed, as it happened.
    if (!this.d.dispatcher.liveCalls.has(String(target))) await this.d.dispatcher.flush();
    const recorded = await this.d.writes.disposition(
      accountId,
      target,
      { agentId, disposition, at: now, callbackAt, callbackPersonal: personal, dnc: opts.dnc ?? null },
      dnc ? listing : undefined,
    );
    if (recorded === null) throw new EngineError("not_found", `attempt ${target} not found`, 404);
    if (agent) noteDisposed(agent, target);
    if (callbackAt !== null) await this.d.reopenForCallback(accountId, recorded.campaignId);
    const phone = recorded.phone;
    const dncCampaignId = opts.dnc === "campaign" ? recorded.campaignId : null;
    return {
      attemptId: target,
      disposition,
      dncPhone: dnc ? phone : null,
      dncCampaignId,
      callbackAt,
      callbackPersonal: personal,
    };
  }

  /** The zone a callback given in the person's local time is read in: that of the person the disposition is
   *  about, as the callee window reads it (personZone); null when none is known. */
  async callbackZone(accountId: number, agentId: number, attemptId: number | null): Promise<string | null> {
    const { target } = await this.dispositionTargetOf(accountId, agentId, attemptId, this.d.clock.now());
    const facts = await calleeZoneFacts(this.d.store, accountId, target);
    if (facts === undefined) throw new EngineError("not_found", `attempt ${target} not found`, 404);
    return personZone(facts.ownZone, facts.phone, facts.defaultZone);
  }

  /** Hands one of the agent's personal callbacks (not yet being dialed) to its campaign's other agents. */
  async releaseCallback(accountId: number, agentId: number, contactId: number) {
    const released = await releasePersonalCallback(
      this.d.store,
      accountId,
      agentId,
      contactId,
      this.d.clock.now(),
    );
    if (!released) {
      throw new EngineError("not_found", `agent ${agentId} holds no callback of contact ${contactId}`, 404);
    }
    this.d.dispatcher.invalidateWaiting(released.campaignId);
    this.d.dispatcher.wake();
    // The agent may be kept for it (callbackDue): a fresh look lets it go.
    this.d.callbacks.scheduled(agentId);
    return released;
  }

  /** Preview: the campaign's next due contact, reserved for this agent; null when none is due. */
  async previewNext(accountId: number, agentId: number): Promise<ContactCard | null> {
    const agent = await this.live(accountId, agentId);
    const c = this.d.dispatcher.campaigns.get(agent.campaignId);
    if (c?.status !== "running") {
      throw new EngineError("invalid_state", `campaign ${agent.campaignId} is not running`);
    }
    if (c.settings.dialMethod !== "preview") {
      throw new EngineError(
        "invalid_state",
        `campaign ${c.id} dials ${c.settings.dialMethod}; only a preview campaign hands out contacts`,
      );
    }
    if (agent.state !== "ready") {
      throw new EngineError(
        "invalid_state",
        `agent ${agentId} is ${agent.state}; only a ready agent previews`,
      );
    }
    if (agent.claiming)
      throw new EngineError("invalid_state", `agent ${agentId} is already asking for a contact`);
    if (!this.d.dispatcher.hasLineFor(c)) {
      throw new EngineError(
        "concurrency_saturated",
        `all ${c.settings.maxConcurrent} calls campaign ${c.id} may have at once are up or on agents' screens (or the node's channels are): try again when one ends`,
        409,
      );
    }
    // Held back from answered calls while the claim awaits, without a state change a desktop would see.
    agent.claiming = true;
    let call: LiveCall | null = null;
    try {
      call = await this.d.dispatcher.claimForAgent(c, agent);
    } finally {
      agent.claiming = false;
      // Held back from answered calls and its due callback while the claim awaited (a failed one too): a
      // person waiting meanwhile, or the callback, may take the agent now.
      if (!call) this.d.board.claimEmpty(agent);
    }
    if (!call) return null;
    if (this.d.board.get(agent.id) !== agent || agent.state !== "ready") {
      // Logged out or paused while the claim awaited: the contact goes back untouched.
      await this.d.dispatcher.releaseReserved(call);
      throw new EngineError("invalid_state", `agent ${agentId} is no longer ready`);
    }
    // The call first: the state event the move sends carries it.
    agent.callId = call.callId;
    this.d.board.move(agent, "reserved");
    const card = contactCard(call);
    this.d.board.showCard(agent, { type: "offer", at: this.d.clock.now(), contact: card });
    return card;
  }

  async previewDial(accountId: number, agentId: number): Promise<AgentSnapshot> {
    const agent = await this.live(accountId, agentId);
    const call = this.reservedCall(agent);
    if (!call || call.originated || call.dialRequested) {
      throw new EngineError("invalid_state", `agent ${agentId} has no previewed contact to dial`);
    }
    const dialed = await this.d.dispatcher.dialReserved(call);
    if (dialed !== "placed") throw DIAL_REFUSALS[dialed](agentId);
    return agent.snapshot(this.d.clock.now());
  }

  /** Gives the previewed contact back undialed; it waits the campaign's retry interval before it is offered again. */
  async previewSkip(accountId: number, agentId: number): Promise<AgentSnapshot> {
    const agent = await this.live(accountId, agentId);
    const call = this.reservedCall(agent);
    if (!call || call.originated) {
      throw new EngineError("invalid_state", `agent ${agentId} has no previewed contact to skip`);
    }
    const c = call.campaign;
    const until = this.d.clock.now() + c.settings.retryIntervalSec * 1000;
    await this.d.dispatcher.releaseReserved(call, { until, reason: "preview_skipped" });
    return agent.snapshot(this.d.clock.now());
  }

  async state(accountId: number, agentId: number): Promise<AgentSnapshot> {
    const row = await this.agentRow(accountId, agentId);
    const agent = this.d.board.get(agentId);
    return agent ? agent.snapshot(this.d.clock.now()) : loggedOut({ id: agentId, accountId, name: row.name });
  }

  /** state() for an agent already known to be the account's (its name given), read synchronously. */
  stateNow(accountId: number, agentId: number, name: string): AgentSnapshot {
    const agent = this.d.board.get(agentId);
    return agent ? agent.snapshot(this.d.clock.now()) : loggedOut({ id: agentId, accountId, name });
  }

  /** The event that showed the agent the contact of the call it holds now, if it holds one. */
  cardNow(agentId: number): AgentEvent | null {
    const agent = this.d.board.get(agentId);
    // Paused out of its wrap-up, it still has the call to dispose of, but holds it no more.
    const holds = agent?.state === "reserved" || agent?.state === "on_call" || agent?.state === "wrap_up";
    return holds && agent.callId ? agent.card : null;
  }

  /** Live states of the account's logged-in agents (on this node), by agent id. */
  states(accountId: number): Map<number, AgentSnapshot> {
    const now = this.d.clock.now();
    const out = new Map<number, AgentSnapshot>();
    for (const a of this.d.board.all()) if (a.who.accountId === accountId) out.set(a.id, a.snapshot(now));
    return out;
  }

  /** The agent's events (the caller has checked the agent is the account's). */
  watch(agentId: number, fn: (e: AgentEvent) => void): () => void {
    return this.d.board.subscribe(agentId, fn);
  }

  subscribeAccount(accountId: number, fn: (e: AgentEvent) => void): () => void {
    return this.d.board.subscribeAccount(accountId, fn);
  }

  async abandonment(accountId: number, campaignId: number) {
    const row = await this.d.store.db
      .selectFrom("campaigns")
      .select(["id", "settings"])
      .where("id", "=", campaignId)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (!row) throw new EngineError("not_found", `campaign ${campaignId} not found`, 404);
    const settings = withDefaults(JSON.parse(row.settings));
    const counted = countedCampaign(campaignId, settings);
    const now = this.d.clock.now();
    const group = settings.abandonGroup;
    return {
      campaignId,
      targetRate: settings.targetAbandonRate,
      falsePositiveShare: counted.falsePositiveShare,
      ...(await abandonment(this.d.store, counted, now)),
      group: group === null ? null : await groupAbandonmentReport(this.d.store, accountId, group, now),
    };
  }

  dialMethodOf(campaignId: number): string | null {
    return this.d.dispatcher.campaigns.get(campaignId)?.settings.dialMethod ?? null;
  }

  /** The agent's snapshot, or logged out if it logged out (an agent that left its queue does on going ready). */
  private current(agent: LiveAgent): AgentSnapshot {
    return this.d.board.get(agent.id) === agent ? agent.snapshot(this.d.clock.now()) : loggedOut(agent.who);
  }

  /** The agent's snapshot if it is logged in to the campaign already; throws if to another one. */
  private loggedIn(agentId: number, campaignId: number): AgentSnapshot | null {
    const current = this.d.board.get(agentId);
    if (!current) return null;
    if (current.campaignId === campaignId) return current.snapshot(this.d.clock.now());
    throw new EngineError(
      "already_logged_in",
      `agent ${agentId} is logged in to campaign ${current.campaignId}; log out first`,
    );
  }

  /** The agent's preview; `releasing`: also one being given back (a logout joins that give-back). */
  private reservedCall(agent: LiveAgent, releasing = false): LiveCall | undefined {
    if (agent.state !== "reserved" || agent.callId === null) return undefined;
    const d = this.d.dispatcher;
    const call = releasing ? d.callOrReleasing(agent.callId) : d.liveCalls.get(agent.callId);
    return call && call.agent === agent ? call : undefined;
  }

  /** The call a disposition is about (dispositionTarget), with the agent when it is logged in here. A
   *  session that ended (a logout in wrap-up, a restart) does not take its last call's result with it: the
   *  last call put through to the agent, ended and not yet disposed, may still be named by attemptId,
   *  logged out or logged in again — `once`, as no session is left to correct it. */
  private async dispositionTargetOf(
    accountId: number,
    agentId: number,
    attemptId: number | null,
    now: number,
  ): Promise<{ agent: LiveAgent | null; target: number; once: boolean }> {
    let agent: LiveAgent | null = null;
    try {
      agent = await this.live(accountId, agentId);
      const target = dispositionTarget(agent, attemptId, this.d.dispatcher.liveCalls, now);
      return { agent, target, once: false };
    } catch (err) {
      const loggedOut = err instanceof EngineError && err.code === "logged_out";
      const notOwn = err instanceof EngineError && err.code === "invalid_state" && agent !== null;
      if ((!loggedOut && !notOwn) || attemptId === null) throw err;
      await this.d.dispatcher.flush(); // the call's end may still wait for the next pass
      const left = await undisposedLastCall(this.d.store, accountId, agentId, attemptId);
      if (left === attemptId) return { agent, target: attemptId, once: true };
      if (notOwn) throw err;
      throw new EngineError(
        "logged_out",
        `agent ${agentId} is not logged in; logged out, it may set the disposition only of the last call put through to it, ended and not yet disposed (attempt ${attemptId} is not that call)`,
      );
    }
  }

  private async live(accountId: number, agentId: number): Promise<LiveAgent> {
    await this.agentRow(accountId, agentId);
    const agent = this.d.board.get(agentId);
    if (agent) return agent;
    // Logged in on another node (a desktop behind a load balancer without sticky sessions): its state is
    // in that node's memory, so only that node can act on it; answering "logged out" would be untrue.
    if (await this.sessions.heldElsewhere(accountId, agentId)) {
      throw new EngineError(
        "logged_in_elsewhere",
        `agent ${agentId} is logged in on another node, which holds its state: send its actions to that node (route an agent's requests to one node), or log it out and in again here`,
        409,
      );
    }
    throw new EngineError("logged_out", `agent ${agentId} is not logged in`);
  }

  private async agentRow(accountId: number, agentId: number) {
    const row = await getAgent(this.d.store.db, accountId, agentId);
    if (!row) throw new EngineError("not_found", `agent ${agentId} not found`, 404);
    return row;
  }
}

function callbackRefused(attemptId: number): EngineError {
  return new EngineError(
    "call_in_progress",
    `attempt ${attemptId}: a callback can be scheduled once the call has ended and no other attempt of the contact is live`,
  );
}

function abandonedWait(at: number, waitEnd: number): EngineError {
  return new EngineError(
    "abandoned_wait",
    `a callback at ${new Date(at).toISOString()} is within 72 h of an abandoned call of the contact: the campaign may dial it from ${new Date(waitEnd).toISOString()}; set the callback then or later, or as this agent's own (callbackPersonal), which reserves the agent before the dial`,
  );
}
