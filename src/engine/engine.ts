// The engine: owns the dispatcher and the agents' desk, runs lifecycle commands (start, pause, resume, stop,
// recover: decided in campaign-commands.ts) on a fresh read of the campaign, keeps the dispatcher's view of
// campaigns in step with the database, reconciles leases of dead processes, and explains why a campaign is
// not dialing. It is the composition root of engine/, which is why it is long: it wires the parts together
// and carries what one command needs of several of them.
import { randomUUID } from "node:crypto";
import type { Clock, TimerHandle } from "../clock/clock.ts";
import { type CampaignSettings, usesAgents, withDefaults } from "../model/campaign-settings.ts";
import type { CampaignStatus } from "../model/outcome.ts";
import { nextAllowed } from "../model/windows.ts";
import { Xoshiro128 } from "../pacing/sim/random.ts";
import { answerHistory } from "../store/agent-calls.ts";
import { campaignHolder } from "../store/campaign-leases.ts";
import { lastDialAt, rejudgeWaits, untilWritten } from "../store/campaigns.ts";
import type { Store } from "../store/db.ts";
import { openDispatchStore } from "../store/dispatch/index.ts";
import { type DispatchStore, type HeartbeatHolder, NodeIdInUseError } from "../store/dispatch/types.ts";
import { pruneNumberHistory } from "../store/number-history.ts";
import { scenariosByKey } from "../store/scenarios.ts";
import type { Campaign, CampaignUpdate } from "../store/schema.ts";
import type { TelephonyDriver } from "../telephony/driver.ts";
import { refreshAbandonGroups } from "./abandon-groups.ts";
import { AgentLinks } from "./agent-links.ts";
import { AgentBoard } from "./agents/board.ts";
import { AgentDesk } from "./agents/desk.ts";
import { AgentDialing } from "./agents/dialing.ts";
import { PersonalCallbacks } from "./agents/personal-callbacks.ts";
import { AccountBilling } from "./billing.ts";
import { CallbackReopening } from "./callback-reopen.ts";
import { ACTIVE_STATUSES, CampaignCommands } from "./campaign-commands.ts";
import { CampaignLeases } from "./campaign-leases.ts";
import { CampaignRuntime } from "./campaign-runtime.ts";
import { Dispatcher } from "./dispatcher.ts";
import { explainCampaign } from "./explain.ts";
import { FaceAddRecovery } from "./face-add-recovery.ts";
import type { CampaignStatusWriter } from "./outcomes.ts";
import { StateWrites, type StatusHolder } from "./state-writes.ts";
import {
  type CampaignPacingView,
  type EngineControl,
  EngineError,
  type EngineMetrics,
  type Explanation,
  type RecoverOptions,
  type StartOptions,
  type StopOptions,
} from "./types.ts";

/** How often the abandonment groups' pooled figures are re-read from the store (engine/abandon-groups.ts). */
const GROUP_REFRESH_MS = 30_000;

/** What tells this process's heartbeat from another's under the same node id (Engine.claimNodeId). */
const PROCESS_TOKEN = randomUUID();

export interface EngineOptions {
  store: Store;
  clock: Clock;
  driver: TelephonyDriver;
  nodeId: string;
  leaseMs?: number;
  tickGapMs?: number;
  /** How often campaigns changed elsewhere are picked up and leases swept (default 5 s; a lone engine on
   *  the virtual clock can look far less often and run idle days quickly). */
  maintenanceMs?: number;
  maxChannels?: number | null;
  claimBatch?: number;
  onError?(err: unknown): void;
  /** Called after a commit that wrote webhook events (delivery wakes up). */
  onEvents?(): void;
  /** Seed of the engine's random choices (the random agent selection); default: from the wall clock. */
  seed?: number;
  /** Written with the heartbeat to tell this process from another under the same node id; default: one
   *  random token per OS process (tests give engines their own to stand for separate processes). */
  processToken?: string;
}

