// A campaign's results over a period for supervisors and CRMs (store/campaign-report.ts): attempts by
// outcome, answers, live answers, successes and talk time, in total and per hour or day on a zone's clock.
// Reads only.
import type { FastifyInstance } from "fastify";
import { DateTime } from "luxon";
import { parseZone, ZoneError } from "../../lib/time-zone.ts";
import { campaignZone, withDefaults } from "../../model/campaign-settings.ts";
import { type CampaignReport, campaignReport, type PeriodFigures } from "../../store/campaign-report.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { invalidRequest, notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTime, reportPeriod } from "./schemas/common.ts";
import { iso } from "./views.ts";

/** A report may span this many days at most (its hourly buckets stay a few thousand). */
const MAX_DAYS = 400;

const figures = {
  attempts: { type: "integer", description: "Ended attempts that started in the period" },
  answered: { type: "integer", description: "Answered by a person or a machine" },
  live_answers: { type: "integer", description: "Answered by a person (abandoned calls included)" },
  successes: { type: "integer", description: "Attempts that count as a success (the campaign's threshold)" },
  talk_sec: { type: "number" },
} as const;

function figuresView(f: PeriodFigures) {
  return {
    attempts: f.attempts,
    answered: f.answered,
    live_answers: f.liveAnswers,
    successes: f.successes,
    talk_sec: f.talkSec,
  };
}

function reportView(r: CampaignReport) {
  return {
    ...figuresView(r),
    answer_rate: r.attempts > 0 ? r.answered / r.attempts : null,
    success_rate: r.attempts > 0 ? r.successes / r.attempts : null,
    mean_talk_sec: r.liveAnswers > 0 ? r.liveTalkSec / r.liveAnswers : null,
    by_outcome: r.byOutcome,
  };
}

export async function campaignReportRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store } = deps;

  app.get<{
    Params: { id: number };
    Querystring: { from?: string; to?: string; bucket: "hour" | "day"; zone?: string };
  }>(
    "/v1/campaigns/:id/report",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["campaigns"],
        summary:
          "The campaign's results for attempts started in [from, to): by outcome, answers, successes and talk time, in total and per hour or day",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            from: { ...isoTime, description: `Default: ${MAX_DAYS} days before \`to\`` },
            to: { ...isoTime, description: "Default: now" },
            bucket: { type: "string", enum: ["hour", "day"], default: "day" },
            zone: {
              type: "string",
              minLength: 1,
              maxLength: 64,
              description:
                "Whose clock the hours and days follow (IANA id or offset); default: the campaign's defaultZone",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              campaign_id: { type: "integer" },
              from: isoTime,
              to: isoTime,
              zone: { type: "string" },
              bucket: { type: "string" },
              ...figures,
              answer_rate: { type: ["number", "null"] },
              success_rate: { type: ["number", "null"] },
              mean_talk_sec: { type: ["number", "null"], description: "Talk time per live answer" },
              by_outcome: { type: "object", additionalProperties: { type: "integer" } },
              buckets: {
                type: "array",
                description: "Only buckets with attempts, in time order",
                items: { type: "object", properties: { start: isoTime, ...figures } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const q = req.query;
      const period = reportPeriod(q, deps.clock.now());
      const to = period.to;
      const from = period.from ?? to - MAX_DAYS * 86_400_000;
      if (to - from > MAX_DAYS * 86_400_000) {
        throw invalidRequest(`a report spans at most ${MAX_DAYS} days`, "querystring.from");
      }
      let zone: string;
      try {
        zone =
          q.zone === undefined
            ? campaignZone(withDefaults(JSON.parse(campaign.settings)))
            : parseZone(q.zone);
      } catch (err) {
        if (err instanceof ZoneError) throw invalidRequest(err.message, "querystring.zone");
        throw err;
      }
      // Attempts are summed per quarter hour (store/campaign-report.ts): a zone off that grid (+05:07)
      // would put some of them in the wrong hour.
      for (const t of [from, to]) {
        if (DateTime.fromMillis(t, { zone }).offset % 15 !== 0) {
          throw invalidRequest(`${zone} is not a whole number of quarter hours from UTC`, "querystring.zone");
        }
      }
      const report = await campaignReport(store, campaign.id, { from, to, bucket: q.bucket, zone });
      return {
        campaign_id: campaign.id,
        from: iso(from),
        to: iso(to),
        zone,
        bucket: q.bucket,
        ...reportView(report),
        buckets: report.buckets.map((b) => ({ start: iso(b.start), ...figuresView(b) })),
      };
    },
  );
}
