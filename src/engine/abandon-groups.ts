// engine/abandon-groups owns the pooling of abandonment over a group's campaigns (settings.abandonGroup):
// it hands each agent campaign's tracker on this node what the group's other campaigns have on record, so
// that its pacer answers to the pooled rate. It must not pace, dial or write anything.
import { usesAgents } from "../model/campaign-settings.ts";
import type { AbandonWindow, Tally } from "../pacing/abandon-tracker.ts";
import { type AbandonmentWindow, groupCampaigns, pooledAbandonment } from "../store/abandonment.ts";
import type { Store } from "../store/db.ts";
import type { AgentDialing } from "./agents/dialing.ts";
import type { CampaignRuntime } from "./campaign-runtime.ts";

/** The record's figures as a tracker tallies them: the estimated false positives as known ones. */
function tally(w: AbandonmentWindow): Tally {
  const estimated = w.estimatedFalsePositives;
  return { live: w.liveAnswers, drops: w.abandoned - estimated, fps: estimated, machines: 0 };
}

/**
 * Gives every tracked agent campaign in a group the counts of the group's other campaigns, as the store has
 * them now (a call still on the line is counted once its attempt is recorded: until then the pooled rate
 * reads a little high, never low), and takes them from a campaign that left its group.
 */
export async function refreshAbandonGroups(
  store: Store,
  dialing: AgentDialing,
  campaigns: Iterable<CampaignRuntime>,
  now: number,
): Promise<void> {
  const groups = new Map<string, { accountId: number; group: string; members: CampaignRuntime[] }>();
  for (const rt of campaigns) {
    if (!usesAgents(rt.settings) || !dialing.hasTracker(rt.id)) continue;
    const group = rt.settings.abandonGroup;
    if (group === null) {
      dialing.tracker(rt).setOthers(null);
      continue;
    }
    const key = JSON.stringify([rt.accountId, group]);
    const entry = groups.get(key) ?? { accountId: rt.accountId, group, members: [] };
    entry.members.push(rt);
    groups.set(key, entry);
  }
  for (const { accountId, group, members } of groups.values()) {
    const onRecord = await groupCampaigns(store, accountId, group);
    for (const rt of members) {
      const w = await pooledAbandonment(
        store,
        onRecord.filter((c) => c.id !== rt.id),
        now,
      );
      const others: Record<AbandonWindow, Tally> = {
        "24h": tally(w.rolling24h),
        "30d": tally(w.rolling30d),
        campaign: tally(w.campaign),
      };
      dialing.tracker(rt).setOthers(others);
    }
  }
}