export class Engine implements EngineControl, CampaignStatusWriter {
  readonly dispatcher: Dispatcher;
  readonly dispatch: DispatchStore;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly renewHeartbeat: (now: number) => Promise<void>;
  private readonly heartbeatSlackMs: number;
  private renewAt = Number.NEGATIVE_INFINITY;
  private heartbeatTimer: TimerHandle | null = null;
  /** When heartbeatTimer fires. */
  private heartbeatWatchAt = Number.NEGATIVE_INFINITY;
  /** The agent put through to each call, written onto its attempt (tried again after a failed write). */
  private readonly links: AgentLinks;
  private heartbeatWrite: Promise<void> = Promise.resolve();
  readonly billing: AccountBilling;
  /** Agents logged in on this node, and the desktop commands they send. */
  readonly board: AgentBoard;
  readonly agents: AgentDesk;
  private readonly dialing: AgentDialing;
  private readonly callbacks: PersonalCallbacks;
  private readonly writes: StateWrites;
  private readonly leases: CampaignLeases;
  private readonly commands: CampaignCommands;
  private readonly reopening: CallbackReopening;
  private readonly faceAdds: FaceAddRecovery;
  /** Set by whoever delivers webhooks; called after a commit that wrote events. */
  onEvents: (() => void) | undefined;
  private readonly onError: ((err: unknown) => void) | undefined;
  /** When the abandonment groups' figures were last read (refreshAbandonGroups). */
  private groupsReadAt = Number.NEGATIVE_INFINITY;
  private groupMembership = "";
  private readonly nodeId: string;
  private readonly processToken: string;
  /** Whether run() claimed the node id's heartbeat (its shutdown lets it go); is claiming it (a claim that
   *  failed on a statement leaves it so), was refused it, or lost it to another process since (its
   *  renewal found the row taken): in those three, the leases and sessions under the id may be another
   *  live process's, and this one lets go of none. An engine never run holds nothing not its own. */
  private nodeIdHeld: "held" | "claiming" | "refused" | "lost" | null = null;
  private readonly leaseMs: number;
  private readonly driver: TelephonyDriver;

