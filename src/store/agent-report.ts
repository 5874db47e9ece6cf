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
  /** The agent's own time on its calls: each call's talk less the person's wait before the agent joined. */
  talkSec: number;
  /** Mean answer → agent wait of the agent's calls, in ms; null when none was measured. */
  meanWaitMs: number | null;
  /** Calls the agent set the disposition of (taken by it or not), by disposition. */
  dispositions: Record<string, number>;
}

/** The agent's time on one call, in whole ms: talk_sec runs from the person's answer to the hang-up, and
 *  the person first waited wait_ms for an agent, so the agent was on the line only for the rest (a call
 *  answered at +5 s, put through to Ann after 30 s, ended at +95 s: talk_sec 90, Ann's talk 60 s). Never
 *  below 0: the two are measured apart (the driver times the talk, the engine the wait). A CASE, not
 *  max() or greatest(): SQLite has only the one, PostgreSQL only the other. */
const agentTalkMs = sql<number>`case when round(a.talk_sec * 1000) > coalesce(a.wait_ms, 0)
  then round(a.talk_sec * 1000) - coalesce(a.wait_ms, 0) else 0 end`;

/** Figures of every agent who took (agent_id), or set the disposition of (disposed_by), a call of the
 *  campaign that started in [from, to), by agent id. */
export async function agentReport(
  store: Store,
  campaignId: number,
  from: number,
  to: number,
): Promise<AgentFigures[]> {
  const inPeriod = store.db
    .selectFrom("attempts as a")
    .where("a.campaign_id", "=", campaignId)
    .where("a.started_at", ">=", from)
    .where("a.started_at", "<", to);
  const totals = await inPeriod
    .where("a.agent_id", "is not", null)
    .leftJoin("agents as g", (j) =>
      j.onRef("g.id", "=", "a.agent_id").onRef("g.account_id", "=", "a.account_id"),
    )
    .select([
      "a.agent_id",
      "g.name",
      // agent_id and wait_ms are written together when a call is connected to the agent
      // (recordAgentOnAttempt); a disposition writes disposed_by, never agent_id.
      // Calls still on the line have no talk time yet: counted once ended, as the campaign report does.
      sql<number>`count(case when a.wait_ms is not null and a.ended_at is not null then 1 end)`.as("calls"),
      sql<
        number | null
      >`sum(case when a.wait_ms is not null and a.ended_at is not null then ${agentTalkMs} end)`.as(
        "talk_ms",
      ),
      sql<number | null>`avg(case when a.ended_at is not null then a.wait_ms end)`.as("mean_wait_ms"),
    ])
    .groupBy(["a.agent_id", "g.name"])
    .execute();
  // Dispositions count for the agent who set them, whether or not the call was connected to it (a preview
  // nobody answered): such an agent is in the report even with no call taken.
  const disposed = await inPeriod
    .where("a.disposed_by", "is not", null)
    .where("a.disposition", "is not", null)
    .leftJoin("agents as g", (j) =>
      j.onRef("g.id", "=", "a.disposed_by").onRef("g.account_id", "=", "a.account_id"),
    )
    .select(["a.disposed_by", "g.name", "a.disposition", sql<number>`count(*)`.as("n")])
    .groupBy(["a.disposed_by", "g.name", "a.disposition"])
    .execute();
  const figures = new Map<number, AgentFigures>();
  for (const t of totals) {
    figures.set(Number(t.agent_id), {
      agentId: Number(t.agent_id),
      name: t.name ?? null,
      calls: Number(t.calls),
      // Whole milliseconds, as the campaign report sums them (campaign-report.ts addSeconds).
      talkSec: Number(t.talk_ms ?? 0) / 1000,
      meanWaitMs: t.mean_wait_ms === null ? null : Math.round(Number(t.mean_wait_ms)),
      dispositions: {},
    });
  }
  for (const d of disposed) {
    const agentId = Number(d.disposed_by);
    let f = figures.get(agentId);
    if (!f) {
      f = { agentId, name: d.name ?? null, calls: 0, talkSec: 0, meanWaitMs: null, dispositions: {} };
      figures.set(agentId, f);
    }
    f.dispositions[d.disposition as string] = Number(d.n);
  }
  return [...figures.values()].sort((a, b) => a.agentId - b.agentId);
}
