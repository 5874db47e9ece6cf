// Which campaigns this node dispatches. Every node tracks every active campaign (for explain, webhooks
// and calls still ending), but a campaign without agents is dialed only by the node holding its lease:
// its max concurrent calls and calls per second are counted in that one process. Agent campaigns are
// dialed by each node for the agents logged in there, so they take no lease.
import { usesAgents } from "../model/campaign-settings.ts";
import { holdCampaigns, releaseCampaigns } from "../store/campaign-leases.ts";
import { lastDialAt } from "../store/campaigns.ts";
import type { Store } from "../store/db.ts";
import type { Dispatcher } from "./dispatcher.ts";

export class CampaignLeases {
  constructor(
    private readonly o: { store: Store; dispatcher: Dispatcher; nodeId: string; leaseMs: number },
  ) {}

  /** Takes free or expired leases, renews this node's own, and notes who holds each of the others. A
   *  campaign this node no longer holds gives back the calls it had claimed but not yet dialed. */
  async hold(now: number): Promise<void> {
    const { dispatcher, nodeId } = this.o;
    const robots = [...dispatcher.campaigns.values()].filter((rt) => !usesAgents(rt.settings));
    if (robots.length === 0) return;
    const holders = await holdCampaigns(
      this.o.store.db,
      nodeId,
      robots.map((rt) => rt.id),
      now,
      now + this.o.leaseMs,
    );
    for (const rt of robots) {
      const had = rt.holder?.nodeId === nodeId;
      rt.holder = holders.get(rt.id) ?? null;
      const has = rt.holder?.nodeId === nodeId;
      if (had && !has) await dispatcher.releaseQueued(rt);
      // Taken over: the campaign's calls per second go on from the last node's last dial, not from what
      // this node saw when it last dialed it (a handover must not allow a burst within the same second).
      if (!had && has) {
        const last = await lastDialAt(this.o.store.db, rt.id);
        if (last !== null) rt.spacing.consume(last);
      }
    }
  }

  /** At shutdown: another node may take this node's campaigns at once instead of after their expiry. */
  async release(): Promise<void> {
    await releaseCampaigns(this.o.store.db, this.o.nodeId);
  }
}