  constructor(o: EngineOptions) {
    this.onError = o.onError;
    this.nodeId = o.nodeId;
    this.processToken = o.processToken ?? PROCESS_TOKEN;
    this.driver = o.driver;
    this.store = o.store;
    this.clock = o.clock;
    this.dispatch = openDispatchStore(o.store);
    this.billing = new AccountBilling(o.store);
    this.writes = new StateWrites(o.store, () => this.onEvents?.());
    this.links = new AgentLinks(o.store, o.clock, (err) => this.onError?.(err));
    const rng = new Xoshiro128(o.seed ?? Date.now());
    this.board = new AgentBoard(o.clock, () => rng.next());
    this.dialing = new AgentDialing({
      board: this.board,
      clock: o.clock,
      driver: o.driver,
      onConnect: (call, agent, waitMs) => this.links.link(call.attemptId, agent.id, waitMs),
      onError: o.onError,
    });
    this.board.listener = {
      agentReady: (agent) => {
        this.dialing.agentReady(agent);
        this.callbacks.agentReady(agent);
        this.dispatcher.wake();
      },
      agentsChanged: () => this.dispatcher.wake(),
      claimCameBackEmpty: (agent) => {
        this.dialing.agentReady(agent);
        this.callbacks.claimEnded(agent);
      },
      loggedOut: (agent) => this.agents.sessions.ended(agent.id),
    };
    this.dispatcher = new Dispatcher({
      agents: this.dialing,
      dispatch: this.dispatch,
      statusWriter: this,
      clock: o.clock,
      driver: o.driver,
      nodeId: o.nodeId,
      leaseMs: o.leaseMs ?? 60_000,
      tickGapMs: o.tickGapMs ?? 20,
      maintenanceMs: o.maintenanceMs,
      maxChannels: o.maxChannels ?? o.driver.capabilities.maxChannels,
      claimBatch: o.claimBatch,
      rejudgeWaits: (campaignId, since, now) => rejudgeWaits(o.store.db, campaignId, now, since),
      onError: o.onError,
      onEvents: () => this.onEvents?.(),
    });
    this.onEvents = o.onEvents;
    this.callbacks = new PersonalCallbacks({
      store: o.store,
      clock: o.clock,
      board: this.board,
      dispatcher: this.dispatcher,
      dialing: this.dialing,
      onError: o.onError,
    });
    this.agents = new AgentDesk({
      store: o.store,
      clock: o.clock,
      board: this.board,
      dispatcher: this.dispatcher,
      driver: o.driver,
      writes: this.writes,
      callbacks: this.callbacks,
      reopenForCallback: async (accountId, campaignId) => {
        await this.reopening.reopen(accountId, campaignId);
      },
      reopenRefusal: (accountId, attemptId, callbackAt) =>
        this.reopening.refusal(accountId, attemptId, callbackAt),
      nodeId: o.nodeId,
      onError: o.onError,
    });
    const leaseMs = o.leaseMs ?? 60_000;
    this.leaseMs = leaseMs;
    this.leases = new CampaignLeases({
      store: o.store,
      dispatcher: this.dispatcher,
      nodeId: o.nodeId,
      leaseMs,
    });
    this.commands = new CampaignCommands({
      clock: o.clock,
      dispatcher: this.dispatcher,
      dispatch: this.dispatch,
      requireBalance: (row) => this.requireBalance(row),
      writeStatus: (from, status, now, reason, opts) => this.writeStatus(from, status, now, reason, opts),
      commitStatus: (from, status, now, set) => this.commitStatus(from, status, now, set),
      reload: (campaignId) => this.reload(campaignId),
    });
    this.reopening = new CallbackReopening({
      store: o.store,
      // Only from completed, on the engine's fresh read: a stop landing after the reopen's read stands.
      recover: (accountId, campaignId) => this.recover(accountId, campaignId, { onlyFrom: ["completed"] }),
      endedError: (row) => this.endedError(row),
      requireBalance: (row) => this.requireBalance(row),
      onError: o.onError,
    });
    this.faceAdds = new FaceAddRecovery({
      store: o.store,
      recover: (accountId, campaignId) => this.recover(accountId, campaignId, { onlyFrom: ["completed"] }),
      endedError: (row) => this.endedError(row),
      onError: o.onError,
    });
    // The node's heartbeat (which keeps every contact it leased) is renewed at a third of a lease's life
    // and leases are swept at half of it, so a live process never loses one and a dead one's are found
    // within 1.5 lease lengths; campaigns changed by another node are picked up every 5 s.
    this.renewHeartbeat = async (now) => {
      await this.dispatch.heartbeat(o.nodeId, now + leaseMs, now, this.processToken).catch((err: unknown) => {
        if (err instanceof NodeIdInUseError) this.nodeIdHeld = "lost";
        throw err;
      });
      this.dispatcher.heartbeat.renewed(now + leaseMs, this.clock.now());
      this.renewAt = now + Math.floor(leaseMs / 3);
    };
    this.heartbeatSlackMs = Math.floor(leaseMs / 6);
    let sweepAt = Number.NEGATIVE_INFINITY;
    let pruneAt = Number.NEGATIVE_INFINITY;
    this.dispatcher.maintenance = async (now) => {
      if (now >= this.renewAt) await this.renewHeartbeat(now);
      if (now >= sweepAt) {
        await this.reconcileExpired(now);
        await this.reopening.reopenLost();
        await this.faceAdds.recoverLost();
        sweepAt = now + Math.floor(leaseMs / 2);
      }
      if (now >= pruneAt) {
        pruneAt = now + 3_600_000;
        await pruneNumberHistory(o.store.db, now);
      }
      await this.refreshCampaigns();
      await this.refreshMembership();
      await this.leases.hold(now);
      await this.callbacks.releaseOverdue(now);
    };
    // The wall clock went back (dispatcher.ts clockWentBack): what is timed here on the old reading moves
    // back with it, or the heartbeat, the sweeps and the abandonment figures would wait out the step.
    this.dispatcher.onClockBack = (stepMs) => {
      this.renewAt -= stepMs;
      sweepAt -= stepMs;
      pruneAt -= stepMs;
      this.groupsReadAt -= stepMs;
      if (this.heartbeatTimer !== null) {
        this.heartbeatTimer.cancel();
        this.keepHeartbeat(this.heartbeatWatchAt - stepMs);
      }
    };
  }

  /** Loads the active campaigns and starts dispatching. */
  async run(): Promise<void> {
    this.links.resume();
    await this.claimNodeId();
    // Nothing is held yet: any lease under this node's id is an earlier process's (a restart keeps the id;
    // claimNodeId made sure no other live process uses it).
    await this.dispatch.expireLeasesOf(this.nodeId);
    // Agents' sessions under this id are an earlier process's (its agents went with it); the heartbeat is
    // written before any login here, which it keeps this node's sessions alive for.
    await this.agents.sessions.endAll();
    await this.renewHeartbeat(this.clock.now());
    await this.refreshCampaigns();
    await this.reopening.reopenLost();
    await this.faceAdds.recoverLost();
    await this.leases.hold(this.clock.now());
    this.dispatcher.wake();
    this.keepHeartbeat(this.clock.now() + this.heartbeatSlackMs);
  }

