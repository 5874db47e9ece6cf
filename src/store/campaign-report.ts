// A campaign's results over a period, from its attempts (the record of every dial): attempts by outcome,
// answers, successes, talk time, and the same per hour or day on a zone's clock. Reads only; ended attempts
// only (a call in progress has no outcome yet).

import { sql } from "kysely";
import { DateTime } from "luxon";
import type { Store } from "./db.ts";

/** Attempts are first summed per quarter hour in SQL: every zone's hours and days are made of whole
 *  quarter hours (offsets such as +05:45 included), so any zone's buckets come out exact. */
const QUARTER_MS = 15 * 60_000;
/** As a literal: the SELECT and the GROUP BY must be the same expression, not two parameters. */
const quarter = sql<number>`started_at / ${sql.lit(QUARTER_MS)}`;

export interface PeriodFigures {
  attempts: number;
  /** Answered by anyone (a person or a machine). */
  answered: number;
  /** Answered by a person, abandoned ones included. */
  liveAnswers: number;
  successes: number;
  talkSec: number;
}

export interface CampaignReport extends PeriodFigures {
  /** Talk time of the live answers alone (machines and voicemails left out). */
  liveTalkSec: number;
  byOutcome: Record<string, number>;
  buckets: ({ start: number } & PeriodFigures)[];
}

/** Seconds added at millisecond precision, whatever the order of the additions. Talk time is summed in
 *  SQL as whole milliseconds too: a sum of fractional seconds depends on the order of its additions, and
 *  the dialects add differently (SQLite compensates rounding errors, PostgreSQL does not), so one report
 *  showed 170.367 on one and 170.36700000000002 on the other (parity11). */
export function addSeconds(a: number, b: number): number {
  return Math.round((a + b) * 1000) / 1000;
}

const empty = (): PeriodFigures => ({ attempts: 0, answered: 0, liveAnswers: 0, successes: 0, talkSec: 0 });

function add(into: PeriodFigures, row: PeriodFigures): void {
  into.attempts += row.attempts;
  into.answered += row.answered;
  into.liveAnswers += row.liveAnswers;
  into.successes += row.successes;
  into.talkSec = addSeconds(into.talkSec, row.talkSec);
}

/** The campaign's ended attempts that started in [from, to), in total and per `bucket` of `zone`'s clock. */
export async function campaignReport(
  store: Store,
  campaignId: number,
  o: { from: number; to: number; bucket: "hour" | "day"; zone: string },
): Promise<CampaignReport> {
  const rows = await store.db
    .selectFrom("attempts")
    .select([
      quarter.as("quarter"),
      "outcome",
      sql<number>`count(*)`.as("attempts"),
      sql<number>`sum(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END)`.as("answered"),
      sql<number>`sum(CASE WHEN success = 1 THEN 1 ELSE 0 END)`.as("successes"),
      sql<number | null>`sum(round(talk_sec * 1000))`.as("talk_ms"),
    ])
    .where("campaign_id", "=", campaignId)
    .where("started_at", ">=", o.from)
    .where("started_at", "<", o.to)
    .where("ended_at", "is not", null)
    .groupBy([quarter, "outcome"])
    .execute();
  const report: CampaignReport = { ...empty(), liveTalkSec: 0, byOutcome: {}, buckets: [] };
  const buckets = new Map<number, { start: number } & PeriodFigures>();
  for (const r of rows) {
    const outcome = r.outcome ?? "unknown";
    const n = Number(r.attempts);
    const live = outcome === "human" || outcome === "abandoned";
    const figures: PeriodFigures = {
      attempts: n,
      answered: Number(r.answered),
      liveAnswers: live ? n : 0,
      successes: Number(r.successes),
      talkSec: Number(r.talk_ms ?? 0) / 1000,
    };
    add(report, figures);
    if (live) report.liveTalkSec = addSeconds(report.liveTalkSec, figures.talkSec);
    report.byOutcome[outcome] = (report.byOutcome[outcome] ?? 0) + n;
    const start = DateTime.fromMillis(Math.floor(Number(r.quarter)) * QUARTER_MS, { zone: o.zone })
      .startOf(o.bucket)
      .toMillis();
    let bucket = buckets.get(start);
    if (!bucket) {
      bucket = { start, ...empty() };
      buckets.set(start, bucket);
    }
    add(bucket, figures);
  }
  report.buckets = [...buckets.values()].sort((a, b) => a.start - b.start);
  return report;
}
