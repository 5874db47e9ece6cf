// The dispatch loop. Each pass flushes ended calls to the store, keeps leases fresh, then walks the active
// campaigns in priority order and claims as many due contacts as concurrency, calls per second and the
// driver's channels allow, originating each at its own dial slot. Passes run on the Clock: on a timer
// for the next thing that can change (a slot, a retry coming due, a window opening) and whenever a call ends.
// It is long on purpose: every path a claimed dial takes on this node (a pass's claim, an agent's preview
// and its dial, the slot, the balance and heartbeat checks there, the give-back) reads and writes the same
// calls map and capacity counts, whose invariants are kept by keeping those paths in one class; the rules
// that decide a dial live elsewhere (claim-decision.ts, campaign-gate.ts, store/dispatch).
import type { Clock, TimerHandle } from "../clock/clock.ts";
import { usesAgents } from "../model/campaign-settings.ts";
import type {
  DispatchStore,
  ExpiredLease,
  ReleasedDial,
  ReservedState,
  StartedAttempt,
} from "../store/dispatch/types.ts";
import { CLAIM_LEASE_MS, reservedStateOf } from "../store/dispatch/types.ts";
import type { CallEnded, TelephonyDriver } from "../telephony/driver.ts";
import type { LiveAgent } from "./agents/board.ts";
import type { AgentDialing } from "./agents/dialing.ts";
import { claimHooks, gateCampaign } from "./campaign-gate.ts";
import type { CampaignRuntime } from "./campaign-runtime.ts";
import { windowsOpen } from "./claim-decision.ts";
import { EndedAttempts } from "./ended-attempts.ts";
import { HeartbeatHold } from "./heartbeat-hold.ts";
import {
  type CampaignStatusWriter,
  finishedFromEnd,
  type LiveCall,
  lostAttempt,
  newLiveCall,
  originateRequest,
  voicemailOf,
} from "./outcomes.ts";

/** A dial whose slot is further than this from the do-not-call check that let it through (its claim, or an
 *  agent's press) is checked again when the slot comes. A pass claims for the next second (lookaheadMs). */
const DNC_FRESH_MS = 2000;

/** How much further than real time the wall reading may move between two readings before it is taken as a
 *  step forward (takeClockStep). NTP slewing is left alone: it moves a clock's rate by at most half a
 *  millisecond a second (on Linux the monotonic clock's with it) and readings come at most a maintenance
 *  interval apart, so it adds up to a few ms between them; a pause between the two clocks' reads (a
 *  preemption, a collection) counts as drift too. All far under this, while NTP steps are bigger (ntpd
 *  steps from 128 ms, chrony from a second by default). A step under it is not taken in: it may let one
 *  dial out that much early, once. */
const STEP_FORWARD_MIN_MS = 250;

export interface DispatcherOptions {
  dispatch: DispatchStore;
  statusWriter: CampaignStatusWriter;
  clock: Clock;
  driver: TelephonyDriver;
  nodeId: string;
  /** How long this node's heartbeat holds what it claimed once it stops renewing it (engine.ts renews it). */
  leaseMs: number;
  /** Minimum spacing between two passes, so bursts of ended calls share one transaction. */
  tickGapMs: number;
  /** How often to re-read campaigns and sweep leases without any event (default 5 s). */
  maintenanceMs?: number;
  /** Channels across all campaigns (the trunk); null = only the campaigns' own limits. */
  maxChannels: number | null;
  /** Upper bound on contacts claimed in one transaction. */
  claimBatch?: number;
  /** How far ahead of its slot a rate-limited dial may be claimed. */
  lookaheadMs?: number;
  /** Makes due again the campaign's contacts written since `since` that wait on its settings (an edit's
   *  re-judging, store/campaigns.ts rejudgeWaits). */
  rejudgeWaits(campaignId: number, since: number, now: number): Promise<void>;
  onError?(err: unknown): void;
  /** Called after a commit that wrote webhook events, so delivery can look at once. */
  onEvents?(): void;
  /** Agent campaigns: pacing, live answers to agents, abandonment. */
  agents: AgentDialing;
}

export class Dispatcher {
  readonly campaigns = new Map<number, CampaignRuntime>();
  /** The engine reports each heartbeat renewal here; a dial whose claim outlived a lapse is given back. */
  readonly heartbeat = new HeartbeatHold();
  /** Previews being given back (releaseReserved), each with its write. */
  private readonly releasing = new Map<string, { call: LiveCall; done: Promise<void> }>();
  private readonly calls = new Map<string, LiveCall>();
  private readonly ended: EndedAttempts;
  private timer: TimerHandle | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private busy = false;
  /** Settles when the pass under way ends: a shutdown waits for it before it gives back what was claimed. */
  private passDone: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private lastPassAt = Number.NEGATIVE_INFINITY;
  private nextMaintenanceAt = Number.NEGATIVE_INFINITY;
  /** The latest reading of the clock (now()): one earlier than it is a step back of the wall clock. */
  private clockSeen = Number.NEGATIVE_INFINITY;
  /** The clock's monotonic reading taken with clockSeen: the real time between two readings, which a wall
   *  reading further on than that is a step forward by (takeClockStep). */
  private monotonicSeen = Number.NEGATIVE_INFINITY;
  /** Dials waiting for their slot (call.startedAt), each with what its timer runs: a step of the wall
   *  clock moves them (clockWentBack, clockWentForward). */
  private readonly queued = new Map<LiveCall, () => void | Promise<void>>();
  /** Earliest next_attempt_at of each campaign's waiting contacts; -Infinity = unknown, look it up. */
  private nextWaiting = new Map<number, number>();
  private readonly claimBatch: number;
  private readonly lookaheadMs: number;
  /** Counters for tests and benchmarks. */
  readonly stats = { originated: 0, finished: 0, passes: 0, outcomes: {} as Record<string, number> };
  maintenance: (now: number) => Promise<void> = async () => {};
  /** Told when the wall clock went back `stepMs` (clockWentBack), to move what is timed outside the
   *  dispatcher (the engine's heartbeat and sweeps). */
  onClockBack: (stepMs: number) => void = () => {};