  /**
   * Claims the node id's heartbeat for this process. A row another process keeps live is waited out, read
   * again every sixth of a lease: a process killed renews it no more, and it lapses within a lease of its
   * last renewal (at once after a clean shutdown, which lets it go). Renewed meanwhile, it is a live
   * process's: refused before anything under the id is touched, as taking its leases for a dead one's
   * would record its calls lost and dial those people again while they are on the line. run() claims it;
   * a server claims it before it starts its driver, whose start hangs up the sip dialogs kept under the id.
   */
  async claimNodeId(): Promise<void> {
    if (this.nodeIdHeld === "held") return;
    this.nodeIdHeld = "claiming";
    let seen: HeartbeatHolder | null = null;
    for (;;) {
      const now = this.clock.now();
      const holder = await this.dispatch.claimHeartbeat(
        this.nodeId,
        this.processToken,
        now + this.leaseMs,
        now,
      );
      if (holder === null) break;
      if (seen !== null && (holder.token !== seen.token || holder.aliveUntil > seen.aliveUntil)) {
        this.nodeIdHeld = "refused";
        throw new NodeIdInUseError(
          `another live process uses node id ${this.nodeId} (set OUTDIAL_NODE_ID to a unique id per process)`,
        );
      }
      seen = holder;
      // Lapsed once past alive_until (leaseLapsed), so 1 ms past it.
      const waitMs = Math.max(0, Math.min(holder.aliveUntil + 1 - now, this.heartbeatSlackMs));
      await new Promise<void>((resolve) => this.clock.after(waitMs, resolve));
    }
    this.nodeIdHeld = "held";
  }

  /**
   * The dispatch pass renews the heartbeat; this watch renews it when the pass has not (stuck on the
   * database, or stopped while calls drain at shutdown): a live node's calls must never look lost to
   * another node. It looks a sixth of a lease after each renewal was due.
   */
  private keepHeartbeat(at: number): void {
    this.heartbeatWatchAt = at;
    const watch = this.clock.at(at, async () => {
      const now = this.clock.now();
      let next = Math.max(this.renewAt, now) + this.heartbeatSlackMs;
      if (now >= this.renewAt) {
        const write = this.renewHeartbeat(now);
        this.heartbeatWrite = write.catch(() => {});
        try {
          await write;
          next = this.renewAt + this.heartbeatSlackMs;
        } catch (err) {
          this.onError?.(err);
          next = now + 1000;
        }
      }
      // Not if stopped meanwhile, or set again for a step back of the clock (onClockBack).
      if (this.heartbeatTimer === watch) this.keepHeartbeat(next);
    });
    this.heartbeatTimer = watch;
  }

  async start(accountId: number, campaignId: number, opts: StartOptions = {}): Promise<CampaignStatus> {
    return this.onFreshRead(accountId, campaignId, (row) => this.commands.start(row, opts));
  }

  async pause(accountId: number, campaignId: number): Promise<CampaignStatus> {
    return this.onFreshRead(accountId, campaignId, (row) => this.commands.pause(row));
  }

  async resume(accountId: number, campaignId: number): Promise<CampaignStatus> {
    return this.onFreshRead(accountId, campaignId, (row) => this.commands.resume(row));
  }

  async stop(accountId: number, campaignId: number, opts: StopOptions = {}): Promise<CampaignStatus> {
    return this.onFreshRead(accountId, campaignId, (row) => this.commands.stop(row, opts));
  }

  async recover(
    accountId: number,
    campaignId: number,
    opts: RecoverOptions = {},
  ): Promise<{ status: CampaignStatus; recovered: number }> {
    return this.onFreshRead(accountId, campaignId, (row) => this.commands.recover(row, opts));
  }

  /** What this node's sweep does for faces' adds lost to a crash (face-add-recovery.ts), at once: how many
   *  completed campaigns with a pending contact it brought back or tried to. */
  recoverFaceAdds(): Promise<number> {
    return this.faceAdds.recoverLost();
  }

  /** Why a recover now would be refused for the campaign's end time (its endAt has passed), or null. */
  endedError(row: Campaign): EngineError | null {
    return this.commands.endedError(row);
  }

  async cancelContact(accountId: number, contactId: number): Promise<boolean> {
    const campaignId = await this.writes.cancelContact(accountId, contactId, this.clock.now());
    if (campaignId === null) return false;
    // It may have been the campaign's last contact: one outside its hours completes now, not when they open.
    const rt = this.dispatcher.campaigns.get(campaignId);
    if (rt) rt.drainCheckDue = true;
    this.dispatcher.invalidateWaiting(campaignId);
    this.wake();
    return true;
  }

