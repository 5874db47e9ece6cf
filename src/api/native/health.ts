// Liveness and readiness for load balancers and orchestrators, without a key. /healthz touches nothing (a
// process that answers is alive); /readyz asks the database one trivial question (a node that cannot reach
// it should get no traffic, though restarting it would not help).
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses } from "./schemas/common.ts";

/** How long /readyz waits for the database before it says not ready. */
const READY_TIMEOUT_MS = 2000;

export async function healthRoutes(app: FastifyInstance, deps: Pick<NativeApiDeps, "store">): Promise<void> {
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

  app.get(
    "/readyz",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: `Readiness check: the database answers within ${READY_TIMEOUT_MS} ms (503 not_ready otherwise)`,
        security: [],
        response: {
          200: { type: "object", required: ["ok"], properties: { ok: { type: "boolean", const: true } } },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      });
      const asked = sql`SELECT 1`.execute(deps.store.db).then(
        () => null,
        (err: Error) => err.message,
      );
      const problem = await Promise.race([asked, late]).finally(() => clearTimeout(timer));
      if (problem === null) return { ok: true };
      // Said in the log only: this route needs no key, and a driver's message may name hosts.
      req.log.warn({ problem }, "readyz: the database did not answer");
      return reply
        .status(503)
        .send({ error: { code: "not_ready", message: "the database is not reachable" } });
    },
  );
}
