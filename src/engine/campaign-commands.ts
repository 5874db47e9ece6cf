// The lifecycle commands on one campaign (start, pause, resume, stop, recover): from which statuses each
// may run, the times it writes (a start time ahead, the halt time, a lifetime counted again) and what it
// refuses and why. The engine runs each on a fresh read of the campaign and decides again when the write
// lost a race (Engine.onFreshRead); the writes, the balance check and the dispatcher are the engine's,
// reached through CommandHost. Holds no state of its own.
import type { Clock } from "../clock/clock.ts";
import { LOW_BALANCE_REASON } from "../model/billing.ts";
import type { CampaignSettings } from "../model/campaign-settings.ts";
import type { CampaignStatus } from "../model/outcome.ts";
import { isBeingCreated } from "../store/campaigns.ts";
import type { DispatchStore } from "../store/dispatch/types.ts";
import type { Campaign, CampaignUpdate } from "../store/schema.ts";
import { CampaignRuntime, haltAtFor, hasBegun, PAUSED_BEFORE_START } from "./campaign-runtime.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { StatusHolder } from "./state-writes.ts";
import { EngineError, type RecoverOptions, type StartOptions, type StopOptions } from "./types.ts";

/** The statuses of a campaign the engine dispatches (or will, at its start time, or on a resume). */
export const ACTIVE_STATUSES: CampaignStatus[] = ["running", "scheduled", "paused"];

/** The statuses of a campaign that has finished dialing on its own: a stop refuses them unless asked. */
const FINISHED_STATUSES: CampaignStatus[] = ["completed", "halted"];

/** The statuses a start starts from. */
const STARTABLE_STATUSES: CampaignStatus[] = ["draft", "scheduled", "paused", "stopped"];

/** The statuses a recover brings back from. */
const RECOVERABLE_STATUSES: CampaignStatus[] = ["stopped", "halted", "completed", "paused"];

const STOPPED_BY_REQUEST = "stopped by request";

/** "a, b or c", for an error naming the statuses a command takes. */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** Refuses (invalid_state) a `verb` of the campaign unless its status is one of `statuses` the caller's
 *  `onlyFrom` (if any) also names, judged on the row the command read. */
function requireStatusAmong(
  row: Campaign,
  statuses: readonly CampaignStatus[],
  onlyFrom: readonly CampaignStatus[] | undefined,
  verb: string,
): void {
  const from = statuses.filter((s) => onlyFrom?.includes(s) ?? true);
  if (from.includes(row.status as CampaignStatus)) return;
  throw new EngineError(
    "invalid_state",
    `campaign ${row.id} is ${row.status}; only a ${orList(from)} campaign can be ${verb}`,
  );
}

/** What the commands use of the engine. */
export interface CommandHost {
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly dispatch: DispatchStore;
  /** A metered account under 1 USD may not start or resume dialing (Voximplant's rule). */
  requireBalance(row: Campaign): Promise<void>;
  /** A status write; false when it did not land (with `ifUnchanged`: the campaign changed since read). */
  writeStatus(
    from: StatusHolder,
    status: CampaignStatus,
    now: number,
    reason?: string,
    opts?: { ifDrained?: boolean; ifUnchanged?: boolean },
  ): Promise<boolean>;
  /** A command's write, only onto the status and settings it was decided from (false if not). */
  commitStatus(
    from: StatusHolder,
    status: CampaignStatus,
    now: number,
    set: CampaignUpdate,
  ): Promise<boolean>;
  /** Brings the dispatcher's view of the campaign up to date after a write. */
  reload(campaignId: number): Promise<void>;
}

/** Each command answers null when its write lost a race: the engine reads the campaign again and retries. */
export class CampaignCommands {
  constructor(private readonly host: CommandHost) {}

  async start(row: Campaign, opts: StartOptions = {}): Promise<CampaignStatus | null> {
    const campaignId = row.id;
    if (isBeingCreated(row) && !opts.finishingCreation) {
      throw new EngineError(
        "invalid_state",
        `campaign ${campaignId} is still being created (${row.status_reason}): its contacts may not all be in; ` +
          "it starts when the request creating it ends",
      );
    }
    requireStatusAmong(row, STARTABLE_STATUSES, opts.onlyFrom, "started");
    await this.host.requireBalance(row);
    const now = this.host.clock.now();
    const settings = new CampaignRuntime(row).settings;
    const { status, startedAt, haltAt } = this.startTimes(row, settings, now);
    const ended = this.startEndedError(campaignId, { status, haltAt }, settings);
    if (ended) throw ended;
    // Started again before its start time, it would only be written scheduled once more: the second of two
    // starts is refused, as for a running campaign, and no second status event goes out.
    if (row.status === "scheduled" && status === "scheduled") {
      throw new EngineError(
        "invalid_state",
        `campaign ${campaignId} is already scheduled to start at ${new Date(startedAt).toISOString()}`,
      );
    }
    const written = await this.host.commitStatus(row, status, now, {
      status_reason: null,
      started_at: startedAt,
      halt_at: haltAt,
      finished_at: null,
    });
    if (!written) return null;
    await this.host.reload(row.id);
    return status;
  }