  constructor(private readonly o: DispatcherOptions) {
    this.claimBatch = o.claimBatch ?? 500;
    this.lookaheadMs = o.lookaheadMs ?? 1000;
    this.ended = new EndedAttempts({
      finish: (batch) => o.dispatch.finish(batch),
      noteCharged: (accountId, micros) => o.statusWriter.noteCharged(accountId, micros),
      onEvents: o.onEvents && (() => o.onEvents?.()),
    });
    o.agents.recordAbandonsWith((call, at) =>
      o.dispatch.recordAbandon({
        attemptId: call.attemptId,
        contactId: call.contactId,
        answeredAt: call.answeredAt ?? at,
        at,
      }),
    );
    o.driver.setListener({
      ringing: (callId) => {
        const call = this.calls.get(callId);
        if (call && call.ringingAt === null) call.ringingAt = o.clock.now();
      },
      connected: (callId) => {
        const call = this.calls.get(callId);
        if (call && call.pickedUpAt === null) call.pickedUpAt = o.clock.now();
      },
      answered: (callId, by) => {
        const call = this.calls.get(callId);
        if (call) {
          call.answeredAt = o.clock.now();
          call.answeredBy = by;
          if (call.forAgents || call.agent) o.agents.answered(call, by, call.answeredAt);
          else if (by === "machine") this.leaveVoicemail(call);
        }
      },
      ended: (ev) => this.onEnded(ev),
    });
  }

  get inFlight(): number {
    let n = 0;
    for (const c of this.campaigns.values()) n += c.inFlight;
    return n;
  }

  /** Agents' claims under way on this node (claimForAgent, counted per campaign): each holds a place until
   *  its call is launched or not. */
  private get agentClaims(): number {
    let n = 0;
    for (const c of this.campaigns.values()) n += c.agentClaims;
    return n;
  }

  /** Of inFlight, the calls handed to the driver (the rest are claimed, waiting for a slot or an agent). */
  get placedCalls(): number {
    let n = 0;
    for (const call of this.calls.values()) if (call.originated) n++;
    return n;
  }

  /** Of one campaign's inFlight, the calls handed to the driver. */
  placedCallsOf(campaignId: number): number {
    let n = 0;
    for (const call of this.calls.values()) if (call.originated && call.campaign.id === campaignId) n++;
    return n;
  }

  get liveCalls(): ReadonlyMap<string, LiveCall> {
    return this.calls;
  }

  /** A live call, or a preview being given back (releaseReserved): a logout or a queue change meanwhile
   *  joins that give-back rather than find no preview and leave it to come back to nobody if it fails. */
  callOrReleasing(callId: string): LiveCall | undefined {
    return this.calls.get(callId) ?? this.releasing.get(callId)?.call;
  }

  /** Asks for a pass at `at` (default now), unless one is already due sooner. */
  wake(at?: number): void {
    if (this.stopped) return;
    const back = this.takeClockStep();
    const now = this.clockSeen;
    // A time reckoned before the clock went back (a pass's next wake) lies on the old reading too. (One
    // reckoned before a step forward lies earlier than meant: a pass then comes early, which is harmless.)
    const when = Math.max(at === undefined ? now : at - back, this.lastPassAt + this.o.tickGapMs);
    if (when >= this.timerAt) return;
    this.armPass(when);
  }

  private armPass(at: number): void {
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.o.clock.at(at, () => this.pass());
  }

  /** The clock's reading as the dispatcher goes by it. A step of the wall clock since the last reading,
   *  back (a reading earlier than it) or forward (takeClockStep), is taken in at once (clockWentBack,
   *  clockWentForward), except during a pass: until the pass ends the clock reads as it last did, so that
   *  what the pass reckons, and what is reckoned meanwhile, lies on the old reading and moves with the
   *  rest when it ends. (A step forward taken in mid-pass would leave the slots the pass laid out on the
   *  old reading: all due at once on the new one, their dials would go out together.) */
  now(): number {
    this.takeClockStep();
    return this.clockSeen;
  }

  /** Takes in a step of the wall clock since the last reading, unless a pass is under way: back, when the
   *  reading is earlier than the last; forward, when it moved on further than real time did (the monotonic
   *  reading) by more than STEP_FORWARD_MIN_MS. How far it went back (0: it did not, or it waits for the
   *  pass's end). */
  private takeClockStep(): number {
    const reading = this.o.clock.now();
    const monotonic = this.o.clock.monotonic();
    const back = this.clockSeen - reading;
    const ahead = reading - this.clockSeen - (monotonic - this.monotonicSeen);
    const forward = this.clockSeen !== Number.NEGATIVE_INFINITY && ahead > STEP_FORWARD_MIN_MS;
    if ((back > 0 || forward) && this.busy) return 0;
    this.clockSeen = reading;
    this.monotonicSeen = monotonic;
    if (back > 0) {
      this.clockWentBack(back);
      return back;
    }
    // Whole milliseconds, as the times it moves are written (bigint): the monotonic reading has a fraction
    // where the wall's has none. Up, so that nothing goes out early.
    if (forward) this.clockWentForward(Math.ceil(ahead));
    return 0;
  }

