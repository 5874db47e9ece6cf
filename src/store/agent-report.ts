// Per-agent figures of a campaign over a period, from the attempts (the record of who took which call):
// calls taken, talk time, how long the people waited for the agent, and the agents' dispositions. Reads
// only; the live side (states, occupancy now) is the engine's board.
import { sql } from "kysely";
import type { Store } from "./db.ts";

export interface AgentFigures {
  agentId: number;
  calls: number;
  talkSec: number;
  /** Mean answer → agent wait of the agent's calls, in ms; null when none was measured. */
  meanWaitMs: number | null;
  /** Calls that got a disposition, by disposition. */
  dispositions: Record<string, number>;
}

/** Figures of every agent who took a call of the campaign that started in [from, to), by agent id. */
export async function agentReport(
  store: Store,
  campaignId: number,
  from: number,
  to: number,
): Promise<AgentFigures[]> {
  const inPeriod = store.db
    .selectFrom("attempts")
    .where("campaign_id", "=", campaignId)
    .where("agent_id", "is not", null)
    .where("started_at", ">=", from)
    .where("started_at", "<", to);
  const totals = await inPeriod
    .select([
      "agent_id",
      sql<number>`count(*)`.as("calls"),
      sql<number | null>`sum(talk_sec)`.as("talk_sec"),
      sql<number | null>`avg(wait_ms)`.as("mean_wait_ms"),
    ])
    .groupBy("agent_id")
    .orderBy("agent_id")
    .execute();
  const disposed = await inPeriod
    .where("disposition", "is not", null)
    .select(["agent_id", "disposition", sql<number>`count(*)`.as("n")])
    .groupBy(["agent_id", "disposition"])
    .execute();
  const byAgent = new Map<number, Record<string, number>>();
  for (const d of disposed) {
    const counts = byAgent.get(Number(d.agent_id)) ?? {};
    counts[d.disposition as string] = Number(d.n);
    byAgent.set(Number(d.agent_id), counts);
  }
  return totals.map((t) => ({
    agentId: Number(t.agent_id),
    calls: Number(t.calls),
    talkSec: Number(t.talk_sec ?? 0),
    meanWaitMs: t.mean_wait_ms === null ? null : Math.round(Number(t.mean_wait_ms)),
    dispositions: byAgent.get(Number(t.agent_id)) ?? {},
  }));
}
