// GET /metrics for Prometheus: this process's dialing (calls placed, attempts ended by outcome, calls in
// flight, campaigns and agents by state), its HTTP requests by route and status, and Node's own figures.
// The figures span every account, so the route takes the operator's token (OUTDIAL_METRICS_TOKEN), never an
// account's key; without a token configured it does not exist. Dialing figures are read from the engine at
// scrape time, so the hot path pays nothing for them.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import client from "prom-client";
import type { EngineControl } from "../engine/types.ts";
import { textAnswer } from "./plugins/openapi.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Adds the request metrics to every route of `app` and the /metrics route itself. Call it on the root
 *  instance, before the routes are registered: hooks added inside a plugin only see that plugin's routes. */
export function installMetrics(
  app: FastifyInstance,
  deps: { engine: EngineControl; token: string | null },
): void {
  const { engine, token } = deps;
  if (token === null) return;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "outdial_" });

  /** A counter whose total the engine keeps: set at each scrape (the engine's totals only grow). */
  const engineCounter = (name: string, help: string, value: () => number) =>
    new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  /** The engine's counts by label at each scrape; a label seen once stays, at 0, once it is gone. */
  const labelled = (counts: () => Record<string, number>) => {
    const seen = new Set<string>();
    return (): [string, number][] => {
      const now = counts();
      for (const k of Object.keys(now)) seen.add(k);
      return [...seen].map((k) => [k, now[k] ?? 0]);
    };
  };
  const outcomes = labelled(() => engine.metrics().ended);
  const campaigns = labelled(() => engine.metrics().campaigns);
  const agents = labelled(() => engine.metrics().agents);

  engineCounter("outdial_dials_total", "Calls handed to the telephony driver", () => engine.metrics().dials);
  engineCounter("outdial_dispatch_passes_total", "Dispatcher passes", () => engine.metrics().dispatchPasses);
  new client.Counter({
    name: "outdial_attempts_ended_total",
    help: "Attempts ended, by outcome",
    labelNames: ["outcome"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, n] of outcomes()) this.inc({ outcome }, n);
    },
  });
  new client.Gauge({
    name: "outdial_campaigns",
    help: "Campaigns this node dispatches, by status (one without agents on the node holding its lease; one with agents on every node)",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      for (const [status, n] of campaigns()) this.set({ status }, n);
    },
  });
  new client.Gauge({
    name: "outdial_agents",
    help: "Agents logged in on this node, by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      for (const [state, n] of agents()) this.set({ state }, n);
    },
  });
  new client.Gauge({
    name: "outdial_calls_in_flight",
    help: "Calls placed and not ended yet (lines in use)",
    registers: [registry],
    collect() {
      this.set(engine.metrics().callsInFlight);
    },
  });
  new client.Gauge({
    name: "outdial_dials_reserved",
    help: "Contacts claimed for a dial not placed yet (a preview being read, a dial waiting for its slot)",
    registers: [registry],
    collect() {
      this.set(engine.metrics().dialsReserved);
    },
  });

  const requests = new client.Counter({
    name: "outdial_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const durations = new client.Histogram({
    name: "outdial_http_request_duration_seconds",
    help: "Time to answer HTTP requests, by method and route pattern",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook("onResponse", async (req, reply) => {
    // The pattern, not the URL: ids in paths would make a series per contact.
    const route = req.routeOptions.url ?? "unmatched";
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    durations.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  const expected = digest(`Bearer ${token}`);
  app.get(
    "/metrics",
    {
      // Checked here, against the operator's token: account keys have no business seeing every account.
      config: {
        public: true,
        operator: true,
        openapiResponses: { 200: textAnswer("Prometheus text exposition format", "text/plain") },
      },
      schema: {
        tags: ["system"],
        summary:
          "Prometheus metrics of this process (the operator's OUTDIAL_METRICS_TOKEN as a bearer token)",
        response: {
          200: { type: "string", description: "Prometheus text exposition format" },
          401: { type: "object", properties: { error: { type: "object", additionalProperties: true } } },
        },
      },
    },
    async (req, reply) => {
      // Both sides hashed to one length, so the comparison takes the same time whatever was sent.
      // The scheme's name is case-insensitive (RFC 9110), the token is not.
      // One or more spaces after it (RFC 9110 §11.4's 1*SP), as /v1 takes.
      const sent = (req.headers.authorization ?? "").replace(/^bearer +/i, "Bearer ");
      if (!timingSafeEqual(digest(sent), expected)) {
        // Its own challenge (RFC 9110 §11.6.1): the operator's token, not an account's key or password.
        return reply
          .status(401)
          .header("www-authenticate", 'Bearer realm="outdial-metrics"')
          .send({ error: { code: "unauthorized", message: "send the metrics token as a Bearer token" } });
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}
