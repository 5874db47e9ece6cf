// The sim driver: simulated people answering, ringing out, being busy or answering machines, on whatever
// Clock it is given. Under the virtual clock and one seed, every call's fate and timing are reproducible.
// It can append every originate to a dial log (one JSON line, written before the call starts), which is
// how the crash test proves that nobody was dialed twice for one attempt. With AMD on, the answer is
// reported at the verdict, timed and as accurate as the campaign's AMD parameters and the scenario say; a
// bot's transfer to a channel is reported in the call's result (result.transfer).
import fs from "node:fs";
import type { TimerHandle } from "../../clock/clock.ts";
import { pickResult, renderSay } from "../../model/robot-scenario.ts";
import type {
  CallEnded,
  DriverCapabilities,
  DriverContext,
  DriverEvents,
  HangupOptions,
  OriginateRequest,
  TelephonyDriver,
} from "../driver.ts";
import {
  amdAccuracyOf,
  amdVerdictSec,
  generator,
  hashSeed,
  pickOutcome,
  resolveScenario,
  type SimScenario,
  sample,
} from "./scenario.ts";

export interface SimDriverOptions {
  seed?: number;
  /** Scenario name, JSON text or object; a call whose request names a known scenario uses that one. */
  scenario?: string | Record<string, unknown> | null;
  /** Channels the simulated trunk holds; an originate beyond it fails with 503 (congestion). */
  maxChannels?: number | null;
  /** File to append one JSON line per originate to. */
  dialLogPath?: string;
}

interface SimCall {
  req: OriginateRequest;
  startedAt: number;
  answeredAt: number | null;
  answeredBy: "human" | "machine" | null;
  /** Who the scenario says answered, whatever AMD made of it. */
  truth: "human" | "machine" | null;
  /** When a message left on this call would start: a machine's greeting ends (its beep), or for anyone
   *  else the AMD verdict comes. */
  greetingEndsAt: number | null;
  /** Refused for want of a channel: it holds none while its 503 is on the way. */
  refused: boolean;
  timers: TimerHandle[];
}

const ms = (sec: number) => Math.round(sec * 1000);

export class SimDriver implements TelephonyDriver {
  readonly name = "sim";
  readonly capabilities: DriverCapabilities;
  private listener: DriverEvents | null = null;
  private readonly calls = new Map<string, SimCall>();
  private readonly scenario: SimScenario;
  /** Scenarios named by requests, resolved once per distinct text. */
  private readonly byRequest = new Map<string, SimScenario>();
  private readonly seed: number;
  private readonly dialLog: number | null;
  private closed = false;
  /** Calls in `calls` that were refused a channel (their 503 is due). */
  private refusing = 0;

  constructor(
    private readonly ctx: DriverContext,
    opts: SimDriverOptions = {},
  ) {
    this.seed = opts.seed ?? 1;
    this.scenario = resolveScenario(opts.scenario ?? "default");
    this.capabilities = {
      amd: true,
      recording: true,
      announcements: true,
      agentAudio: true,
      maxChannels: opts.maxChannels ?? null,
      pickupEvents: true,
    };
    this.dialLog = opts.dialLogPath ? fs.openSync(opts.dialLogPath, "a") : null;
  }

  setListener(events: DriverEvents): void {
    this.listener = events;
  }

  get liveCalls(): number {
    return this.calls.size;
  }

  originate(req: OriginateRequest): void {
    if (this.closed) throw new Error("sim driver is closed");
    if (!this.listener) throw new Error("sim driver has no listener");
    // Before anything is logged or held: a request naming a scenario that does not resolve is refused.
    const scenario = this.scenarioFor(req);
    const now = this.ctx.clock.now();
    if (this.dialLog !== null) {
      fs.writeSync(this.dialLog, `${JSON.stringify({ callId: req.callId, to: req.to, at: now })}\n`);
    }
    const call: SimCall = {
      req,
      startedAt: now,
      answeredAt: null,
      answeredBy: null,
      truth: null,
      greetingEndsAt: null,
      refused: false,
      timers: [],
    };
    const max = this.capabilities.maxChannels;
    // Only calls in play hold channels: a refused one still waiting for its 503 must not refuse the next.
    call.refused = max !== null && this.calls.size - this.refusing >= max;
    this.calls.set(req.callId, call);
    if (call.refused) {
      this.refusing++;
      this.schedule(call, 0, () => this.end(call, { cause: "failed", code: 503, ringSec: 0, talkSec: 0 }));
      return;
    }
    try {
      this.play(call, scenario);
    } catch (err) {
      // A request the clock refuses (e.g. a robot's NaN talk time): nothing of it may stay behind to
      // ring or answer for a call the engine has already written off.
      for (const t of call.timers) t.cancel();
      this.calls.delete(req.callId);
      throw err;
    }
  }

