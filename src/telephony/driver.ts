// telephony/ owns the drivers that place calls: one interface, one folder per driver. A driver knows
// nothing of campaigns or contacts; it originates a call and reports what happened. It must not import
// store/, engine/ or api/.
import type { Clock } from "../clock/clock.ts";
import type { Dist } from "./sim/scenario.ts";

export interface OriginateRequest {
  /** Opaque id chosen by the engine (the attempt id); echoed in every event. */
  callId: string;
  to: string;
  callerId: string | null;
  ringTimeoutSec: number;
  amd?: {
    enabled: boolean;
    mode: "background" | "blocking";
    params?: Record<string, number>;
    /** Audio to play while blocking detection listens. */
    greeting?: string;
  } | null;
  record?: { enabled: boolean; trimLeftSec: number } | null;
  /** Bot script to run on answer, and what to do when it transfers the call. */
  bot?: { scriptId: string; onTransfer: "end" | "ignore" | "forward"; transferTo: string | null } | null;
  /** The robot scenario to run when a person answers: what to say (the contact's data filled in) and the
   *  results it may end with; the sim driver also takes the conversation length from it. */
  robot?: {
    key: string;
    name: string;
    say: string | null;
    results: { name: string; weight: number }[];
    talkSec: Dist | null;
  } | null;
  /** Scenario name or inline configuration for what happens on answer (the sim driver reads it). */
  scenario?: string | null;
  /** The contact's custom data, handed to the scenario. */
  data?: Record<string, unknown>;
}

export type EndCause = "normal" | "busy" | "no_answer" | "failed" | "rejected" | "cancelled";

export interface CallEnded {
  callId: string;
  cause: EndCause;
  /** SIP or Q.850 style code where known (e.g. 486, 603). */
  code?: number;
  /** Seconds from originate to answer (or to the end when not answered). */
  ringSec: number;
  /** Seconds from answer to hangup; 0 when not answered. */
  talkSec: number;
  answeredBy?: "human" | "machine";
  /** Who really answered, where the driver knows it apart from AMD's verdict: only a simulator does. */
  answeredByTruth?: "human" | "machine";
  recording?: { url: string; durationSec: number; trimLeftSec: number } | null;
  /** Whatever the scenario reported (e.g. a bot's result). */
  result?: Record<string, unknown> | null;
  /** The callee answered as the call was being given up (a 2xx crossing our CANCEL) and was hung up on. */
  answeredAfterCancel?: boolean;
}

export interface DriverEvents {
  /** The far end rings: a 180 Ringing, not any provisional response (early media can come before ringing). */
  ringing(callId: string): void;
  /** The far end picked up, before any AMD verdict; drivers with `pickupEvents` report it. */
  connected?(callId: string): void;
  /** The far end answered: at pickup, or with AMD on at its verdict. */
  answered(callId: string, by: "human" | "machine"): void;
  ended(ev: CallEnded): void;
}

export interface DriverCapabilities {
  amd: boolean;
  recording: boolean;
  /** Plays a hang-up's `announce` (abandon messages, voicemail drops) to the callee. */
  announcements: boolean;
  /** Connects an answered call's audio to the agent the engine gives it to. */
  agentAudio: boolean;
  /** Channels the driver can hold at once (the trunk limit); null = unlimited. */
  maxChannels: number | null;
  /** Reports `connected` at pickup, so an AMD call still listening is known to be answered. */
  pickupEvents?: boolean;
}

export interface HangupOptions {
  announce?: string | null;
  afterGreeting?: boolean;
}

export interface TelephonyDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** Opens what the driver needs before its first call (sockets); a driver that needs nothing has none. A
   *  rejection fails the node's start. */
  start?(): Promise<void>;
  /** Registers the engine's listener; called once before any originate. */
  setListener(events: DriverEvents): void;
  /** Starts a call; events follow through the listener. Throws only for a request it cannot take at all. */
  originate(req: OriginateRequest): void;
  /**
   * Ends the call; `announce` is played to the callee first (an audio id or text the driver resolves).
   * With `afterGreeting` (an answering machine), the announcement waits for the greeting to end (its beep)
   * so that it is recorded whole: a voicemail left. The ended event's result says { voicemail: announce }.
   */
  hangup(callId: string, opts?: HangupOptions): void;
  close(): Promise<void>;
}

export interface DriverContext {
  clock: Clock;
}
