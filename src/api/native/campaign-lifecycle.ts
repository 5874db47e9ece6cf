// Campaign lifecycle commands and the "why is it (not) dialing" report: checked for ownership here,
// decided by the engine.
import type { FastifyInstance } from "fastify";
import type { CampaignStatus } from "../../model/outcome.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { explanationSchema, lifecycleResponseSchema } from "./schemas/campaign.ts";
import { errorResponses, idParams } from "./schemas/common.ts";

type Command = "start" | "pause" | "resume" | "stop" | "recover";

const SUMMARIES: Record<Command, string> = {
  start: "Start a campaign (running, or scheduled when its startAt is ahead)",
  pause: "Pause dialing; calls in progress finish",
  resume: "Resume a paused campaign",
  stop: "Stop dialing and hang up calls not yet answered; pending contacts stay pending",
  recover:
    "Bring a paused, stopped, halted or completed campaign back: its lifetime counts again (from its start time while that is ahead: scheduled), and its pending contacts, those of calls lost with a node among them, are dialed as their retry times come. `recovered` counts them",
};

export async function campaignLifecycleRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, engine } = deps;

  // The engine would refuse another account's campaign too; checking here first makes it a plain 404
  // that cannot tell "not yours" from "does not exist", whatever the engine's own message says.
  async function ownedCampaignId(accountId: number, id: number): Promise<number> {
    const row = await findCampaign(store.db, accountId, id);
    if (!row) throw notFound("campaign", id);
    return row.id;
  }

  for (const command of Object.keys(SUMMARIES) as Command[]) {
    app.post<{ Params: { id: number } }>(
      `/v1/campaigns/:id/${command}`,
      {
        config: { permission: "campaigns:control" },
        schema: {
          tags: ["campaigns"],
          summary: SUMMARIES[command],
          params: idParams("id"),
          response: { 200: lifecycleResponseSchema, ...errorResponses },
        },
      },
      async (req): Promise<{ status: CampaignStatus; recovered?: number }> => {
        const accountId = req.account.id;
        const id = await ownedCampaignId(accountId, req.params.id);
        if (command === "recover") return engine.recover(accountId, id);
        return { status: await engine[command](accountId, id) };
      },
    );
  }

  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id/explain",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "Explain why the campaign is or is not dialing right now",
        params: idParams("id"),
        response: { 200: explanationSchema, ...errorResponses },
      },
    },
    async (req) => {
      const id = await ownedCampaignId(req.account.id, req.params.id);
      return engine.explain(req.account.id, id);
    },
  );
}
