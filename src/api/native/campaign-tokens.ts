// Campaign tokens: secrets bound to one campaign that let a caller add numbers to it through JAICP's
// Calls API (/api/calls/campaign/{token}/addPhone[s]) and do nothing else. Shown once, at creation.
import type { FastifyInstance } from "fastify";
import { insertCampaignToken, listCampaignTokens, revokeCampaignToken } from "../../store/campaign-tokens.ts";
import { findCampaign } from "../../store/campaigns.ts";
import type { CampaignTokenRow } from "../../store/schema.ts";
import { generateApiKey } from "../plugins/api-key-secret.ts";
import { notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTime, isoTimeOrNull } from "./schemas/common.ts";
import { iso } from "./views.ts";

const tokenSchema = {
  type: "object",
  required: ["id", "name", "prefix", "created_at"],
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    prefix: { type: "string", description: "The token's first characters, to tell tokens apart" },
    created_at: isoTime,
    revoked_at: isoTimeOrNull,
  },
} as const;

function tokenView(r: CampaignTokenRow) {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    created_at: iso(r.created_at),
    revoked_at: iso(r.revoked_at),
  };
}

export async function campaignTokenRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;

  async function campaignOf(accountId: number, id: number) {
    const campaign = await findCampaign(store.db, accountId, id);
    if (!campaign) throw notFound("campaign", id);
    return campaign;
  }

  app.post<{ Params: { id: number }; Body: { name: string } }>(
    "/v1/campaigns/:id/tokens",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary: "Create a campaign token (JAICP Calls API); the answer holds the token, shown this once",
        params: idParams("id"),
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1, maxLength: 200 } },
        },
        response: {
          201: {
            ...tokenSchema,
            required: [...tokenSchema.required, "token"],
            properties: { ...tokenSchema.properties, token: { type: "string" } },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const campaign = await campaignOf(req.account.id, req.params.id);
      const secret = generateApiKey("ct_");
      const row = await insertCampaignToken(store.db, {
        accountId: req.account.id,
        campaignId: campaign.id,
        name: req.body.name,
        prefix: secret.prefix,
        hash: secret.hash,
        now: clock.now(),
      });
      return reply.status(201).send({ ...tokenView(row), token: secret.key });
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id/tokens",
    {
      config: { permission: "campaigns:read" },
      schema: {
        tags: ["campaigns"],
        summary: "The campaign's tokens, revoked ones included",
        params: idParams("id"),
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: tokenSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const campaign = await campaignOf(req.account.id, req.params.id);
      return { data: (await listCampaignTokens(store.db, campaign.id)).map(tokenView) };
    },
  );

  app.delete<{ Params: { id: number; tokenId: number } }>(
    "/v1/campaigns/:id/tokens/:tokenId",
    {
      config: { permission: "campaigns:write" },
      schema: {
        tags: ["campaigns"],
        summary: "Revoke a campaign token",
        params: idParams("id", "tokenId"),
        response: { 204: { type: "null", description: "Revoked" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const campaign = await campaignOf(req.account.id, req.params.id);
      if (!(await revokeCampaignToken(store.db, campaign.id, req.params.tokenId, clock.now()))) {
        throw notFound("token", req.params.tokenId);
      }
      return reply.status(204).send();
    },
  );
}
