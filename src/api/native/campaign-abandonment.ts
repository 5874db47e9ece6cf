// A campaign's abandonment rate as the record shows it: abandoned / live answers over the last 24 h, 30 days
// and the whole campaign, AMD false positives estimated from machine verdicts, and for a campaign in an
// abandonment group the group's pooled figures, which its pacer answers to. Reads the store; decides nothing.
import type { FastifyInstance } from "fastify";
import type { AbandonmentWindow, AbandonmentWindows } from "../../store/abandonment.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams } from "./schemas/common.ts";

const windowSchema = {
  type: "object",
  properties: {
    live_answers: {
      type: "number",
      description: "People who answered, plus the estimated AMD false positives",
    },
    abandoned: {
      type: "number",
      description: "People no agent took within the grace, plus the estimated AMD false positives",
    },
    amd_machine_verdicts: { type: "integer" },
    amd_false_positives_estimated: {
      type: "number",
      description: "Machine verdicts × the amd.falsePositiveShare of the campaign each came from",
    },
    rate: { type: "number", description: "abandoned / live_answers" },
  },
} as const;

const windowsSchema = {
  rolling_24h: windowSchema,
  rolling_30d: windowSchema,
  campaign: windowSchema,
} as const;

const window = (x: AbandonmentWindow) => ({
  live_answers: x.liveAnswers,
  abandoned: x.abandoned,
  amd_machine_verdicts: x.machineVerdicts,
  amd_false_positives_estimated: x.estimatedFalsePositives,
  rate: x.rate,
});

const windows = (w: AbandonmentWindows) => ({
  rolling_24h: window(w.rolling24h),
  rolling_30d: window(w.rolling30d),
  campaign: window(w.campaign),
});

export async function campaignAbandonmentRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, engine } = deps;
  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id/abandonment",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "Abandoned / live answers over the last 24 h, 30 days and the whole campaign",
        params: idParams("id"),
        response: {
          200: {
            type: "object",
            properties: {
              campaign_id: { type: "integer" },
              target_rate: { type: "number", description: "The campaign's own targetAbandonRate" },
              amd_false_positive_share: {
                type: "number",
                description:
                  "The campaign's amd.falsePositiveShare (default 0.02): the share of AMD's machine verdicts counted as people hung up on",
              },
              ...windowsSchema,
              group: {
                type: ["object", "null"],
                description:
                  "The campaign's abandonment group (settings.abandonGroup) pooled over its campaigns, this one included: the rate its pacer holds under group.target_rate. Null when it has none",
                properties: {
                  name: { type: "string" },
                  target_rate: {
                    type: ["number", "null"],
                    description:
                      "The strictest targetAbandonRate of the group's campaigns: the cap on the pooled rate, which binds this campaign's pacer whatever its own target_rate. Null when every campaign of the group dials as a robot",
                  },
                  campaign_ids: {
                    type: "array",
                    items: { type: "integer" },
                    description:
                      "The group's campaigns; one dialing as a robot counts only the answers agents had when it dialed for them",
                  },
                  ...windowsSchema,
                },
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
      const r = await engine.agents.abandonment(req.account.id, campaign.id);
      return {
        campaign_id: r.campaignId,
        target_rate: r.targetRate,
        amd_false_positive_share: r.falsePositiveShare,
        ...windows(r),
        group: r.group && {
          name: r.group.name,
          target_rate: r.group.targetRate,
          campaign_ids: r.group.campaignIds,
          ...windows(r.group),
        },
      };
    },
  );
}