  /**
   * The wall clock was stepped back `stepMs` (NTP correcting a clock that ran ahead, a VM snapshot
   * restored, an operator fixing the time): everything timed on the old reading moves back by the step,
   * as if it had come right after the last reading. Nothing then waits out the step (the next pass, the
   * maintenance, each campaign's dial spacing, the dials queued for their slot, the engine's heartbeat),
   * and the calls-per-second spacing still holds from the dials just made: the real time between the two
   * readings is taken as none, so they lie where they were or later, never earlier, and the next dial goes
   * out at least a spacing of real time after them. (The monotonic reading would tell that time, but any
   * pause between the two clocks' reads would then make the step look longer, and the dials earlier.)
   */
  private clockWentBack(stepMs: number): void {
    this.lastPassAt -= stepMs;
    this.nextMaintenanceAt -= stepMs;
    this.heartbeat.clockWentBack(stepMs);
    for (const c of this.campaigns.values()) c.clockWentBack(stepMs);
    for (const [call, run] of this.queued) {
      call.queuedTimer?.cancel();
      call.startedAt -= stepMs;
      this.armSlot(call, run);
    }
    if (this.timer !== null && !this.stopped) this.armPass(this.timerAt - stepMs);
    this.onClockBack(stepMs);
  }

  /**
   * The wall clock was stepped forward `stepMs` (NTP correcting a clock that ran slow, a VM resumed): a
   * wall reading cannot tell that from a long quiet gap, the monotonic one can. The timers keep waiting in
   * real time (the dials queued for their slot, the next pass), so what is kept on the old reading moves
   * forward with them: else the dials just made, an hour old on the new reading, would let the next ones
   * go out at once beside those still queued (review44). The queued dials' timers are left as they are
   * (armSlot armed them for a wait, not for a wall time). The maintenance is not moved: the next pass runs
   * it, renewing the heartbeat from the new reading. During a pass it waits for the pass's end (now): the
   * dials the pass places meanwhile, on the reading it froze, then wait longer than their slot, never less.
   */
  private clockWentForward(stepMs: number): void {
    this.lastPassAt += stepMs;
    this.timerAt += stepMs; // still +Infinity when no pass is armed
    for (const c of this.campaigns.values()) c.clockWentForward(stepMs);
    for (const call of this.queued.keys()) call.startedAt += stepMs;
  }

  /** Forget what is known about waiting contacts (after an import or a settings change). */
  invalidateWaiting(campaignId?: number): void {
    if (campaignId === undefined) this.nextWaiting.clear();
    else this.nextWaiting.delete(campaignId);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    // A pass still in the database would otherwise write (claimed contacts, ended attempts) after this
    // returns, when the store may be closing.
    await this.passDone;
    await this.flush();
    // Nothing dialed them yet: previews and calls waiting for their slot go back as if never claimed.
    for (const c of new Set([...this.calls.values()].map((call) => call.campaign)))
      await this.releaseQueued(c);
  }

  private onEnded(ended: CallEnded): void {
    const call = this.calls.get(ended.callId);
    if (!call) return;
    // The pacer hung it up after it rang its legal minimum: the callee did not answer in that time.
    // (One who answered as it was hung up was hung up on: the agents' side counts it as abandoned.)
    const ev: CallEnded =
      call.releasedAt !== null && ended.cause === "cancelled" && !ended.answeredAfterCancel
        ? { ...ended, cause: "no_answer" }
        : ended;
    this.calls.delete(ev.callId);
    call.campaign.dialGone(call.phone);
    call.campaign.drainCheckDue = true;
    const now = this.o.clock.now();
    if (call.forAgents || call.agent) this.o.agents.ended(call, ev, now);
    // Hung up while AMD still listened (the line dropped; or a stop, on a driver that does not report
    // pickups): the line was connected though no verdict reached us, so the call is answered from the
    // moment it connected, and billed like any answered call.
    if (call.answeredAt === null && ev.talkSec > 0) call.answeredAt = now - Math.round(ev.talkSec * 1000);
    // An answer that crossed our CANCEL is on the record as a live answer (abandoned), but the call was
    // given up: billed as unanswered, as a robot campaign's is.
    const charge = this.o.statusWriter.chargeFor(
      call.campaign,
      call.phone,
      call.answeredAt !== null && !ev.answeredAfterCancel,
      ev.talkSec,
    );
    const f = finishedFromEnd(call, ev, now, this.o.nodeId, charge);
    this.ended.add(f);
    this.counted(f.outcome);
    if ("nextAt" in f.contact) this.noteWaiting(call.campaign.id, f.contact.nextAt);
    this.wake();
  }

  private counted(outcome: string): void {
    this.stats.finished++;
    this.stats.outcomes[outcome] = (this.stats.outcomes[outcome] ?? 0) + 1;
  }

  private noteWaiting(campaignId: number, at: number): void {
    const known = this.nextWaiting.get(campaignId);
    if (known !== undefined && at < known) this.nextWaiting.set(campaignId, at);
  }

  /** Writes every attempt that has ended so far (EndedAttempts.flush). */
  flush(): Promise<void> {
    return this.ended.flush();
  }

  /** Whether the campaign's account is over its balance floor, with the charges not yet written; when
   *  not, the pass is woken to stop the campaign (campaign-gate). */
  private async hasBalanceFor(c: CampaignRuntime): Promise<boolean> {
    if (await this.o.statusWriter.hasBalance(c.accountId, this.ended.owedBy(c.accountId))) return true;
    this.wake();
    return false;
  }

