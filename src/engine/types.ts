// The engine's public surface, as the API faces and the CLI call it. Faces translate and delegate here;
// they hold no scheduling logic.
import type { CampaignSettings } from "../model/campaign-settings.ts";
import type { CampaignStatus } from "../model/outcome.ts";
import type { AbandonCounts, AbandonWindow } from "../pacing/index.ts";
import type { Campaign } from "../store/schema.ts";
import type { AgentDesk } from "./agents/desk.ts";
import type { PacingView } from "./agents/dialing.ts";

export interface StartOptions {
  /** The start of the vendor face request that is creating the campaign: only that start may start one
   *  still being created (see creatingReason). */
  finishingCreation?: boolean;
  /** Only a campaign in one of these statuses, on the engine's fresh read, is started (else
   *  invalid_state): an edit that starts the draft it wrote must not start one a stop reached meanwhile. */
  onlyFrom?: readonly CampaignStatus[];
}

export interface StopOptions {
  /** A completed or halted campaign is stopped too (its finish time kept), so that nothing brings it back
   *  unasked; without it, a stop refuses a finished campaign (the native API's 409). */
  evenIfFinished?: boolean;
}

export interface RecoverOptions {
  /** Only a campaign in one of these statuses, on the engine's fresh read, is recovered (else
   *  invalid_state): a face bringing a completed campaign back for new contacts must not recover one a
   *  stop reached meanwhile. */
  onlyFrom?: readonly CampaignStatus[];
}

export interface WaitGroup {
  /** Rule a pending contact waits on: retry, window, callee_window, daily_window, start_at, cap, gap… */
  reason: string;
  count: number;
  /** Earliest time one of them becomes due (ms epoch), when known. */
  nextAt: number | null;
}

