// What the dispatcher keeps in memory per active campaign: parsed settings, calls in flight, the dial
// spacing for calls per second, and caller-id rotation. The database stays the source of truth; this is
// rebuilt from it on start and refreshed when the campaign changes.

import { type CampaignSettings, changesWaits, usesAgents, withDefaults } from "../model/campaign-settings.ts";
import type { CampaignStatus } from "../model/outcome.ts";
import type { RobotScenario } from "../model/robot-scenario.ts";
import type { CampaignHolder } from "../store/campaign-leases.ts";
import type { Campaign } from "../store/schema.ts";
import { buildCampaignWindows, type CampaignWindows } from "./claim-decision.ts";
import { LocalPresence } from "./local-presence.ts";
import { DialSpacing } from "./rate-limiter.ts";

/** status_reason of a campaign paused while scheduled, before its start time: it has not begun. */
export const PAUSED_BEFORE_START = "paused before its start time";

/** Whether the campaign began: not one paused before its start time (one stopped then has no start). */
export function hasBegun(row: Pick<Campaign, "status" | "status_reason">): boolean {
  return !(row.status === "paused" && row.status_reason === PAUSED_BEFORE_START);
}

export class CampaignRuntime {
  id: number;
  accountId: number;
  status: CampaignStatus;
  priority: number;
  settings: CampaignSettings;
  windows: CampaignWindows;
  startedAt: number | null;
  haltAt: number | null;
  /** False for one paused before its start time: its lifetime has not begun to run (hasBegun). */
  begun: boolean;
  /** Dials claimed and not yet ended (queued for their slot or on the line). */
  inFlight = 0;
  /** Those dials' numbers, with how many each: this node's (an agent campaign is dialed by every node with
   *  its agents, each knowing its own calls only). */
  private readonly numbersInFlight = new Map<string, number>();
  readonly spacing: DialSpacing;
  private callerIdTurn = 0;
  /** Built from the caller ids on first use after each settings change. */
  private presence: LocalPresence | null = null;
  /** Why the last dispatch pass did not dial, for the explain endpoint. */
  lastBlock: { code: string; until: number | null } | null = null;
  /** Set when this node took settings that move what contacts wait on: its passes may have put contacts off
   *  under the old ones since it last read the campaign, this time (its clock); the next pass that dials
   *  the campaign judges them again (dispatcher.ts). null: nothing to re-judge. */
  waitsEditedAt: number | null = null;
  /** When this node last read the campaign (update); null before the first re-read. */
  private readAt: number | null = null;
  /** Whether this node dialed the campaign at its last pass: one that starts to (a lease taken over from a
   *  node that died before it took an edit) judges again what was put off just before (dispatcher.ts). */
  dialing = false;
  /** Agents' claims under way for it (dispatcher.claimForAgent): places held under maxConcurrent. */
  agentClaims = 0;
  /** The robot scenario its bot script id names, when the account has one by that key. */
  robot: RobotScenario | null = null;
  /** Who held its dispatch lease at the last look (store/campaign-leases.ts); agent campaigns have none. */
  holder: CampaignHolder | null = null;
  /** Whether a pass that may not dial (outside its windows, at its end time) should look whether every
   *  contact is final, to complete it: set when a call ends, a lost one is recorded or a contact is
   *  cancelled here, and when the status read differs; cleared once a look has run. */
  drainCheckDue = true;
  /** When such a look last ran (campaign-gate.ts: it also looks every few minutes untold). */
  drainLookedAt = Number.NEGATIVE_INFINITY;
  /** The settings as stored: a row read again is parsed again only if they changed (stored settings may
   *  leave defaults out, so comparing with the parsed ones would rebuild everything at every look). */
  private settingsText: string;

  /** `readAt`: when the row was read, for a runtime this node keeps (update). */
  constructor(row: Campaign, readAt: number | null = null) {
    this.readAt = readAt;
    this.id = row.id;
    this.accountId = row.account_id;
    this.status = row.status as CampaignStatus;
    this.priority = row.priority;
    this.settingsText = row.settings;
    this.settings = withDefaults(JSON.parse(row.settings));
    this.windows = buildCampaignWindows(this.settings);
    this.startedAt = row.started_at;
    this.haltAt = row.halt_at;
    this.begun = hasBegun(row);
    this.spacing = new DialSpacing(this.settings.callsPerSecond);
  }