  private async pass(): Promise<void> {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    const now = this.now();
    this.busy = true;
    let passEnded!: () => void;
    this.passDone = new Promise((resolve) => {
      passEnded = resolve;
    });
    this.lastPassAt = now;
    this.stats.passes++;
    let wakeAt = Number.POSITIVE_INFINITY;
    try {
      // Ended attempts ride along with the pass's first claim (one commit); whatever is left is flushed last.
      if (now >= this.nextMaintenanceAt) {
        await this.maintenance(now);
        this.nextMaintenanceAt = now + Math.min(this.o.maintenanceMs ?? 5000, Math.floor(this.o.leaseMs / 3));
      }
      wakeAt = this.nextMaintenanceAt;
      let globalFree =
        this.o.maxChannels === null
          ? Number.POSITIVE_INFINITY
          : this.o.maxChannels - this.inFlight - this.agentClaims;
      const active = [...this.campaigns.values()].sort((a, b) => a.priority - b.priority || a.id - b.id);
      for (const c of active) {
        const r = await this.dispatchCampaign(c, now, globalFree);
        globalFree -= r.started;
        wakeAt = Math.min(wakeAt, r.wakeAt);
      }
      await this.flush();
    } catch (err) {
      this.o.onError?.(err);
      wakeAt = Math.min(wakeAt, now + 1000);
    } finally {
      this.busy = false;
      passEnded();
    }
    if (this.again) {
      this.again = false;
      wakeAt = now;
    }
    // The pass reckoned on the reading it began with: a step meanwhile is taken in now, and one back moves
    // its next wake too.
    const back = this.takeClockStep();
    if (wakeAt < Number.POSITIVE_INFINITY) this.wake(wakeAt - back);
  }

  private async dispatchCampaign(
    c: CampaignRuntime,
    now: number,
    globalFree: number,
  ): Promise<{ started: number; wakeAt: number }> {
    if (!c.dialsOn(this.o.nodeId, now)) {
      // Another node dispatches it, or this node's lease lapsed; maintenance looks again within seconds.
      c.lastBlock = { code: "other_node", until: null };
      // The node dialing it re-judges what it put off; should this one take it over, it looks back then.
      c.waitsEditedAt = null;
      c.dialing = false;
      return { started: 0, wakeAt: Number.POSITIVE_INFINITY };
    }
    if (!c.dialing) {
      // Taken up (a start, a restart, a lease taken over): the node that dialed it before may have died
      // between an edit of its hours and its own re-read, having put contacts off under the old ones. It
      // re-read within a maintenance interval, or died, and its lease ran out since: two leases back cover it.
      c.dialing = true;
      c.waitsEditedAt = Math.min(c.waitsEditedAt ?? Number.POSITIVE_INFINITY, now - 2 * this.o.leaseMs);
    }
    if (c.waitsEditedAt !== null) {
      // Its hours or caps were edited: what passes under the old ones put off since is judged again before
      // this pass claims.
      await this.o.rejudgeWaits(c.id, c.waitsEditedAt, now);
      c.waitsEditedAt = null;
      this.invalidateWaiting(c.id);
    }
    const w = this.o.statusWriter;
    const gate = await gateCampaign(c, now, w, {
      releaseQueued: () => this.releaseQueued(c),
      hangupUnanswered: () => this.hangupUnanswered(c),
      completeIfDrained: async () => {
        await this.flush(); // the last calls' outcomes, so that their contacts count as final
        await w.completeIfDrained(c, now);
      },
      owedMicros: () => this.ended.owedBy(c.accountId),
    });
    if (!gate.open) return { started: 0, wakeAt: gate.wakeAt };
    const haltWake = gate.haltWake;

    let waitingAt = this.nextWaiting.get(c.id);
    if (waitingAt === undefined)
      waitingAt = (await this.o.dispatch.nextWaitingAt(c.id)) ?? Number.POSITIVE_INFINITY;
    // Due waiting contacts are promoted inside the first claim's transaction (one commit per pass); only a
    // pass that claims nothing promotes on its own.
    let promotePending = waitingAt <= now;

    let started = 0;
    let capacity = Math.min(c.settings.maxConcurrent - c.inFlight - c.agentClaims, globalFree);
    let agentWake = Number.POSITIVE_INFINITY;
    let pacerBound = false;
    if (usesAgents(c.settings)) {
      // Agent campaigns dial what their pacer asks for, within the same limits as any campaign.
      const want = this.o.agents.wanted(c, now);
      agentWake = want.wakeAt;
      if (want.dials <= 0) {
        c.lastBlock = { code: want.block ?? "agents_busy", until: null };
        this.o.agents.placed(c, 0, null);
        // Agents' own events (ready, call ended) bring the next pass; contacts already due need no timer.
        const waitingWake = waitingAt > now ? waitingAt : Number.POSITIVE_INFINITY;
        // No claim runs here to find the queue dry, so a campaign with nothing left is completed here.
        if (c.inFlight === 0 && !Number.isFinite(waitingAt)) {
          await this.flush();
          await w.completeIfDrained(c, now);
        }
        return { started: 0, wakeAt: Math.min(agentWake, haltWake, waitingWake) };
      }
      // The pacer's allowance, not the campaign's limits, is what a pass that used it all stops at.
      pacerBound = want.dials < capacity;
      capacity = Math.min(capacity, want.dials);
    }
    let queueDry = false;
    const hooks = claimHooks(c, now, this.o.onError);
    for (let round = 0; round < 8 && capacity > 0; round++) {
      // No slot at or past the halt: a dial claimed for it would go out before the pass that halts.
      const horizon = Math.min(now + this.lookaheadMs, c.haltAt ?? Number.POSITIVE_INFINITY);
      const slots = c.spacing.slots(now, horizon, Math.min(capacity, this.claimBatch));
      if (slots.length === 0 || slots[0] >= horizon) break;
      let k = 0;
      let deferredUntil = Number.POSITIVE_INFINITY;
      const finished = this.ended.take();
      const heartbeatRun = this.heartbeat.run;
      const claim = this.o.dispatch
        .claim({
          finished,
          campaignId: c.id,
          limit: slots.length,
          owner: this.o.nodeId,
          now,
          leaseUntil: slots[slots.length - 1] + CLAIM_LEASE_MS,
          recentSince: hooks.recentSince,
          promoteDue: promotePending,
          // A dial slotted after now waits for its slot: reserved until then (marked dialed as it goes out).
          reserveSlotsAfter: now,
          settledEvents: hooks.settledEvents,
          decide: (cand, recent) => {
            const d = hooks.decide(cand, slots[k], recent);
            if (d.kind === "start") k++;
            else if (d.kind === "defer") deferredUntil = Math.min(deferredUntil, d.until);
            return d;
          },
        })
        .catch((err) => {
          this.ended.putBack(finished);
          throw err;
        });
      const result = await (finished.length > 0 ? this.ended.writing(claim) : claim);
      this.ended.committed(finished);
      if (result.eventsWritten > 0) this.o.onEvents?.();
      if (promotePending) {
        promotePending = false;
        waitingAt = result.nextWaitingAt ?? Number.POSITIVE_INFINITY;
      }
      if (deferredUntil < waitingAt) waitingAt = deferredUntil;
      this.nextWaiting.set(c.id, waitingAt);
      if (c.status !== "running" || this.stopped) {
        // Paused, stopped or halted while the claim ran, or the process is shutting down (their
        // releaseQueued came too early to see these): what it took goes back undialed.
        await this.o.dispatch.release(result.started.map((s) => this.releasedDial(s)));
        this.invalidateWaiting(c.id);
        return { started, wakeAt: Number.POSITIVE_INFINITY };
      }
      // A dial pushed past its hours at the slot it got is given back at once: neither started nor counted.
      let launched = 0;
      const marking: Promise<void>[] = [];
      for (const s of result.started) {
        const call = this.launch(c, s, heartbeatRun, null, s.decision.at > now);
        if (call === null) continue;
        launched++;
        // Claimed ahead of a slot that has come while the claim ran: marked dialed, then dialed.
        if (call.markOnDial && call.queuedTimer === null) marking.push(this.originateIfUnlisted(call, false));
      }
      await Promise.all(marking);
      started += launched;
      capacity -= launched;
      if (result.examined < slots.length) {
        queueDry = true;
        break;
      }
    }

    if (promotePending) {
      await this.o.dispatch.promoteDue(c.id, now);
      waitingAt = (await this.o.dispatch.nextWaitingAt(c.id)) ?? Number.POSITIVE_INFINITY;
    }
    this.nextWaiting.set(c.id, waitingAt);

    let wakeAt = Math.min(waitingAt, haltWake, agentWake);
    if (capacity <= 0 && pacerBound) {
      c.lastBlock = { code: "agents_busy", until: null };
    } else if (capacity <= 0) {
      c.lastBlock = {
        code: globalFree <= started ? "global_channels_saturated" : "concurrency_saturated",
        until: null,
      };
    } else if (!queueDry) {
      const slot = c.spacing.nextSlot(now);
      c.lastBlock = slot > now ? { code: "cps_saturated", until: slot } : null;
      wakeAt = Math.min(wakeAt, Math.max(slot - this.lookaheadMs / 2, now + 1));
    } else {
      c.lastBlock = { code: "no_contacts_due", until: Number.isFinite(waitingAt) ? waitingAt : null };
      if (c.inFlight === 0 && !Number.isFinite(waitingAt)) {
        await this.flush();
        await w.completeIfDrained(c, now);
      }
    }
    if (usesAgents(c.settings)) this.o.agents.placed(c, started, c.lastBlock?.code ?? null);
    return { started, wakeAt };
  }