  hangup(callId: string, opts?: HangupOptions): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const now = this.ctx.clock.now();
    const answeredAt = call.answeredAt;
    if (answeredAt !== null && now >= answeredAt) {
      // The simulated callee hears an announcement in no time; the result says what was played.
      const announced = opts?.announce ?? null;
      const voicemail = announced !== null && opts?.afterGreeting === true;
      const endAt = voicemail ? Math.max(now, call.greetingEndsAt ?? now) : now;
      const finish = () =>
        this.end(call, {
          cause: "normal",
          ringSec: (answeredAt - call.startedAt) / 1000,
          talkSec: (endAt - answeredAt) / 1000,
          answeredBy: call.answeredBy ?? "human",
          recording: this.recording(call, (endAt - answeredAt) / 1000),
          ...(announced === null ? {} : { result: voicemail ? { voicemail: announced } : { announced } }),
        });
      if (endAt === now) {
        finish();
        return;
      }
      // The greeting plays on to its beep; the call's own end (the machine hanging up) no longer comes.
      for (const t of call.timers) t.cancel();
      call.timers = [this.ctx.clock.at(endAt, finish)];
    } else {
      this.end(call, { cause: "cancelled", code: 487, ringSec: (now - call.startedAt) / 1000, talkSec: 0 });
    }
  }

  async close(): Promise<void> {
    // Calls still up are hung up, as a real driver's are, each with its ended event.
    for (const callId of [...this.calls.keys()]) this.hangup(callId);
    this.closed = true;
    for (const call of this.calls.values()) for (const t of call.timers) t.cancel();
    this.calls.clear();
    this.refusing = 0;
    if (this.dialLog !== null) fs.closeSync(this.dialLog);
  }

  /**
   * The scenario a request names (a known name or inline JSON, as campaign settings hold it), else the
   * driver's own. One it cannot resolve throws a ScenarioError naming the problem, so the attempt fails
   * saying why instead of silently running another scenario. It keeps the driver's per-number overrides
   * (tests force numbers that way) under its own.
   */
  private scenarioFor(req: OriginateRequest): SimScenario {
    if (!req.scenario) return this.scenario;
    let s = this.byRequest.get(req.scenario);
    if (!s) {
      const resolved = resolveScenario(req.scenario);
      s = { ...resolved, overrides: { ...this.scenario.overrides, ...resolved.overrides } };
      // Campaigns are few; a bound keeps a stream of distinct inline texts from growing it for ever.
      if (this.byRequest.size >= 100) this.byRequest.clear();
      this.byRequest.set(req.scenario, s);
    }
    return s;
  }

  /** Decides the call's whole course up front from its own random stream, then plays it on the clock. */
  private play(call: SimCall, s: SimScenario): void {
    const { req } = call;
    const rand = generator(hashSeed(this.seed, `${req.callId}|${req.to}`));
    const outcome = s.overrides[req.to] ?? pickOutcome(s, rand);
    const postDial = sample(s.postDialSec, rand);
    const ringTimeout = req.ringTimeoutSec;
    this.schedule(call, ms(postDial), () => this.listener?.ringing(req.callId));

    const refuse = (cause: CallEnded["cause"], code: number) => {
      const after = postDial + Math.min(sample(s.busySec, rand), ringTimeout);
      this.schedule(call, ms(after), () => this.end(call, { cause, code, ringSec: after, talkSec: 0 }));
    };
    const ringOut = () => {
      const after = postDial + ringTimeout;
      this.schedule(call, ms(after), () =>
        this.end(call, { cause: "no_answer", code: 480, ringSec: after, talkSec: 0 }),
      );
    };

    if (outcome === "busy" || outcome === "rejected" || outcome === "failed") {
      refuse(outcome, outcome === "busy" ? 486 : outcome === "rejected" ? 603 : 503);
      return;
    }
    if (outcome === "no_answer") {
      ringOut();
      return;
    }
    const ring = sample(s.ringSec, rand);
    if (ring >= ringTimeout) {
      ringOut();
      return;
    }

    // With AMD on, the verdict can be wrong (amd.params.errorRate, else the scenario's accuracy) and comes
    // amdSec after the answer, within the bounds of the AMD parameters; the engine hears of the answer
    // then, when it knows who answered. Without AMD the scenario itself tells the two apart at once.
    const amd = req.amd?.enabled ? req.amd : null;
    const right = amd ? rand() < amdAccuracyOf(s, amd.params) : true;
    const verdict: "human" | "machine" = right ? outcome : outcome === "human" ? "machine" : "human";
    const amdSec = amd ? amdVerdictSec(sample(s.amdSec, rand), verdict, amd.params) : 0;
    const blocking = amd?.mode === "blocking";
    let talk: number;
    if (blocking && verdict === "machine") talk = amdSec;
    else talk = outcome === "human" ? sample(s.talkSec, rand) : sample(s.machineSec, rand);
    // A person the robot talks to: its own conversation length and one of its results.
    const robot = req.robot && outcome === "human" && verdict === "human" ? req.robot : null;
    let result: CallEnded["result"] = null;
    if (robot) {
      if (robot.talkSec !== null) talk = sample(robot.talkSec, rand);
      result = {
        scenario: robot.key,
        result: pickResult(robot.results, rand()),
        said: robot.say === null ? null : renderSay(robot.say, req.data ?? {}),
      };
    }
    // Blocking detection holds the line until its verdict; the conversation starts after it.
    if (blocking && verdict === "human") talk += amdSec;
    // A bot that forwards its transfers hands some people to the channel (secondExec = ch), who talks on.
    const bot = req.bot;
    if (bot?.onTransfer === "forward" && verdict === "human" && outcome === "human" && s.transferRate > 0) {
      if (rand() < s.transferRate) {
        result = { ...(result ?? {}), transfer: { to: bot.transferTo, atSec: talk } };
        talk += sample(s.talkSec, rand);
      }
    }

    const answerAt = postDial + ring;
    // A real machine's greeting is what its answer lasts unless blocking AMD cut it short at the verdict.
    const greeting =
      outcome === "machine" && !(blocking && verdict === "machine") ? talk : Math.min(amdSec, talk);
    call.greetingEndsAt = call.startedAt + ms(answerAt + greeting);
    this.schedule(call, ms(answerAt), () => {
      call.answeredAt = this.ctx.clock.now();
      call.answeredBy = verdict;
      call.truth = outcome;
      this.listener?.connected?.(req.callId);
    });
    // Someone who hangs up while AMD still listens ends the analysis with the call.
    this.schedule(call, ms(answerAt + Math.min(amdSec, talk)), () =>
      this.listener?.answered(req.callId, verdict),
    );
    this.schedule(call, ms(answerAt + talk), () =>
      this.end(call, {
        cause: "normal",
        ringSec: answerAt,
        talkSec: talk,
        answeredBy: verdict,
        recording: this.recording(call, talk),
        ...(result ? { result } : {}),
      }),
    );
  }

  private recording(call: SimCall, talkSec: number): CallEnded["recording"] {
    const rec = call.req.record;
    if (!rec?.enabled) return null;
    return {
      url: `sim://recordings/${encodeURIComponent(call.req.callId)}.wav`,
      durationSec: Math.max(0, talkSec - rec.trimLeftSec),
      trimLeftSec: rec.trimLeftSec,
    };
  }

  private schedule(call: SimCall, afterMs: number, fn: () => void): void {
    call.timers.push(this.ctx.clock.at(call.startedAt + afterMs, fn));
  }

  private end(call: SimCall, ev: Omit<CallEnded, "callId">): void {
    if (this.calls.get(call.req.callId) !== call) return;
    for (const t of call.timers) t.cancel();
    this.calls.delete(call.req.callId);
    if (call.refused) this.refusing--;
    const truth = ev.answeredBy !== undefined && call.truth !== null ? { answeredByTruth: call.truth } : {};
    this.listener?.ended({ callId: call.req.callId, ...ev, ...truth });
  }
}
