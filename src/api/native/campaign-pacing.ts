// How an agent campaign is paced right now, for supervisors tuning it (VICIdial's adaptive log, as an
// endpoint): the latest pacing decision and the recent ones that placed lines, with what each rested on —
// agents by state, lines out by stage, and for predictive campaigns the mode, the drop chance the outer
// loop allowed, the forecast drop chance of the last dial placed and of the next one, and the learned
// estimates. Reads the engine's live state on this node; decides nothing.
import type { FastifyInstance } from "fastify";
import type { PacingDecision } from "../../engine/agents/dialing.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTime } from "./schemas/common.ts";
import { iso } from "./views.ts";

const counts = (keys: string[]) =>
  ({
    type: "object",
    properties: Object.fromEntries(keys.map((k) => [k, { type: "integer" }])),
  }) as const;

const chance = { type: ["number", "null"], minimum: 0, maximum: 1 } as const;

const decisionSchema = {
  type: "object",
  properties: {
    at: isoTime,
    agents: counts(["ready", "reserved", "on_call", "wrap_up", "paused"]),
    lines: { ...counts(["ringing", "answered", "waiting"]), description: "Lines out without an agent" },
    dials: { type: "integer", description: "Lines the pacer asked for at this decision" },
    placed: { type: ["integer", "null"], description: "Lines the dispatcher placed for it" },
    held_by: {
      type: ["string", "null"],
      description:
        "What held back the lines asked for and not placed: concurrency_saturated, global_channels_saturated, cps_saturated, no_contacts_due, or contacts_deferred (their rules put the due contacts off: calling hours, caps, a gap between calls)",
    },
    predictive: {
      type: ["object", "null"],
      description: "What a predictive decision rested on (null for the other methods)",
      properties: {
        mode: {
          type: "string",
          enum: ["model", "fallback"],
          description: "fallback: a window is over the abandonment target, so one line per ready agent",
        },
        threshold: { type: "number", description: "The drop chance the last dial of a decision may have" },
        last_dial_drop_chance: {
          ...chance,
          description: "Forecast drop chance of the last dial placed beyond one per ready agent",
        },
        next_dial_drop_chance: {
          ...chance,
          description: "Forecast drop chance of one more dial, the one not placed (null at the lines cap)",
        },
        human_share: { type: "number", description: "Share of dials expected to reach a person" },
        mean_talk_sec: { type: "number" },
        mean_wrap_up_sec: { type: "number" },
        dial_results: {
          type: "number",
          description: "Dial results behind the estimates (recent ones weigh more)",
        },
        talks: { type: "number" },
        wrap_ups: { type: "number" },
        calibration: { type: "number", description: "Drops that happened per drop forecast (1 = exact)" },
      },
    },
  },
} as const;

function decisionView(d: PacingDecision) {
  const i = d.insight;
  return {
    at: iso(d.at),
    agents: d.agents,
    lines: d.lines,
    dials: d.dials,
    placed: d.placed,
    held_by: d.heldBy,
    predictive: i && {
      mode: i.mode,
      threshold: i.threshold,
      last_dial_drop_chance: i.lastDialDropChance,
      next_dial_drop_chance: i.nextDialDropChance,
      human_share: i.humanShare,
      mean_talk_sec: i.meanTalkMs / 1000,
      mean_wrap_up_sec: i.meanWrapMs / 1000,
      dial_results: i.dialResults,
      talks: i.talks,
      wrap_ups: i.wrapUps,
      calibration: i.calibration,
    },
  };
}

export async function campaignPacingRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, engine } = deps;

  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id/pacing",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary:
          "How the campaign is paced on this node: the latest decision and the last 100 that placed lines or changed mode, with what each rested on",
        params: idParams("id"),
        response: {
          200: {
            type: "object",
            properties: {
              campaign_id: { type: "integer" },
              dial_method: { type: "string" },
              active: { type: "boolean", description: "Whether this node is dispatching the campaign" },
              abandonment: {
                type: ["object", "null"],
                description: "The window with the highest rate, as the pacer counts it live",
                properties: {
                  window: { type: "string", enum: ["24h", "30d", "campaign"] },
                  live_answers: {
                    type: "number",
                    description: "People who answered, plus the estimated AMD false positives",
                  },
                  abandoned: { type: "number", description: "Drops plus AMD false positives" },
                  drops: { type: "integer", description: "No agent within the grace" },
                  amd_machine_verdicts: { type: "integer" },
                  amd_false_positives: {
                    type: "number",
                    description: "Estimated: amd_machine_verdicts × the campaign's amd.falsePositiveShare",
                  },
                  rate: { type: "number" },
                  target_rate: { type: "number" },
                },
              },
              latest: { anyOf: [decisionSchema, { type: "null" }] },
              decisions: { type: "array", description: "Newest first", items: decisionSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const v = await engine.pacing(req.account.id, campaign.id);
      const a = v.abandonment;
      return {
        campaign_id: v.campaignId,
        dial_method: v.method,
        active: v.active,
        abandonment: a && {
          window: a.window,
          live_answers: a.liveAnswers,
          abandoned: a.abandoned,
          drops: a.drops,
          amd_machine_verdicts: a.machineVerdicts,
          amd_false_positives: a.falsePositives,
          rate: a.rate,
          target_rate: a.targetRate,
        },
        latest: v.latest && decisionView(v.latest),
        decisions: v.decisions.map(decisionView),
      };
    },
  );
}
