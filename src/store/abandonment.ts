// What the store says of abandonment: live answers, abandons and AMD machine verdicts over 24 h, 30 days and
// campaigns' whole lives, from the attempts on record, for one campaign or pooled over an abandonment
// group. The engine's live trackers (pacing/abandon-tracker.ts) count the same things as they happen.
import { type RawBuilder, sql } from "kysely";
import {
  amdFalsePositiveShare,
  type CampaignSettings,
  usesAgents,
  withDefaults,
} from "../model/campaign-settings.ts";
import type { Store } from "./db.ts";

export interface AbandonmentWindow {
  /** People who answered and were put through to an agent or abandoned, plus the estimated AMD false
   *  positives. */
  liveAnswers: number;
  /** Abandoned people, plus the estimated AMD false positives. */
  abandoned: number;
  /** Answers AMD judged a machine. */
  machineVerdicts: number;
  /** machineVerdicts × the campaign's amd.falsePositiveShare. */
  estimatedFalsePositives: number;
  /** abandoned / liveAnswers; 0 before the first live answer. */
  rate: number;
}

export type AbandonmentWindows = Record<"rolling24h" | "rolling30d" | "campaign", AbandonmentWindow>;

/** A campaign whose answers count, and the share of its machine verdicts that counts as people. */
export interface CountedCampaign {
  id: number;
  falsePositiveShare: number;
  /** Its own cap (settings.targetAbandonRate); a group answers to the strictest of its campaigns'. */
  targetAbandonRate?: number;
  /** Its machine verdicts are left out: a campaign that dials as a robot now (its past agent calls still
   *  count, as every campaign's do: countsForAbandonment). */
  withoutMachineVerdicts?: boolean;
}

const COLUMN = { rolling24h: "n_day", rolling30d: "n_month", campaign: "n" } as const;

/**
 * Whether an attempt row counts towards abandonment: a person abandoned, a person put through to an agent
 * (agent_id, written when the call was connected: engine/agent-links.ts), or a machine verdict AMD gave
 * (its details say so: outcomes.ts). A person who answered with no agent ever wanted heard a robot, and
 * counts in no campaign's rate whatever it dials now: counted once the campaign is switched to agents, a
 * robot's answers would dilute its rate and its group's (1,000 of them took a group at 10 % to 0.9 %). A
 * link whose write was given up on leaves its call out: the rate reads higher, never lower. A machine told
 * apart without AMD hung up on nobody. CASE keeps PostgreSQL from reading other rows' details
 * as JSON.
 */
export function countsForAbandonment(store: Store): RawBuilder<boolean> {
  const amd =
    store.dialect === "sqlite"
      ? sql`json_extract(details, '$.amd') = 1`
      : sql`(details::json ->> 'amd') = 'true'`;
  return sql<boolean>`CASE WHEN outcome = 'machine' THEN ${amd}
    WHEN outcome = 'human' THEN agent_id IS NOT NULL
    ELSE outcome = 'abandoned' END`;
}

/**
 * Abandoned / live answers over the last 24 h, 30 days and the campaigns' whole lives, pooled over
 * `campaigns`, each counting its own share of its machine verdicts as people AMD hung up on.
 */
export async function pooledAbandonment(
  store: Store,
  campaigns: readonly CountedCampaign[],
  now: number,
): Promise<AbandonmentWindows> {
  return fold(await answerCounts(store, campaigns, now), campaigns, () => true);
}

/** The group's figures without one member's (what the member's own tracker adds to), from one query. */
export async function groupAbandonment(
  store: Store,
  campaigns: readonly CountedCampaign[],
  now: number,
): Promise<{ without(campaignId: number): AbandonmentWindows }> {
  const rows = await answerCounts(store, campaigns, now);
  return { without: (campaignId) => fold(rows, campaigns, (id) => id !== campaignId) };
}

interface AnswerCountRow {
  campaign_id: number;
  outcome: string | null;
  n: number;
  n_day: number;
  n_month: number;
}