  /** The call of a claimed attempt, placed in its slot; null if it was given back instead (see place).
   *  `reserved`: the claim kept the attempt reserved (claimReserves), to be marked dialed as it goes out (by
   *  its slot's timer, or by the caller when the slot came while the claim ran). */
  private launch(
    c: CampaignRuntime,
    s: StartedAttempt,
    heartbeatRun: number,
    reservedFor: LiveAgent | null = null,
    reserved = false,
  ): LiveCall | null {
    const call = newLiveCall(c, s, reservedFor, heartbeatRun);
    c.dialClaimed(call.phone);
    this.calls.set(call.callId, call);
    if (call.forAgents) this.o.agents.launched(call);
    // A reserved call takes its calls-per-second slot when the agent dials it (dialReserved).
    if (reservedFor) return call;
    call.markOnDial = reserved;
    if (this.place(call, s.decision.at, s.decision.at) !== null) {
      this.giveBack(call);
      return null;
    }
    return call;
  }

  /** Originates the call in the first calls-per-second slot from `at` on, which it takes: the pass's own
   *  slots are that already, and an agent's dial placed meanwhile pushes them on rather than doubling up.
   *  Its calling hours were judged for the moment `judgedFor`; pushed past it (an agent's dial took that
   *  slot meanwhile), they must hold at the slot it got, and the slot must come before the campaign's
   *  halt, or it is not placed and why is returned (the caller gives it back); null: placed. */
  private place(call: LiveCall, at: number, judgedFor: number): "campaign_ending" | "window_closed" | null {
    const c = call.campaign;
    // Read before the slot is taken: a step of the clock since the last reading moves the spacing first.
    const now = this.now();
    const next = c.spacing.peek(at);
    if (c.haltAt !== null && next >= c.haltAt) return "campaign_ending"; // nothing dials at or after the halt
    if (next > judgedFor + 1 && !windowsOpen(c.settings, c.windows, call.contact, call.phone, next)) {
      return "window_closed";
    }
    const slot = c.spacing.take(at);
    call.startedAt = slot;
    if (call.markOnDial) {
      // Still reserved: marked dialed when it goes out (by its caller when its slot is now), its lists
      // looked at again if it waited long.
      const recheck = slot - now > DNC_FRESH_MS;
      if (slot > now)
        this.armSlot(
          call,
          this.ifFunded(call, () => this.originateIfUnlisted(call, recheck)),
        );
    } else if (slot <= now) this.originateIfHeld(call);
    else if (slot - now <= DNC_FRESH_MS)
      this.armSlot(
        call,
        this.ifFunded(call, () => this.originateIfHeld(call)),
      );
    else
      this.armSlot(
        call,
        this.ifFunded(call, () => this.originateIfUnlisted(call)),
      );
    return null;
  }