  async pause(row: Campaign): Promise<CampaignStatus | null> {
    const campaignId = row.id;
    if (row.status === "paused") return "paused";
    if (row.status !== "running" && row.status !== "scheduled") {
      throw new EngineError(
        "invalid_state",
        `campaign ${campaignId} is ${row.status}; only a running or scheduled campaign can be paused`,
      );
    }
    const now = this.host.clock.now();
    // Paused before its start time it has not begun: said so, and a resume counts its lifetime afresh.
    const notBegun = row.status === "scheduled" && row.started_at !== null && row.started_at > now;
    const reason = notBegun ? PAUSED_BEFORE_START : undefined;
    if (!(await this.host.writeStatus(row, "paused", now, reason, { ifUnchanged: true }))) return null;
    const rt = this.host.dispatcher.campaigns.get(row.id);
    if (rt) {
      rt.status = "paused";
      rt.begun = !notBegun;
      await this.host.dispatcher.releaseQueued(rt);
    }
    return "paused";
  }

  async resume(row: Campaign): Promise<CampaignStatus | null> {
    const campaignId = row.id;
    const stoppedForBalance = row.status === "stopped" && row.status_reason === LOW_BALANCE_REASON;
    if (row.status !== "paused" && !stoppedForBalance) {
      throw new EngineError(
        "invalid_state",
        `campaign ${campaignId} is ${row.status}; only a paused campaign (or one stopped for its balance) can be resumed`,
      );
    }
    await this.host.requireBalance(row);
    const now = this.host.clock.now();
    const settings = new CampaignRuntime(row).settings;
    const { status, startedAt, haltAt } = this.startTimes(row, settings, now);
    // Past its end time it would only be halted at the next pass: refused and said why, as a start is.
    const ended = this.startEndedError(campaignId, { status, haltAt }, settings);
    if (ended) throw ended;
    const times = hasBegun(row) ? {} : { started_at: startedAt, halt_at: haltAt };
    // One stopped for its balance had a finish time: it is going on, not finished.
    if (
      !(await this.host.commitStatus(row, status, now, { status_reason: null, finished_at: null, ...times }))
    )
      return null;
    await this.host.reload(row.id);
    return status;
  }

  /** With `evenIfFinished`, a completed or halted campaign is stopped too (a face whose stop means "bring
   *  it back only when asked": Voximplant's StopCallListProcessing); the native API refuses it. */
  async stop(row: Campaign, opts: StopOptions = {}): Promise<CampaignStatus | null> {
    const campaignId = row.id;
    const finished = FINISHED_STATUSES.includes(row.status as CampaignStatus);
    if (finished && opts.evenIfFinished) return this.stopFinished(row);
    if (!["running", "scheduled", "paused", "draft"].includes(row.status)) {
      throw new EngineError("invalid_state", `campaign ${campaignId} is ${row.status} and cannot be stopped`);
    }
    const now = this.host.clock.now();
    // Stopped before its start time, or paused before it and never resumed, it never began: a later start is
    // its first, and its lifetime counts from then (it counted from the start time that passed meanwhile,
    // and could be refused as ended having made no call).
    const notBegun = row.started_at !== null && (row.started_at > now || !hasBegun(row));
    const written = notBegun
      ? await this.host.commitStatus(row, "stopped", now, {
          status_reason: STOPPED_BY_REQUEST,
          finished_at: now,
          started_at: null,
          halt_at: null,
        })
      : await this.host.writeStatus(row, "stopped", now, STOPPED_BY_REQUEST, { ifUnchanged: true });
    if (!written) return null;
    const rt = this.host.dispatcher.campaigns.get(row.id);
    if (rt) {
      rt.status = "stopped";
      await this.host.dispatcher.releaseQueued(rt);
      this.host.dispatcher.hangupUnanswered(rt);
    }
    return "stopped";
  }

  /** A finished campaign stopped: nothing dials it (a completed one has nothing left, a halted one is past
   *  its end), so there is nothing to take back, and a call of one halted seconds ago ends as it would have.
   *  Its finish time stays. */
  private async stopFinished(row: Campaign): Promise<CampaignStatus | null> {
    const now = this.host.clock.now();
    const written = await this.host.commitStatus(row, "stopped", now, { status_reason: STOPPED_BY_REQUEST });
    return written ? "stopped" : null;
  }