async function answerCounts(
  store: Store,
  campaigns: readonly CountedCampaign[],
  now: number,
): Promise<AnswerCountRow[]> {
  const day = now - 24 * 3600 * 1000;
  const month = now - 30 * 24 * 3600 * 1000;
  const rows =
    campaigns.length === 0
      ? []
      : await store.db
          .selectFrom("attempts")
          .select(["campaign_id", "outcome", sql<number>`count(*)`.as("n")])
          .select([
            sql<number>`sum(case when answered_at > ${day} then 1 else 0 end)`.as("n_day"),
            sql<number>`sum(case when answered_at > ${month} then 1 else 0 end)`.as("n_month"),
          ])
          .where(
            "campaign_id",
            "in",
            campaigns.map((c) => c.id),
          )
          .where("outcome", "in", ["human", "abandoned", "machine"])
          .where(countsForAbandonment(store))
          .where("answered_at", "is not", null)
          .groupBy(["campaign_id", "outcome"])
          .execute();
  return rows;
}

function fold(
  rows: readonly AnswerCountRow[],
  campaigns: readonly CountedCampaign[],
  counted: (campaignId: number) => boolean,
): AbandonmentWindows {
  const share = new Map(campaigns.map((c) => [c.id, c.falsePositiveShare]));
  const withoutMachines = new Set(campaigns.filter((c) => c.withoutMachineVerdicts).map((c) => c.id));
  const window = (column: (typeof COLUMN)[keyof typeof COLUMN]): AbandonmentWindow => {
    let people = 0;
    let abandons = 0;
    let machineVerdicts = 0;
    let estimated = 0;
    for (const r of rows) {
      if (!counted(Number(r.campaign_id))) continue;
      if (r.outcome === "machine" && withoutMachines.has(Number(r.campaign_id))) continue;
      const n = Number(r[column] ?? 0);
      if (r.outcome === "machine") {
        machineVerdicts += n;
        estimated += n * (share.get(Number(r.campaign_id)) ?? 0);
      } else {
        people += n;
        if (r.outcome === "abandoned") abandons += n;
      }
    }
    const liveAnswers = people + estimated;
    const abandoned = abandons + estimated;
    return {
      liveAnswers,
      abandoned,
      machineVerdicts,
      estimatedFalsePositives: estimated,
      rate: liveAnswers > 0 ? abandoned / liveAnswers : 0,
    };
  };
  return {
    rolling24h: window(COLUMN.rolling24h),
    rolling30d: window(COLUMN.rolling30d),
    campaign: window(COLUMN.campaign),
  };
}

/** One campaign's figures (see pooledAbandonment). */
export function abandonment(
  store: Store,
  campaign: CountedCampaign,
  now: number,
): Promise<AbandonmentWindows> {
  return pooledAbandonment(store, [campaign], now);
}

/** How a campaign's answers count, by its settings now. Whatever it dials, only the answers agents had
 *  count (countsForAbandonment): switched from predictive to robot, its abandons of the last 24 h still
 *  happened; switched the other way, its robot answers never risked an abandon. A robot campaign abandons
 *  nobody (no agent is wanted), so one that dials as a robot now has no cap and no estimate of people
 *  among its machine verdicts. */
export function countedCampaign(id: number, s: CampaignSettings): CountedCampaign {
  return usesAgents(s)
    ? { id, falsePositiveShare: amdFalsePositiveShare(s), targetAbandonRate: s.targetAbandonRate }
    : { id, falsePositiveShare: 0, withoutMachineVerdicts: true };
}

/** The account's campaigns in the abandonment group, each counted as countedCampaign says. */
export async function groupCampaigns(
  store: Store,
  accountId: number,
  group: string,
): Promise<CountedCampaign[]> {
  // Settings are JSON text on both dialects; an account has few campaigns, so they are read and matched here.
  const rows = await store.db
    .selectFrom("campaigns")
    .select(["id", "settings"])
    .where("account_id", "=", accountId)
    .execute();
  const out: CountedCampaign[] = [];
  for (const r of rows) {
    const s = withDefaults(JSON.parse(r.settings));
    if (s.abandonGroup === group) out.push(countedCampaign(Number(r.id), s));
  }
  return out;
}