  /** Sets the timer of a dial waiting for its slot (call.startedAt); forgetUndialed drops it. It waits from
   *  the reading the slot was reckoned against (clockSeen), not for a wall time: a step of the wall clock
   *  not yet taken in (one during a pass waits for its end) must not bring the dial out early. */
  private armSlot(call: LiveCall, run: () => void | Promise<void>): void {
    this.queued.set(call, run);
    call.queuedTimer = this.o.clock.after(call.startedAt - this.clockSeen, () => {
      this.queued.delete(call);
      return run();
    });
  }

  /**
   * A dial of a metered account claimed ahead of its slot asks for the balance again when the slot comes:
   * another node's charge may have taken the account under the floor since the claim, and this node runs
   * no pass before its claimed slots go out (dncbill10). Under it, the dial is given back and the pass
   * woken to stop the campaign. An unmetered account's dial goes at once.
   */
  private ifFunded(call: LiveCall, go: () => void | Promise<void>): () => void | Promise<void> {
    // The dial's own promise is returned: a virtual clock waits for it (the mark, the list's read) before
    // it moves on, as a wall clock's few microseconds would.
    return () => {
      const c = call.campaign;
      if (!this.o.statusWriter.metered(c.accountId)) return go();
      const stillQueued = () => this.calls.get(call.callId) === call && !call.originated;
      return this.hasBalanceFor(c).then(
        (funded) => {
          if (!stillQueued()) return;
          if (funded) go();
          else this.giveBack(call);
        },
        (err) => {
          this.o.onError?.(err);
          if (stillQueued()) this.giveBack(call);
        },
      );
    };
  }

  /** A dial that waited long for its slot (an agent's, at a low calls-per-second) looks at the do-not-call
   *  lists again first (`recheck`): a number listed meanwhile (an opt-out import, another agent's
   *  disposition), or a contact withdrawn (its list deleted), is given back for the claim's rules to
   *  settle, never dialed. A list that cannot be read
   *  gives it back too. A reserved dial (an agent's, or one claimed ahead of its slot) is marked dialed for
   *  good only now (markOnDial). */
  private async originateIfUnlisted(call: LiveCall, recheck = true): Promise<void> {
    const c = call.campaign;
    let listed = false;
    let marked = true;
    let markedNow = false;
    try {
      if (recheck) {
        const now = this.o.clock.now();
        listed =
          (await this.o.dispatch.listedPhones(c.accountId, c.id, [call.phone], now)).length > 0 ||
          (await this.o.dispatch.isWithdrawn(call.contactId));
      }
      if (!listed && call.markOnDial && this.calls.get(call.callId) === call) {
        marked = await this.o.dispatch.markDialed(call.attemptId, this.o.clock.now());
        markedNow = marked;
        call.markOnDial = false;
      }
    } catch (err) {
      this.o.onError?.(err);
      listed = true;
    }
    if (this.calls.get(call.callId) !== call || call.originated) return; // given back meanwhile
    // Not marked: this node's lease ran out (its heartbeat lapsed), so it is not ours to dial. Given back:
    // a no-op in the store if another node's sweep took the contact first, else the contact would stay
    // in progress under a lease this node renews again, never dialed nor swept (review41).
    if (!marked || listed) this.giveBack(call);
    else this.originateIfHeld(call, markedNow);
  }

  /**
   * A dial goes out only if this node may still dial the campaign at that moment and its claim is still
   * this node's. A node that stalled past its lease (a paused VM, a long collection, a claim that waited on
   * the database), before the claim returned or while the dial waited for its slot, may find another node
   * holding the campaign, or (an agent campaign, which every node dials) its heartbeat lapsed meanwhile:
   * another node has then recorded this attempt lost and given the contact on. The dial is given back
   * instead (a no-op in the store once the other node has settled it). `markedDialed`: the store has just
   * confirmed the claim is this node's (markDialed), which no heartbeat can say better.
   */
  private originateIfHeld(call: LiveCall, markedDialed = false): void {
    const now = this.o.clock.now();
    const ours = markedDialed || this.heartbeat.holds(call.heartbeatRun, now);
    if (ours && call.campaign.dialsOn(this.o.nodeId, now)) this.originate(call);
    else this.giveBack(call);
  }

  /** A claimed dial that will not go out returns its contact as if never claimed (the claim's rules then
   *  settle it), and its capacity. Its agent (a personal callback's) is free once the contact is back in
   *  the store: a look for the agent's callbacks before that would find none, and not look again. */
  private giveBack(call: LiveCall): void {
    this.forgetUndialed(call);
    this.invalidateWaiting(call.campaign.id);
    this.o.dispatch
      .release([this.releasedDial(call)])
      .catch((err) => this.o.onError?.(err))
      .finally(() => this.o.agents.released(call));
  }