  /** With `onlyFrom`, only a campaign in one of those statuses is recovered, on the fresh read (a face
   *  bringing a completed campaign back for new contacts must not recover one stopped meanwhile). */
  async recover(
    row: Campaign,
    opts: RecoverOptions = {},
  ): Promise<{ status: CampaignStatus; recovered: number } | null> {
    requireStatusAmong(row, RECOVERABLE_STATUSES, opts.onlyFrom, "recovered");
    await this.host.requireBalance(row);
    const now = this.host.clock.now();
    const ended = this.endedError(row);
    if (ended) throw ended;
    const { status, startedAt, haltAt } = this.recoverTimes(row, now);
    const recovered = (await this.host.dispatch.countByStatus(row.id)).pending ?? 0;
    const written = await this.host.commitStatus(row, status, now, {
      status_reason: null,
      started_at: startedAt,
      halt_at: haltAt,
      finished_at: null,
    });
    if (!written) return null;
    await this.host.reload(row.id);
    return { status, recovered };
  }

  /** What a recover makes of the campaign: its lifetime counts again, from now, or from its start time
   *  while that is still ahead (one paused or stopped before it began waits for it, scheduled); its end
   *  time holds. */
  private recoverTimes(
    row: Campaign,
    now: number,
  ): { status: CampaignStatus; startedAt: number; haltAt: number | null } {
    const settings = new CampaignRuntime(row).settings;
    const scheduled = settings.startAt !== null && settings.startAt > now;
    const startedAt = scheduled ? (settings.startAt as number) : now;
    return { status: scheduled ? "scheduled" : "running", startedAt, haltAt: haltAtFor(settings, startedAt) };
  }

  /** Why a recover now would be refused for the campaign's end time (its endAt has passed), or null. */
  endedError(row: Campaign): EngineError | null {
    const endedAt = this.endedAt(row);
    if (endedAt === null) return null;
    return new EngineError(
      "invalid_state",
      `campaign ${row.id} ended at ${new Date(endedAt).toISOString()}; change its endAt first`,
    );
  }

  /** The end time a recover now would halt the campaign at, if it has passed (the recover is refused). */
  endedAt(row: Campaign): number | null {
    const now = this.host.clock.now();
    const { haltAt } = this.recoverTimes(row, now);
    return haltAt === null || haltAt > now ? null : haltAt;
  }

  /** Started, a campaign whose halt time has passed would only be halted at the next pass: refused, and
   *  said why, instead of answering "running". So is one scheduled to begin (at its start time) at or after its
   *  halt time (a start time moved past a lifetime counted from its first start): it would sit scheduled,
   *  then go running and halted in one pass at its start time, with no call. */
  startEndedError(
    campaignId: number,
    { status, haltAt }: { status: CampaignStatus; haltAt: number | null },
    settings: CampaignSettings,
  ): EngineError | null {
    const now = this.host.clock.now();
    const begins = beginsAt(status, settings, now);
    if (haltAt === null || haltAt > begins) return null;
    const when = `${haltAt <= now ? "ended" : "would end"} at ${new Date(haltAt).toISOString()}`;
    const before = haltAt <= now ? "" : `, before its start time ${new Date(begins).toISOString()}`;
    return new EngineError(
      "invalid_state",
      `campaign ${campaignId} ${when} (its endAt, or its lifetime from its first start)${before}; change its ` +
        `${before ? "startAt, " : ""}endAt or lifetimeSec first, or recover it to count its lifetime again`,
    );
  }

  /** What a start now makes of the campaign: scheduled for a start time ahead, else running; and when it
   *  starts and must halt (a scheduled campaign's lifetime counts from its start time). */
  startTimes(
    row: Campaign,
    settings: CampaignSettings,
    now: number,
  ): { status: CampaignStatus; startedAt: number; haltAt: number | null } {
    const scheduled = settings.startAt !== null && settings.startAt > now;
    // A start time that passed while the campaign sat paused or stopped, never having dialed, is no start:
    // its lifetime counts from this one (it was refused as ended having made no call).
    const kept = row.started_at !== null && (hasBegun(row) || row.started_at > now) ? row.started_at : null;
    const startedAt = kept ?? (scheduled ? (settings.startAt as number) : now);
    return { status: scheduled ? "scheduled" : "running", startedAt, haltAt: haltAtFor(settings, startedAt) };
  }
}

/** When a start dials first: at its start time when it is scheduled for one, else now. */
function beginsAt(status: CampaignStatus, settings: CampaignSettings, now: number): number {
  return status === "scheduled" && settings.startAt !== null ? settings.startAt : now;
}