  /**
   * Takes a contact out of its campaign for good: one waiting is cancelled now (as cancelContact); one on a
   * call finishes that call and is then settled cancelled, never dialed again. "cancelled", "after_call",
   * or null when it is neither waiting nor on a call (settled already, or not the account's).
   */
  async withdrawContact(accountId: number, contactId: number): Promise<"cancelled" | "after_call" | null> {
    // Twice: a call that ends between the two writes leaves the contact pending for its retry.
    for (let round = 0; round < 2; round++) {
      if (await this.cancelContact(accountId, contactId)) return "cancelled";
      if (await this.writes.withdrawAfterCall(accountId, contactId, this.clock.now())) return "after_call";
    }
    return null;
  }

  outboxChanged(): void {
    this.onEvents?.();
  }

  wake(): void {
    this.dispatcher.invalidateWaiting();
    this.dispatcher.wake();
  }

  metrics(): EngineMetrics {
    const d = this.dispatcher;
    const tally = <T>(items: Iterable<T>, key: (x: T) => string) => {
      const out: Record<string, number> = {};
      for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
      return out;
    };
    const placed = d.placedCalls;
    return {
      dials: d.stats.originated,
      ended: { ...d.stats.outcomes },
      dispatchPasses: d.stats.passes,
      callsInFlight: placed,
      dialsReserved: d.inFlight - placed,
      // Every node tracks every active campaign; a robot campaign is counted by the node holding its lease
      // only, so that a sum over the nodes counts it once.
      campaigns: tally(
        [...d.campaigns.values()].filter((c) => c.dialsOn(this.nodeId, this.clock.now())),
        (c) => c.status,
      ),
      agents: tally(this.board.all(), (a) => a.state),
    };
  }

  /**
   * Queue membership as the database has it, for the agents logged in on this node: a removal (or an agent
   * or queue deleted) served by another node reaches them within a maintenance pass, as one served here
   * does at once (agentsChanged). Read only for the accounts with agents here. Then this node's session
   * rows left without their agent are ended (agents/sessions.ts reconcile).
   */
  private async refreshMembership(): Promise<void> {
    const accounts = new Set<number>();
    for (const agent of this.board.all()) accounts.add(agent.who.accountId);
    for (const accountId of accounts) await this.agents.membershipChanged(accountId);
    await this.agents.sessions.reconcile();
  }

  async agentsChanged(accountId: number): Promise<void> {
    try {
      await this.agents.membershipChanged(accountId);
    } catch (err) {
      this.onError?.(err);
    } finally {
      this.wake();
    }
  }

  /** Re-reads one campaign (after its settings or status changed) and asks for a pass. */
  async reload(campaignId: number): Promise<void> {
    const row = await this.refresh(campaignId);
    const rt = this.dispatcher.campaigns.get(campaignId);
    // As in statusSet: calls still on the line keep the runtime (their limits, pacing and abandonment).
    if (!row) this.untrack(campaignId);
    else if (!ACTIVE_STATUSES.includes(row.status as CampaignStatus) && (rt?.inFlight ?? 0) === 0)
      this.untrack(campaignId);
    await this.attachRobots();
    await this.seedAbandonment();
    await this.leases.hold(this.clock.now());
    this.dispatcher.invalidateWaiting(campaignId);
    this.dispatcher.wake();
  }

  async campaignEdited(campaignId: number): Promise<void> {
    await this.reload(campaignId).catch((err) => {
      this.onError?.(err);
      this.wake();
    });
  }

  /** Gives each campaign the robot scenario its bot script id names (re-read with the campaigns). */
  private async attachRobots(runtimes = [...this.dispatcher.campaigns.values()]): Promise<void> {
    const wanted = runtimes.flatMap((rt) =>
      rt.settings.bot ? [{ accountId: rt.accountId, key: rt.settings.bot.scriptId }] : [],
    );
    const found = await scenariosByKey(this.store.db, wanted);
    for (const rt of runtimes) {
      rt.robot = rt.settings.bot ? (found.get(`${rt.accountId}:${rt.settings.bot.scriptId}`) ?? null) : null;
    }
  }

  /** Agent campaigns count abandonment over 24 h, 30 days and their whole life: after a start or restart
   *  the tracker is rebuilt from the attempts on record before the pacer answers to it (track() does so
   *  for a campaign new here; this, for one switched from robot to agents, whose pass may have made an
   *  empty tracker meanwhile); a campaign in an abandonment group adds its group's other campaigns,
   *  re-read with the campaigns. */
  private async seedAbandonment(): Promise<void> {
    let seeded = false;
    for (const rt of this.dispatcher.campaigns.values()) {
      if (!usesAgents(rt.settings) || this.dialing.isSeeded(rt.id)) continue;
      this.dialing.seed(rt, await answerHistory(this.store, rt.id));
      seeded = true;
    }
    // The pooled figures move slowly next to the 3 % they are held to; a new tracker, or a campaign that
    // joined or left a group, needs them at once.
    const now = this.clock.now();
    const membership = [...this.dispatcher.campaigns.values()]
      .filter((rt) => usesAgents(rt.settings))
      .map((rt) => `${rt.id}:${rt.settings.abandonGroup}`)
      .join();
    if (!seeded && membership === this.groupMembership && now - this.groupsReadAt < GROUP_REFRESH_MS) return;
    this.groupsReadAt = now;
    this.groupMembership = membership;
    await refreshAbandonGroups(this.store, this.dialing, this.dispatcher.campaigns.values(), now, (err) =>
      this.onError?.(err),
    );
  }

