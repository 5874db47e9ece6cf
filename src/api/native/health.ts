// Liveness for load balancers and orchestrators: answers without a key and without touching the database.
import type { FastifyInstance } from "fastify";

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/healthz",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: "Liveness check",
        security: [],
        response: {
          200: { type: "object", required: ["ok"], properties: { ok: { type: "boolean", const: true } } },
        },
      },
    },
    async () => ({ ok: true }),
  );
}
