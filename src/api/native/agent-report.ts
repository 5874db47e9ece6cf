// A campaign's per-agent report for supervisors: calls taken, talk time, how long people waited for each
// agent and the agents' dispositions, over a period (store/agent-report.ts). Reads only.
import type { FastifyInstance } from "fastify";
import { agentReport } from "../../store/agent-report.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTime, reportPeriod } from "./schemas/common.ts";
import { iso } from "./views.ts";

const agentFiguresSchema = {
  type: "object",
  properties: {
    agent_id: { type: "integer" },
    name: { type: ["string", "null"], description: "null when the agent was deleted since" },
    calls: { type: "integer", description: "Calls connected to the agent" },
    talk_sec: {
      type: "number",
      description:
        "The agent's time on its calls: each call's talk (answer → hang-up) less the person's wait for the agent, so a wait counts in mean_wait_ms only",
    },
    mean_talk_sec: { type: ["number", "null"], description: "talk_sec / calls; null with no calls" },
    mean_wait_ms: { type: ["integer", "null"], description: "Mean wait of the people, answer → agent" },
    dispositions: {
      type: "object",
      additionalProperties: { type: "integer" },
      description: "Calls the agent set the disposition of (connected to it or not), by disposition",
    },
  },
} as const;

export async function agentReportRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Params: { id: number }; Querystring: { from?: string; to?: string } }>(
    "/v1/campaigns/:id/agent-report",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary:
          "Per agent: calls, talk time, the people's wait and dispositions, for calls started in [from, to)",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            from: { ...isoTime, description: "Default: the beginning" },
            to: { ...isoTime, description: "Default: now" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              campaign_id: { type: "integer" },
              from: { type: ["string", "null"], format: "date-time" },
              to: isoTime,
              data: { type: "array", items: agentFiguresSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const campaignId = req.params.id;
      if (!(await findCampaign(store.db, accountId, campaignId))) throw notFound("campaign", campaignId);
      const { from, to } = reportPeriod(req.query, deps.clock.now());
      const figures = await agentReport(store, campaignId, from ?? 0, to);
      return {
        campaign_id: campaignId,
        from: from === null ? null : iso(from),
        to: iso(to),
        data: figures.map((x) => ({
          agent_id: x.agentId,
          name: x.name,
          calls: x.calls,
          talk_sec: x.talkSec,
          mean_talk_sec: x.calls > 0 ? x.talkSec / x.calls : null,
          mean_wait_ms: x.meanWaitMs,
          dispositions: x.dispositions,
        })),
      };
    },
  );
}
