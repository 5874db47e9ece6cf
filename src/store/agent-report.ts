// Per-agent figures of a campaign over a period, from the attempts (the record of who took which call):
// calls taken, talk time, how long the people waited for the agent, and the agents' dispositions. Reads
// only; the live side (states, occupancy now) is the engine's board.
import { sql } from "kysely";
import type { Store } from "./db.ts";

export interface AgentFigures {
  agentId: number;
  /** Null when the agent was deleted since (its attempts keep its id). */
  name: string | null;
  /** Calls connected to the agent. */
  calls: number;
  talkSec: number;
  /** Mean answer → agent wait of the agent's calls, in ms; null when none was measured. */
  meanWaitMs: number | null;
  /** Calls that got a disposition, by disposition. */
  dispositions: Record<string, number>;
}

/** Figures of every agent who took, or set the disposition of, a call of the campaign that started in
 *  [from, to), by agent id. */
export async function agentReport(
  store: Store,
  campaignId: number,
  from: number,
  to: number,
): Promise<AgentFigures[]> {
  const inPeriod = store.db
    .selectFrom("attempts as a")
    .where("a.campaign_id", "=", campaignId)
    .where("a.agent_id", "is not", null)
    .where("a.started_at", ">=", from)
    .where("a.started_at", "<", to);
  const totals = await inPeriod
    .leftJoin("agents as g", (j) =>
      j.onRef("g.id", "=", "a.agent_id").onRef("g.account_id", "=", "a.account_id"),
    )
    .select([
      "a.agent_id",
      "g.name",
      // wait_ms is written with agent_id when a call is connected to the agent (recordAgentOnAttempt);
      // agent_id alone may be a disposition's, of a call that never reached it (a preview not answered).
      // Calls still on the line have no talk time yet: counted once ended, as the campaign report does.
      sql<number>`count(case when a.wait_ms is not null and a.ended_at is not null then 1 end)`.as("calls"),
      sql<
        number | null
      >`sum(case when a.wait_ms is not null and a.ended_at is not null then a.talk_sec end)`.as("talk_sec"),
      sql<number | null>`avg(case when a.ended_at is not null then a.wait_ms end)`.as("mean_wait_ms"),
    ])
    .groupBy(["a.agent_id", "g.name"])
    .orderBy("a.agent_id")
    .execute();
  const disposed = await inPeriod
    .where("a.disposition", "is not", null)
    .select(["a.agent_id", "a.disposition", sql<number>`count(*)`.as("n")])
    .groupBy(["a.agent_id", "a.disposition"])
    .execute();
  const byAgent = new Map<number, Record<string, number>>();
  for (const d of disposed) {
    const counts = byAgent.get(Number(d.agent_id)) ?? {};
    counts[d.disposition as string] = Number(d.n);
    byAgent.set(Number(d.agent_id), counts);
  }
  return totals.map((t) => ({
    agentId: Number(t.agent_id),
    name: t.name ?? null,
    calls: Number(t.calls),
    talkSec: Number(t.talk_sec ?? 0),
    meanWaitMs: t.mean_wait_ms === null ? null : Math.round(Number(t.mean_wait_ms)),
    dispositions: byAgent.get(Number(t.agent_id)) ?? {},
  }));
}