  /** Whether the campaign may take one more call under its maxConcurrent and the node's channels, as a
   *  pass counts them (dials claimed and not placed yet, previews on agents' screens, hold a place). */
  hasLineFor(c: CampaignRuntime): boolean {
    const channelsFree = this.o.maxChannels === null || this.inFlight + this.agentClaims < this.o.maxChannels;
    return channelsFree && c.inFlight + c.agentClaims < c.settings.maxConcurrent;
  }

  /**
   * Preview: claims the campaign's next due contact for an agent, who sees it before anything is dialed;
   * with `heldContactId`, that contact only, if it is still the agent's due personal callback. The attempt
   * holds its lease like any other; `dialReserved` places it, `releaseReserved` gives it back.
   */
  async claimForAgent(
    c: CampaignRuntime,
    agent: LiveAgent,
    heldContactId?: number,
  ): Promise<LiveCall | null> {
    // Its place under maxConcurrent is held from here (hasLineFor, a pass's capacity), before the awaits:
    // agents asking at once, or a pass claiming meanwhile, must not all find the same last line free.
    c.agentClaims++;
    try {
      return await this.claimForAgentHeld(c, agent, heldContactId);
    } finally {
      c.agentClaims--;
    }
  }

  private async claimForAgentHeld(
    c: CampaignRuntime,
    agent: LiveAgent,
    heldContactId?: number,
  ): Promise<LiveCall | null> {
    // Under the balance floor (the charges not yet written counted, as the pass's gate counts them) an
    // agent's dial waits for the pass, which stops the campaign: an agent who went ready as the call that
    // took the account under it ended was put through to a due callback before the pass could.
    if (!(await this.hasBalanceFor(c))) return null;
    const now = this.o.clock.now();
    const hooks = claimHooks(c, now, this.o.onError, true);
    // A given contact (a personal callback) is tried once: if the rules defer or settle it, that stands.
    const held = heldContactId === undefined ? undefined : { contactId: heldContactId, agentId: agent.id };
    const rounds = held === undefined ? 20 : 1;
    for (let round = 0; round < rounds; round++) {
      const heartbeatRun = this.heartbeat.run;
      const result = await this.o.dispatch.claim({
        campaignId: c.id,
        limit: 1,
        owner: this.o.nodeId,
        now,
        leaseUntil: now + CLAIM_LEASE_MS,
        recentSince: hooks.recentSince,
        promoteDue: round === 0 && held === undefined,
        settledEvents: hooks.settledEvents,
        decide: (cand, recent) => hooks.decide(cand, now, recent),
        held,
        reserve: true,
      });
      if (result.eventsWritten > 0) this.o.onEvents?.();
      this.invalidateWaiting(c.id);
      const s = result.started[0];
      if (s && (c.status !== "running" || this.stopped)) {
        // Paused or stopped while the claim ran: nothing to offer, and the contact goes back untouched.
        await this.o.dispatch.release([this.releasedDial(s)]);
        return null;
      }
      if (s) return this.launch(c, s, heartbeatRun, agent);
      if (result.examined === 0) return null;
    }
    return null;
  }

  /**
   * Places the call a previewing agent chose to dial, in the campaign's next calls-per-second slot; its
   * attempt is marked dialed for good as it goes out (see ClaimRequest.reserve). The contact was claimed when the
   * agent asked for it, maybe minutes ago: if its number went on a do-not-call list or its calling hours
   * closed since, it is given back undialed instead, for the claim's rules to settle ("given_back": a
   * pause or stop gave it back meanwhile).
   */
  async dialReserved(
    call: LiveCall,
  ): Promise<
    | "placed"
    | "given_back"
    | "dnc_listed"
    | "withdrawn"
    | "window_closed"
    | "campaign_ending"
    | "under_balance_floor"
  > {
    if (call.dialRequested) return "placed";
    call.dialRequested = true;
    let refusal: "dnc_listed" | "withdrawn" | "window_closed" | null;
    try {
      const c = call.campaign;
      // Its calling hours must hold when it goes out: in the campaign's next calls-per-second slot, which
      // at a low rate may be a minute or more away (it went out at 21:02 after a press at 20:59).
      const slot = c.spacing.peek(this.now());
      refusal = !windowsOpen(c.settings, c.windows, call.contact, call.phone, slot)
        ? "window_closed"
        : (await this.o.dispatch.listedPhones(c.accountId, c.id, [call.phone], this.o.clock.now())).length > 0
          ? "dnc_listed"
          : (await this.o.dispatch.isWithdrawn(call.contactId))
            ? "withdrawn"
            : null;
      // Claimed maybe minutes ago: a charge since may have taken the account under its floor.
      if (refusal === null && !(await this.hasBalanceFor(c))) {
        call.dialRequested = false;
        await this.releaseReserved(call);
        return "under_balance_floor";
      }
      // Marked dialed when it goes out, in the slot `place` takes (markOnDial), not now: a process that dies
      // while it waits for that slot gives the contact back, not an attempt.
      call.markOnDial = refusal === null;
    } catch (err) {
      call.dialRequested = false; // nothing was dialed: the agent may try again
      throw err;
    }
    if (this.calls.get(call.callId) !== call) return "given_back"; // a pause or stop gave it back meanwhile
    // The awaits above may have let another agent's dial take the slot judged for, or new settings in
    // (narrower hours, another rate): `place` judges the slot it gets, as they now stand, with no wait.
    const againAlways = Number.NEGATIVE_INFINITY;
    const unplaced =
      refusal === null && !this.stopped ? this.place(call, this.now(), againAlways) : undefined;
    if (unplaced === null) {
      if (call.queuedTimer !== null) return "placed"; // marked when its slot comes
      // Its slot is now: marked dialed for good, then dialed.
      let marked: boolean;
      try {
        marked = await this.o.dispatch.markDialed(call.attemptId, this.o.clock.now());
      } catch (err) {
        call.dialRequested = false; // nothing was dialed: the agent may try again
        throw err;
      }
      if (this.calls.get(call.callId) !== call) return "given_back";
      if (!marked) {
        // This node's lease ran out: not ours to dial, and given back (as in originateIfUnlisted).
        this.giveBack(call);
        return "given_back";
      }
      call.markOnDial = false;
      this.originateIfHeld(call, true);
      return "placed";
    }
    call.dialRequested = false;
    await this.releaseReserved(call);
    return refusal ?? unplaced ?? "given_back";
  }