  /** Places no more calls, and gives back what was claimed but not dialed. Calls on the line go on, and
   *  their outcomes are still recorded by shutdown(): a node that stops closes its driver (hanging them
   *  up) between the two. */
  async stopDialing(): Promise<void> {
    await this.dispatcher.shutdown();
  }

  /** Stops every timer (dialing, the heartbeat) and hands nothing over: what a killed process leaves
   *  behind, for tests of what other nodes then do. */
  async halt(): Promise<void> {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    this.links.halt();
    await this.heartbeatWrite;
    await this.dispatcher.shutdown();
  }

  /** Stops dialing, records the outcomes of calls that ended meanwhile, and lets its campaigns go. */
  async shutdown(): Promise<void> {
    await this.halt();
    await this.links.flush();
    // The leases and sessions under the id may be another live process's: see nodeIdHeld.
    if (this.nodeIdHeld !== "held" && this.nodeIdHeld !== null) return;
    await this.leases.release();
    // Its agents' sessions go with it: they may log in on another node at once.
    await this.agents.sessions.endAll().catch((err) => this.onError?.(err));
    // A process restarted under the id starts at once, rather than wait out this one's heartbeat.
    if (this.nodeIdHeld === "held")
      await this.dispatch
        .releaseHeartbeat(this.nodeId, this.processToken)
        .catch((err) => this.onError?.(err));
  }

  // CampaignStatusWriter ---------------------------------------------------------------------------

  async setStatus(c: CampaignRuntime, status: CampaignStatus, now: number, reason?: string): Promise<void> {
    const from = { id: c.id, account_id: c.accountId, status: c.status };
    if (await this.writeStatus(from, status, now, reason, { ifUnchanged: true })) {
      this.statusSet(c, status);
      return;
    }
    // A command served by another node changed the campaign since this node last read it (a pause just
    // before a scheduled start, say): that change stands, and this node follows it.
    const row = await this.refresh(c.id);
    this.statusSet(c, row ? c.status : "stopped");
  }

  /** Reads one campaign as stored now and brings this node's view of it up to date. */
  private async refresh(campaignId: number): Promise<Campaign | undefined> {
    const row = await this.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", campaignId)
      .executeTakeFirst();
    await this.track(row);
    return row;
  }

  /** The campaign is no longer dispatched here: its pacing state and abandonment tracker go too (a later
   *  start rebuilds the tracker from the attempts on record). */
  private untrack(campaignId: number): void {
    this.dispatcher.campaigns.delete(campaignId);
    this.dialing.forget(campaignId);
  }

  private statusSet(c: CampaignRuntime, status: CampaignStatus): void {
    c.status = status;
    if (!ACTIVE_STATUSES.includes(status)) {
      // Calls in flight still end and are recorded; the campaign just takes no new dials.
      if (c.inFlight === 0) this.untrack(c.id);
    }
  }

