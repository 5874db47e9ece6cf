// engine/abandon-groups owns the pooling of abandonment over a group's campaigns (settings.abandonGroup):
// it hands each agent campaign's tracker on this node what the group's other campaigns have on record, so
// that its pacer answers to the pooled rate under the group's cap, and reads a group's figures for the API.
// It must not pace, dial or write anything.
import { usesAgents } from "../model/campaign-settings.ts";
import type { AbandonWindow, Tally } from "../pacing/abandon-tracker.ts";
import {
  type AbandonmentWindow,
  type CountedCampaign,
  groupAbandonment,
  groupCampaigns,
  pooledAbandonment,
} from "../store/abandonment.ts";
import type { Store } from "../store/db.ts";
import type { AgentDialing } from "./agents/dialing.ts";
import type { CampaignRuntime } from "./campaign-runtime.ts";

/** The record's figures as a tracker tallies them: the estimated false positives as known ones (the verdicts
 *  they were estimated from kept beside, for the pacing view's "among N machine verdicts"). Drops are
 *  whole people: `abandoned` is the count of abandoned attempts plus the estimate, added in floating point,
 *  so taking the estimate off gives the count back only to within rounding (1 beside 8 machine verdicts at
 *  0.02 gave 0.9999999999999999, which the view's integer `drops` truncated to 0): it is rounded. */
function tally(w: AbandonmentWindow): Tally {
  const estimated = w.estimatedFalsePositives;
  return {
    live: w.liveAnswers,
    drops: Math.round(w.abandoned - estimated),
    fps: estimated,
    machines: 0,
    estimatedMachines: w.machineVerdicts,
  };
}

/**
 * The cap a group's pooled rate is held under, which every member's pacer answers to whatever its own: the
 * strictest target of the group's campaigns (one dialing as a robot has none). Null when none has one.
 */
export function groupTargetRate(
  campaigns: Iterable<Pick<CountedCampaign, "targetAbandonRate">>,
): number | null {
  let target = Number.POSITIVE_INFINITY;
  for (const c of campaigns) target = Math.min(target, c.targetAbandonRate ?? target);
  return Number.isFinite(target) ? target : null;
}

/** A group's pooled figures as the record has them, with the cap they are held under, for the API. */
export async function groupAbandonmentReport(store: Store, accountId: number, group: string, now: number) {
  const members = await groupCampaigns(store, accountId, group);
  return {
    name: group,
    targetRate: groupTargetRate(members),
    campaignIds: members.map((m) => m.id),
    ...(await pooledAbandonment(store, members, now)),
  };
}

/**
 * Gives every tracked agent campaign in a group the counts of the group's other campaigns, as the store has
 * them now, and takes them from a campaign that left its group. One query per group. A call still on the
 * line counts once its attempt is recorded, so the others' figures trail theirs by a call or so either way.
 * A group whose figures cannot be read keeps its last ones (reported through `onError`), so that the rest
 * of the engine's upkeep goes on.
 */
export async function refreshAbandonGroups(
  store: Store,
  dialing: AgentDialing,
  campaigns: Iterable<CampaignRuntime>,
  now: number,
  onError: (err: unknown) => void,
): Promise<void> {
  const groups = new Map<string, { accountId: number; group: string; members: CampaignRuntime[] }>();
  for (const rt of campaigns) {
    if (!usesAgents(rt.settings) || !dialing.hasTracker(rt.id)) continue;
    const group = rt.settings.abandonGroup;
    if (group === null) {
      dialing.setGroupCounts(rt.id, null);
      continue;
    }
    const key = JSON.stringify([rt.accountId, group]);
    const entry = groups.get(key) ?? { accountId: rt.accountId, group, members: [] };
    entry.members.push(rt);
    groups.set(key, entry);
  }
  for (const { accountId, group, members } of groups.values()) {
    try {
      const campaigns = await groupCampaigns(store, accountId, group);
      const counts = await groupAbandonment(store, campaigns, now);
      // One rate, one cap: the group's, from the record and this node's settings (newer, perhaps).
      const target = groupTargetRate([...campaigns, ...members.map((rt) => rt.settings)]);
      for (const rt of members) {
        const w = counts.without(rt.id);
        const others: Record<AbandonWindow, Tally> = {
          "24h": tally(w.rolling24h),
          "30d": tally(w.rolling30d),
          campaign: tally(w.campaign),
        };
        dialing.setGroupCounts(rt.id, others, target);
      }
    } catch (err) {
      onError(err);
    }
  }
}