  /** Gives back a previewed contact that was not dialed (even if asked to, while it waits for its slot),
   *  as if it had never been claimed. A write that fails leaves the preview with its agent, so the skip (or
   *  logout) can be tried again: the contact is still claimed in the store (agents9). */
  async releaseReserved(call: LiveCall, defer?: ReleasedDial["defer"]): Promise<void> {
    // A give-back of it under way (a skip, when a logout comes): this one's outcome is that one's.
    const underWay = this.releasing.get(call.callId);
    if (underWay?.call === call) return underWay.done;
    if (call.originated || this.calls.get(call.callId) !== call) return;
    // Out of the map during the write, so that no dial takes it meanwhile.
    this.calls.delete(call.callId);
    const done = this.o.dispatch
      .release([{ ...this.releasedDial(call), defer }])
      .then(() => undefined)
      .finally(() => this.releasing.delete(call.callId));
    this.releasing.set(call.callId, { call, done });
    try {
      await done;
    } catch (err) {
      this.calls.set(call.callId, call);
      throw err;
    }
    this.forgetUndialed(call);
    this.o.agents.released(call);
    this.invalidateWaiting(call.campaign.id);
    this.wake();
  }

  /** A claimed attempt (a live call's, or one given back before it became one) as it is released. */
  private releasedDial(d: Pick<StartedAttempt, "contact" | "attemptId">): ReleasedDial {
    return {
      ...reservedStateOf(d.contact),
      attemptId: d.attemptId,
      contactId: d.contact.id,
      owner: this.o.nodeId,
      releasedAt: this.o.clock.now(),
    };
  }

  /** Forgets a call that never went out (it was given back): its slot timer, its place, its capacity. */
  private forgetUndialed(call: LiveCall): void {
    call.queuedTimer?.cancel();
    call.queuedTimer = null;
    this.queued.delete(call);
    this.calls.delete(call.callId);
    call.campaign.dialGone(call.phone);
  }

  private originate(call: LiveCall): void {
    call.queuedTimer = null;
    call.originated = true;
    this.stats.originated++;
    try {
      const request = originateRequest(call);
      call.amdOn = request.amd?.enabled === true;
      this.o.driver.originate(request);
    } catch (err) {
      this.onEnded({
        callId: call.callId,
        cause: "failed",
        ringSec: 0,
        talkSec: 0,
        result: { error: String(err) },
      });
    }
  }

  /** Gives back dials claimed for a slot that has not come yet (pause, stop, halt); their agents are free
   *  once the contacts are back in the store (see giveBack). */
  async releaseQueued(c: CampaignRuntime): Promise<number> {
    const calls = [...this.calls.values()].filter((call) => call.campaign === c && !call.originated);
    for (const call of calls) this.forgetUndialed(call);
    try {
      await this.o.dispatch.release(calls.map((call) => this.releasedDial(call)));
    } finally {
      for (const call of calls) this.o.agents.released(call);
    }
    this.invalidateWaiting(c.id);
    return calls.length;
  }

  /** A robot campaign's machine answer: left the campaign's message after its greeting, if it has one
   *  (else the robot's scenario runs on, as for anyone). */
  private leaveVoicemail(call: LiveCall): void {
    const message = voicemailOf(call);
    if (message !== null) this.o.driver.hangup(call.callId, { announce: message, afterGreeting: true });
  }

  /**
   * Hangs up the campaign's calls that are not answered yet; answered calls end on their own. A call picked
   * up while AMD still listens (a driver with pickup events tells) is answered: someone is on the line, and
   * hanging up on them would be an abandoned call, so it goes on to its verdict like any answered call.
   */
  hangupUnanswered(c: CampaignRuntime): number {
    let n = 0;
    for (const call of this.calls.values()) {
      if (call.campaign === c && call.originated && call.answeredAt === null && call.pickedUpAt === null) {
        call.withdrawn = true;
        this.o.driver.hangup(call.callId);
        n++;
      }
    }
    return n;
  }

  /** A reserved dial (a preview, or one claimed ahead of its slot) its process claimed but never dialed (it
   *  died first): the contact goes back untouched. */
  async releaseLost(lost: ExpiredLease & { reserved: ReservedState }, now: number): Promise<void> {
    if (lost.attemptId === null) return;
    const released = { ...lost.reserved, attemptId: lost.attemptId, contactId: lost.contact.id };
    await this.o.dispatch.release([{ ...released, owner: { expiredBefore: now }, releasedAt: now }]);
    this.invalidateWaiting(lost.contact.campaign_id);
  }

  /** Records an expired lease of a dead process as a lost attempt and applies the redial policy. */
  queueLost(c: CampaignRuntime, lost: Parameters<typeof lostAttempt>[1], now: number): void {
    const f = lostAttempt(c, lost, now);
    c.drainCheckDue = true;
    this.ended.add(f);
    this.counted(f.outcome);
    if ("nextAt" in f.contact) this.noteWaiting(c.id, f.contact.nextAt);
  }

  ownsCall(attemptId: number | null): boolean {
    return attemptId !== null && this.calls.has(String(attemptId));
  }
}