  async completeIfDrained(c: CampaignRuntime, now: number): Promise<void> {
    const counts = await this.dispatch.countByStatus(c.id);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total === 0 || counts.pending || counts.in_progress) return;
    // Checked again in the write itself: contacts a reset or an import brought back meanwhile keep it
    // running, and a pause or stop served by another node since this node last read the campaign stands.
    const holder = { id: c.id, account_id: c.accountId, status: c.status };
    const opts = { ifDrained: true, ifUnchanged: true };
    if (await this.writeStatus(holder, "completed", now, undefined, opts)) {
      this.statusSet(c, "completed");
      return;
    }
    this.dispatcher.invalidateWaiting(c.id);
    const row = await this.refresh(c.id);
    if (!row) this.statusSet(c, "stopped");
    else if (row.status !== holder.status) this.statusSet(c, c.status);
  }

  /** Whether the account may dial: a metered one judged from the balance the store holds now, with the
   *  charges of every node (AccountBilling.hasBalance). */
  async hasBalance(accountId: number, owedMicros = 0): Promise<boolean> {
    return this.billing.hasBalance(accountId, owedMicros);
  }

  metered(accountId: number): boolean {
    return this.billing.metered(accountId);
  }

  chargeFor(c: CampaignRuntime, phone: string, answered: boolean, talkSec: number): number {
    return this.billing.chargeFor(c.accountId, phone, answered, talkSec);
  }

  noteCharged(accountId: number, micros: number): void {
    this.billing.noteCharged(accountId, micros);
  }

  /** After a top-up or a change of rates: re-read the account and look at its campaigns again. */
  async billingChanged(accountId: number): Promise<void> {
    await this.billing.reload([accountId]);
    this.dispatcher.wake();
  }

  // ------------------------------------------------------------------------------------------------

  /** A metered account under 1 USD may not start or resume dialing (Voximplant's rule). */
  private async requireBalance(row: Campaign): Promise<void> {
    await this.requireStartBalance(row.account_id, row.id);
  }

  /** What a start of the campaign with these settings would refuse (its balance, its end time), checked by
   *  a face before it writes an edit that starts it: the edit is then refused whole, not half applied. */
  async requireStartable(row: Campaign, settings: CampaignSettings): Promise<void> {
    await this.requireStartBalance(row.account_id, row.id);
    const times = this.commands.startTimes(row, settings, this.clock.now());
    const ended = this.commands.startEndedError(row.id, times, settings);
    if (ended) throw ended;
  }

  async requireStartBalance(accountId: number, campaignId: number | null): Promise<void> {
    await this.billing.reload([accountId]);
    if (!(await this.billing.hasBalance(accountId))) {
      const what = campaignId === null ? "a campaign" : `campaign ${campaignId}`;
      throw new EngineError(
        "insufficient_balance",
        `the account balance is under 1 USD; top it up before starting ${what}`,
        409,
      );
    }
  }

  private async track(row: Campaign | undefined): Promise<void> {
    if (!row) return;
    const known = this.dispatcher.campaigns.get(row.id);
    if (known) {
      const was = known.status;
      const wasDialing = was === "running" || was === "scheduled";
      known.update(row, this.clock.now());
      // Paused or stopped through another node: what this node claimed for a coming slot goes back, and a
      // stop hangs up the calls not answered yet, as it does on the node that was asked (also after a pause
      // this node had seen: a paused campaign's calls still ring).
      if (wasDialing && known.status !== "running" && known.status !== "scheduled") {
        await this.dispatcher.releaseQueued(known);
      }
      if (known.status === "stopped" && was !== "stopped") this.dispatcher.hangupUnanswered(known);
    } else if (ACTIVE_STATUSES.includes(row.status as CampaignStatus)) {
      const rt = new CampaignRuntime(row, this.clock.now());
      // Its calls-per-second spacing goes on from the campaign's last dial: a stop and start, a restart
      // or another node's handover must not allow a burst within the same second.
      const last = await lastDialAt(this.store.db, row.id);
      // Its abandonment tracker is rebuilt from the record before any pass can see the campaign: a pass's
      // wanted() would make an empty one, and a campaign at 10 % abandoned would dial ahead as if at 0.
      const history = usesAgents(rt.settings) ? await answerHistory(this.store, row.id) : null;
      // Tracked meanwhile (a start served while the campaigns were re-read): that runtime and its calls stand.
      if (this.dispatcher.campaigns.has(row.id)) return this.track(row);
      if (last !== null) rt.spacing.consume(last);
      if (history) {
        this.dialing.seed(rt, history);
        this.groupsReadAt = Number.NEGATIVE_INFINITY; // a new tracker needs its group's figures at once
      }
      this.dispatcher.campaigns.set(row.id, rt);
    }
  }

  private async refreshCampaigns(): Promise<void> {
    const rows = await this.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("status", "in", ACTIVE_STATUSES)
      .execute();
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.id);
      await this.track(row);
    }
    // A campaign stopped, halted or completed elsewhere (another node's API) while calls of its are still on
    // the line here stays tracked until they end: it must learn its new status, or it would go on dialing.
    const gone = [...this.dispatcher.campaigns.keys()].filter((id) => !seen.has(id));
    if (gone.length) {
      const left = await this.store.db.selectFrom("campaigns").selectAll().where("id", "in", gone).execute();
      for (const row of left) await this.track(row);
    }
    for (const [id, c] of this.dispatcher.campaigns) {
      if (!seen.has(id) && c.inFlight === 0) this.untrack(id);
    }
    await this.attachRobots();
    await this.seedAbandonment();
    // Balances move with every charge and with top-ups on any node: re-read the accounts in play.
    const inPlay = [...this.dispatcher.campaigns.values()].map((c) => c.accountId);
    await this.billing.reload(inPlay);
    // Contacts can arrive or become due through other paths than this node's own calls (imports, edits,
    // other nodes): re-reading the earliest waiting time now and then bounds how long any can go unseen.
    this.dispatcher.invalidateWaiting();
  }

  private async reconcileExpired(now: number): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const expired = await this.dispatch.expiredLeases(now, 500);
      const mine = expired.filter((e) => !this.dispatcher.ownsCall(e.attemptId));
      if (mine.length === 0) return;
      for (const lost of mine) {
        if (lost.reserved !== null) {
          await this.dispatcher.releaseLost({ ...lost, reserved: lost.reserved }, now);
          continue;
        }
        const rt =
          this.dispatcher.campaigns.get(lost.contact.campaign_id) ??
          (await this.runtimeFor(lost.contact.campaign_id));
        this.dispatcher.queueLost(rt, lost, now);
      }
      await this.dispatcher.flush();
      if (expired.length < 500) return;
    }
  }

  private async runtimeFor(campaignId: number): Promise<CampaignRuntime> {
    const row = await this.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow();
    return new CampaignRuntime(row);
  }

  /** Returns whether the status was written (with `ifDrained`, it may not be; see StateWrites). */
  private async writeStatus(
    from: StatusHolder,
    status: CampaignStatus,
    now: number,
    reason?: string,
    opts: { ifDrained?: boolean; ifUnchanged?: boolean } = {},
  ): Promise<boolean> {
    const final = status === "completed" || status === "halted" || status === "stopped";
    const set = { status_reason: reason ?? null, ...(final ? { finished_at: now } : {}) };
    return this.writes.campaignStatus(from, status, now, set, opts);
  }

  /** A lifecycle command's write: only onto the status and settings it was decided from (false if not). */
  private async commitStatus(
    from: StatusHolder,
    status: CampaignStatus,
    now: number,
    set: CampaignUpdate,
  ): Promise<boolean> {
    return this.writes.campaignStatus(from, status, now, set, { ifUnchanged: true });
  }

  /**
   * Runs a lifecycle command on a fresh read of the campaign. Its write lands only if the campaign is still
   * as read (commitStatus): a command that lost the race to another one, or to an edit, answers null and
   * is decided again on a new read, so concurrent commands act as if sent one after the other (a pause
   * that loses to a stop is refused, not written over it; a second start is refused, not sent twice).
   */
  private async onFreshRead<T>(
    accountId: number,
    campaignId: number,
    command: (row: Campaign) => Promise<T | null>,
  ): Promise<T> {
    return untilWritten(
      async () => command(await this.campaign(accountId, campaignId)),
      () => new EngineError("conflict", `campaign ${campaignId} kept changing; send the command again`, 409),
    );
  }

  private async campaign(accountId: number, campaignId: number): Promise<Campaign> {
    const row = await this.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", campaignId)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (!row) throw new EngineError("not_found", `campaign ${campaignId} not found`, 404);
    return row;
  }

  async pacing(accountId: number, campaignId: number): Promise<CampaignPacingView> {
    const row = await this.campaign(accountId, campaignId);
    const rt = this.dispatcher.campaigns.get(row.id);
    if (!rt) {
      const view = { method: withDefaults(JSON.parse(row.settings)).dialMethod, latest: null, decisions: [] };
      return { ...view, campaignId: row.id, active: false, abandonment: null };
    }
    const tracker =
      usesAgents(rt.settings) && this.dialing.hasTracker(rt.id) ? this.dialing.tracker(rt) : null;
    return {
      ...this.dialing.view(rt),
      campaignId: rt.id,
      active: true,
      abandonment: tracker && { ...tracker.strictest(this.clock.now()), targetRate: tracker.targetRate },
    };
  }

  async explain(accountId: number, campaignId: number): Promise<Explanation> {
    const row = await this.campaign(accountId, campaignId);
    return explainCampaign({
      row,
      db: this.store.db,
      runtime: this.dispatcher.campaigns.get(row.id) ?? null,
      dispatch: this.dispatch,
      now: this.clock.now(),
      hasBalance: await this.hasBalance(accountId),
      endedAt: this.commands.endedAt(row),
      holder: await campaignHolder(this.store.db, row.id, this.clock.now()),
      nodeId: this.nodeId,
      callsPlaced: this.dispatcher.placedCallsOf(row.id),
      driver: this.driver,
      nextAllowed,
    });
  }
}