export interface Explanation {
  campaignId: number;
  status: CampaignStatus;
  /** True when the dispatcher would place a call for this campaign right now. */
  dialing: boolean;
  /** Machine-readable reasons, most important first: not_running, paused, not_started, window_closed,
   *  no_contacts_due, concurrency_saturated, cps_saturated, global_channels_saturated, balance, no_agents,
   *  completed, halted; halting (its end time has passed: the next pass halts it), ends_before_open and
   *  ends_before_due (it halts before its schedule opens, or before a contact falls due while it is open). */
  reasons: { code: string; message: string; until?: number | null }[];
  /** What the campaign asks for that this node's telephony driver cannot do (it dials regardless):
   *  amd_unavailable, announcements_unavailable, agents_not_connected, recording_unavailable. */
  warnings: { code: string; message: string }[];
  /** Calls placed and dials reserved on this node (claimed, waiting for their slot; previews on agents'
   *  screens): what counts against maxConcurrent. */
  inFlight: number;
  /** Of inFlight, the calls handed to the telephony driver (ringing or talking). */
  callsPlaced: number;
  maxConcurrent: number;
  callsPerSecond: number | null;
  counts: Record<string, number>;
  /** Pending contacts grouped by what they wait on. */
  waiting: WaitGroup[];
  /** Earliest time the campaign will dial again, when it can be computed. */
  /** When the next dial can come, as the campaign's schedule, start and end times and its contacts' due
   *  times say (a callee's own hours, a cap or the agents may hold a contact later); null when none is
   *  coming or it waits on its agents. */
  nextDialAt: number | null;
}

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 409,
    /** The request input at fault, as the native API names it (body.campaignId): of two ids a request
     *  gives, a client learns which one is wrong. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface EngineControl {
  /** The agent desktop's commands and live agent states. */
  readonly agents: AgentDesk;
  /** Throws what start would for the account's balance (409 insufficient_balance under 1 USD), so a face
   *  can refuse a request that would start a campaign before it writes anything. */
  requireStartBalance(accountId: number, campaignId: number | null): Promise<void>;
  /** Throws what a start of the campaign with these settings would (its balance, its end time passed),
   *  for a face's edit that starts it: refused whole before anything is written. */
  requireStartable(row: Campaign, settings: CampaignSettings): Promise<void>;
  /** draft/scheduled/stopped → running (or scheduled when startAt is in the future). */
  start(accountId: number, campaignId: number, opts?: StartOptions): Promise<CampaignStatus>;
  pause(accountId: number, campaignId: number): Promise<CampaignStatus>;
  resume(accountId: number, campaignId: number): Promise<CampaignStatus>;
  /** Stops dialing and hangs up calls not yet answered; pending contacts stay pending. */
  stop(accountId: number, campaignId: number, opts?: StopOptions): Promise<CampaignStatus>;
  /** Brings a stopped/halted/completed campaign back: failed and exhausted contacts are not touched;
   *  contacts left pending or lost are made due again. Returns how many contacts were recovered. */
  recover(
    accountId: number,
    campaignId: number,
    opts?: RecoverOptions,
  ): Promise<{ status: CampaignStatus; recovered: number }>;
  /** Why a recover now would be refused for the campaign's end time (its endAt has passed), or null. */
  endedError(row: Campaign): EngineError | null;
  explain(accountId: number, campaignId: number): Promise<Explanation>;
  /** Called after contacts were added or settings changed, so the dispatcher looks again now. */
  wake(): void;
  /** Called after a campaign's settings were edited: the engine takes them before its next pass (one under
   *  the old ones would put off again the contacts the edit made due). Never rejects (errors go to onError;
   *  the maintenance pass's own re-read then takes the edit). */
  campaignEdited(campaignId: number): Promise<void>;
  /** Called after an account's queues changed (agents, memberships, a campaign's queueId): logged-in agents
   *  follow (see AgentDesk.membershipChanged), then the dispatcher looks again. Resolves once they have
   *  (an agent taken out while ready is logged out, its session ended); never rejects (errors go to onError). */
  agentsChanged(accountId: number): Promise<void>;
  /** Cancels a pending contact (with its contact.status_changed event); false if it was not pending. */
  cancelContact(accountId: number, contactId: number): Promise<boolean>;
  /** Takes a contact out for good: cancelled if pending; on a call, settled cancelled once it ends, never
   *  dialed again. null: neither (settled already, or not the account's). */
  withdrawContact(accountId: number, contactId: number): Promise<"cancelled" | "after_call" | null>;
  /** Called after an account's balance or rates changed (a top-up may let its campaigns go on). */
  billingChanged(accountId: number): Promise<void>;
  /** Events were put in the outbox outside the engine (a replay): delivery looks at once. */
  outboxChanged(): void;
  /** This process's dialing so far and now, for /metrics. */
  metrics(): EngineMetrics;
  /** How an agent campaign is being paced on this node: its latest decision, the recent ones that
   *  dialed, and the abandonment counts the pacer answers to. */
  pacing(accountId: number, campaignId: number): Promise<CampaignPacingView>;
}

export interface CampaignPacingView extends PacingView {
  campaignId: number;
  /** Whether this node is dispatching the campaign now (otherwise there is nothing live to show). */
  active: boolean;
  /** The counts of the window with the highest rate, as the pacer sees them; null before any. */
  abandonment: (AbandonCounts & { targetRate: number; window: AbandonWindow }) | null;
}

export interface EngineMetrics {
  /** Calls handed to the driver since the process started. */
  dials: number;
  /** Attempts ended since the process started, by outcome (lost ones found after a crash included). */
  ended: Record<string, number>;
  dispatchPasses: number;
  /** Calls handed to the driver and not ended yet: lines in use. */
  callsInFlight: number;
  /** Contacts claimed for a dial not placed yet: a preview an agent reads, a dial waiting for its
   *  calls-per-second slot. They hold a place under maxConcurrent, not a line. */
  dialsReserved: number;
  /** Campaigns this node dispatches, by status. */
  campaigns: Record<string, number>;
  /** Agents logged in on this node, by state. */
  agents: Record<string, number>;
}
