// GET /v1/campaigns/:id/export?format=csv|json|xlsx — the campaign's per-contact results as a download.
import type { FastifyInstance } from "fastify";
import { findCampaign } from "../../../store/campaigns.ts";
import { notFound } from "../../plugins/errors.ts";
import type { NativeApiDeps } from "../deps.ts";
import { errorResponses, idParams } from "../schemas/common.ts";
import { CONTENT_TYPES, EXPORT_FORMATS, type ExportFormat, openExport } from "./writers.ts";

export async function exportRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Params: { id: number }; Querystring: { format: ExportFormat; bom: boolean } }>(
    "/v1/campaigns/:id/export",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["export"],
        summary:
          "Download per-contact results: id, phones, status, attempts, last outcome, talk times, custom fields",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            format: { type: "string", enum: EXPORT_FORMATS, default: "csv" },
            bom: {
              type: "boolean",
              default: false,
              description:
                "CSV only: start with a UTF-8 byte order mark, so that Excel reads non-ASCII names right",
            },
          },
        },
        response: {
          200: {
            description: "The export file, streamed",
            content: {
              [CONTENT_TYPES.csv]: { schema: { type: "string", description: "CSV with a header row" } },
              [CONTENT_TYPES.json]: {
                schema: { type: "array", items: { type: "object", additionalProperties: true } },
              },
              [CONTENT_TYPES.xlsx]: { schema: { type: "string", contentEncoding: "binary" } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const format = req.query.format;
      const stream = await openExport(format, {
        db: store.db,
        campaignId: campaign.id,
        bom: req.query.bom,
        onError: (err) => req.log.error({ err }, "export failed while streaming"),
      });
      return reply
        .header("content-type", CONTENT_TYPES[format])
        .header("content-disposition", `attachment; filename="campaign-${campaign.id}-results.${format}"`)
        .send(stream);
    },
  );
}