  /** Takes the row's status and settings, read at `now`. New settings that move what contacts may wait on
   *  leave waitsEditedAt for the next pass: the time this node last read the campaign, before which its
   *  passes judged under settings it knew were current (a later write to the row, a rename say, must not
   *  narrow it). */
  update(row: Campaign, now: number): void {
    const settingsChanged = row.settings !== this.settingsText;
    const before = this.settings;
    // Started, recovered or resumed elsewhere: its contacts may all be final already. (Not at every read:
    // the maintenance pass reads every campaign every few seconds, and the look counts its contacts.)
    if (row.status !== this.status) this.drainCheckDue = true;
    this.settingsText = row.settings;
    this.status = row.status as CampaignStatus;
    this.priority = row.priority;
    this.startedAt = row.started_at;
    this.haltAt = row.halt_at;
    this.begun = hasBegun(row);
    if (settingsChanged) {
      this.settings = withDefaults(JSON.parse(row.settings));
      this.presence = null;
      this.windows = buildCampaignWindows(this.settings);
      this.spacing.setRate(this.settings.callsPerSecond);
    }
    if (settingsChanged && changesWaits(before, this.settings)) {
      const since = this.readAt ?? now;
      this.waitsEditedAt = Math.min(this.waitsEditedAt ?? Number.POSITIVE_INFINITY, since);
    }
    this.readAt = now;
  }

  /** The wall clock was stepped back `stepMs` (dispatcher.ts clockWentBack): the times this node noted on
   *  the old reading move back with it. */
  clockWentBack(stepMs: number): void {
    this.spacing.clockStepped(-stepMs);
    if (this.readAt !== null) this.readAt -= stepMs;
    if (this.waitsEditedAt !== null) this.waitsEditedAt -= stepMs;
    this.drainLookedAt -= stepMs;
  }

  /** The wall clock was stepped forward `stepMs` (dispatcher.ts clockWentForward): the dial spacing moves
   *  with it. The other times stay: on the old reading they lie earlier, so a re-read, a re-judging from
   *  waitsEditedAt or a drain look comes sooner or covers more, never less. */
  clockWentForward(stepMs: number): void {
    this.spacing.clockStepped(stepMs);
  }

  /** Whether `nodeId` may dial this campaign at `now`: agent campaigns are dialed by every node that has
   *  their agents; any other only by the node holding its lease. */
  dialsOn(nodeId: string, now: number): boolean {
    if (usesAgents(this.settings)) return true;
    return this.holder !== null && this.holder.nodeId === nodeId && this.holder.expiresAt > now;
  }

  /** A dial claimed (launch) or gone (ended, given back): keeps inFlight and its numbers together. */
  dialClaimed(phone: string): void {
    this.inFlight++;
    this.numbersInFlight.set(phone, (this.numbersInFlight.get(phone) ?? 0) + 1);
  }

  /** The other half of dialClaimed. */
  dialGone(phone: string): void {
    this.inFlight--;
    const left = (this.numbersInFlight.get(phone) ?? 1) - 1;
    if (left > 0) this.numbersInFlight.set(phone, left);
    else this.numbersInFlight.delete(phone);
  }

  /** Whether a dial of this campaign to `phone` is claimed and not yet ended. */
  numberInFlight(phone: string): boolean {
    return this.numbersInFlight.has(phone);
  }

  /** The caller id for a call to `phone`: the first, each in turn, or in turn among the closest to it. */
  nextCallerId(phone: string): string | null {
    const ids = this.settings.callerIds;
    if (ids.length === 0) return null;
    if (this.settings.callerIdMode === "fixed") return ids[0];
    if (this.settings.callerIdMode === "local") {
      this.presence ??= new LocalPresence(ids);
      return this.presence.pick(phone);
    }
    const id = ids[this.callerIdTurn % ids.length];
    this.callerIdTurn++;
    return id;
  }
}

/** When a started campaign halts: the earlier of its end time and its lifetime. */
export function haltAtFor(settings: CampaignSettings, startedAt: number): number | null {
  const candidates: number[] = [];
  if (settings.endAt !== null) candidates.push(settings.endAt);
  if (settings.lifetimeSec !== null) candidates.push(startedAt + settings.lifetimeSec * 1000);
  return candidates.length ? Math.min(...candidates) : null;
}

/**
 * What an edit of a started campaign's settings does to its start and halt times. One that has not begun
 * dialing yet (scheduled, or paused before its start time) starts at its new start time, or now if that
 * has passed; one already dialing keeps its start. A new start, end time or lifetime moves the halt time.
 */
export function startAndHaltAfterEdit(
  current: { started_at: number | null },
  before: CampaignSettings,
  after: CampaignSettings,
  now: number,
): { startedAt?: number; haltAt?: number | null } {
  if (current.started_at === null) return {};
  const notBegun = current.started_at > now && after.startAt !== before.startAt;
  const startedAt = notBegun ? Math.max(after.startAt ?? now, now) : current.started_at;
  if (!notBegun && after.endAt === before.endAt && after.lifetimeSec === before.lifetimeSec) return {};
  return { ...(notBegun ? { startedAt } : {}), haltAt: haltAtFor(after, startedAt) };
}
