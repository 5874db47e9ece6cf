import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "./helpers.ts";

/** Every route of the application, as the OpenAPI document must list it. */
const ROUTES: [string, string][] = [
  ["get", "/healthz"],
  ["get", "/readyz"],
  ["post", "/v1/campaigns"],
  ["get", "/v1/campaigns"],
  ["get", "/v1/campaigns/{id}"],
  ["patch", "/v1/campaigns/{id}"],
  ["delete", "/v1/campaigns/{id}"],
  ["post", "/v1/campaigns/{id}/start"],
  ["post", "/v1/campaigns/{id}/pause"],
  ["post", "/v1/campaigns/{id}/resume"],
  ["post", "/v1/campaigns/{id}/stop"],
  ["post", "/v1/campaigns/{id}/recover"],
  ["get", "/v1/campaigns/{id}/explain"],
  ["post", "/v1/campaigns/{id}/lists"],
  ["get", "/v1/campaigns/{id}/lists"],
  ["post", "/v1/campaigns/{id}/lists/{listId}/reset"],
  ["get", "/v1/campaigns/{id}/contacts"],
  ["get", "/v1/contacts/{id}"],
  ["patch", "/v1/contacts/{id}"],
  ["post", "/v1/contacts/{id}/cancel"],
  ["get", "/v1/campaigns/{id}/attempts"],
  ["get", "/v1/contacts/{id}/attempts"],
  ["get", "/v1/campaigns/{id}/export"],
  ["post", "/v1/api-keys"],
  ["get", "/v1/api-keys"],
  ["delete", "/v1/api-keys/{id}"],
  ["post", "/v1/campaigns/{campaignId}/lists/{listId}/import"],
  ["post", "/v1/campaigns/{campaignId}/lists/{listId}/contacts"],
  ["post", "/v1/webhooks"],
  ["get", "/v1/webhooks"],
  ["get", "/v1/webhooks/{id}"],
  ["patch", "/v1/webhooks/{id}"],
  ["delete", "/v1/webhooks/{id}"],
  ["get", "/v1/webhooks/{id}/deliveries"],
  ["post", "/v1/webhooks/{id}/deliveries/{deliveryId}/replay"],
  ["post", "/v1/webhooks/{id}/replay"],
  ["post", "/v1/webhooks/{id}/rotate-secret"],
  ["post", "/v1/users"],
  ["get", "/v1/users"],
  ["patch", "/v1/users/{id}"],
  ["delete", "/v1/users/{id}"],
  ["post", "/v1/service-accounts"],
  ["get", "/v1/service-accounts"],
  ["delete", "/v1/service-accounts/{id}"],
  ["get", "/v1/balance"],
  ["post", "/v1/balance/top-up"],
  ["put", "/v1/balance/rates"],
  ["get", "/v1/balance/transactions"],
  ["put", "/v1/scenarios"],
  ["get", "/v1/scenarios"],
  ["get", "/v1/scenarios/{id}"],
  ["delete", "/v1/scenarios/{id}"],
  ["post", "/v1/campaigns/{id}/tokens"],
  ["get", "/v1/campaigns/{id}/tokens"],
  ["delete", "/v1/campaigns/{id}/tokens/{tokenId}"],
  ["post", "/v1/dnc"],
  ["post", "/v1/dnc/import"],
  ["get", "/v1/dnc"],
  ["get", "/v1/dnc/{phone}"],
  ["delete", "/v1/dnc/{phone}"],
  ["post", "/v1/agents"],
  ["get", "/v1/agents"],
  ["get", "/v1/agents/{id}"],
  ["patch", "/v1/agents/{id}"],
  ["delete", "/v1/agents/{id}"],
  ["put", "/v1/campaigns/{id}/agents"],
  ["get", "/v1/campaigns/{id}/agents"],
  ["delete", "/v1/campaigns/{id}/agents/{agentId}"],
  ["post", "/v1/queues"],
  ["get", "/v1/queues"],
  ["get", "/v1/queues/{id}"],
  ["patch", "/v1/queues/{id}"],
  ["delete", "/v1/queues/{id}"],
  ["put", "/v1/queues/{id}/members"],
  ["get", "/v1/queues/{id}/members"],
  ["get", "/api/calls/campaign/{token}/addPhone"],
  ["post", "/api/calls/campaign/{token}/addPhones"],
  ["post", "/api/cm/lists"],
  ["get", "/api/cm/lists"],
  ["get", "/api/cm/lists/{id}"],
  ["put", "/api/cm/lists/{id}"],
  ["delete", "/api/cm/lists/{id}"],
  ["post", "/api/cm/lists/{id}/contacts"],
  ["post", "/api/cm/lists/{id}/users"],
  ["post", "/api/cm/contacts"],
  ["get", "/api/cm/contacts"],
  ["post", "/api/cm/contacts/upload"],
  ["post", "/api/cm/contacts/upload/{file}"],
  ["post", "/api/voice/queues"],
  ["get", "/api/voice/queues/{id}"],
  ["put", "/api/voice/queues/{id}"],
  ["post", "/api/voice/queues/{id}/lists"],
  ["post", "/api/voice/queues/{id}/users"],
  ["post", "/platform_api"],
  ["get", "/platform_api"],
  ["get", "/platform_api/{method}"],
  ["post", "/platform_api/{method}"],
  ["post", "/cis/api/v1/telephony/autoCall"],
  ["get", "/cis/api/v1/telephony/autoCall"],
  ["get", "/cis/api/v1/telephony/autoCall/{id}"],
  ["put", "/cis/api/v1/telephony/autoCall/{id}"],
  ["delete", "/cis/api/v1/telephony/autoCall/{id}"],
  ["post", "/cis/api/v1/telephony/autoCall/{id}/start"],
  ["post", "/cis/api/v1/telephony/autoCall/{id}/pause"],
  ["post", "/cis/api/v1/telephony/autoCall/{id}/resume"],
  ["post", "/cis/api/v1/telephony/autoCall/{id}/stop"],
  ["post", "/cis/api/v1/telephony/autoCall/{id}/candidates"],
  ["get", "/cis/api/v1/telephony/autoCall/{id}/candidates"],
  ["post", "/cis/api/v1/telephony/schedule"],
  ["get", "/cis/api/v1/telephony/schedule/{id}"],
  ["post", "/cis/api/v1/telephony/gornum"],
  ["get", "/cis/api/v1/telephony/gornum/{id}"],
  ["post", "/cis/api/v1/telephony/pool"],
  ["get", "/cis/api/v1/telephony/pool/{id}"],
  ["get", "/v1/agents/me"],
  ["get", "/v1/agents/{id}/state"],
  ["get", "/v1/agents/{id}/callbacks"],
  ["post", "/v1/agents/{id}/callbacks/{contactId}/release"],
  ["get", "/v1/campaigns/{id}/agent-report"],
  ["get", "/v1/campaigns/{id}/report"],
  ["get", "/v1/campaigns/{id}/pacing"],
  ["post", "/v1/agents/{id}/login"],
  ["post", "/v1/agents/{id}/logout"],
  ["post", "/v1/agents/{id}/ready"],
  ["post", "/v1/agents/{id}/hangup"],
  ["post", "/v1/agents/{id}/pause"],
  ["post", "/v1/agents/{id}/disposition"],
  ["post", "/v1/agents/{id}/preview/next"],
  ["post", "/v1/agents/{id}/preview/dial"],
  ["post", "/v1/agents/{id}/preview/skip"],
  ["get", "/v1/agents/{id}/events"],
  ["get", "/v1/agents/events"],
  ["get", "/v1/campaigns/{id}/abandonment"],
];

type Operation = {
  security?: unknown[];
  responses: Record<string, unknown>;
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};
interface OpenApiOperationWithContent {
  security?: unknown[];
  "x-permission"?: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  security: unknown[];
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  paths: Record<string, Record<string, Operation>>;
}

describe("OpenAPI document and docs page", () => {
  let f: ApiFixture;
  let doc: OpenApiDoc;
  before(async () => {
    f = await apiFixture();
    const res = await f.call({ method: "GET", url: "/v1/openapi.json", key: null });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    doc = JSON.parse(res.body) as OpenApiDoc;
  });
  after(() => f.close());

  test("is OpenAPI 3.1.0 and names every way to authenticate: bearer (API key or JWT) or basic", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.equal(doc.info.title, "outdial");
    const { bearerAuth, basicAuth } = doc.components.securitySchemes;
    assert.equal(bearerAuth.type, "http");
    assert.equal(bearerAuth.scheme, "bearer");
    assert.match(String((bearerAuth as { description?: string }).description), /API key.*JWT/);
    assert.equal(basicAuth?.scheme, "basic");
    assert.deepEqual(doc.security, [{ bearerAuth: [] }, { basicAuth: [] }]);
  });

  test("lists every route, and nothing else", () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    assert.deepEqual(listed.sort(), ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  test("every operation documents a success and an error response", () => {
    // healthz touches nothing that can fail.
    for (const [method, path] of ROUTES.filter(([, p]) => p !== "/healthz")) {
      const op = doc.paths[path][method];
      const codes = Object.keys(op.responses);
      assert.ok(
        codes.some((c) => /^2/.test(c)),
        `${method} ${path} has a 2xx response`,
      );
      assert.ok(
        codes.some((c) => /^4/.test(c)),
        `${method} ${path} has a 4xx response`,
      );
    }
  });

  test("every route that needs credentials documents the 4xx a refused credential gets", () => {
    for (const [method, path] of ROUTES) {
      const op = doc.paths[path][method];
      if (Array.isArray(op.security) && op.security.length === 0) continue;
      const codes = Object.keys(op.responses);
      assert.ok(
        codes.some((c) => ["4xx", "4XX", "401"].includes(c)) &&
          codes.some((c) => ["4xx", "4XX", "403"].includes(c)),
        `${method} ${path}: ${codes.join(", ")}`,
      );
    }
  });

  test("/metrics is in the document when the operator's token turns it on", async () => {
    const withMetrics = await apiFixture(undefined, { OUTDIAL_METRICS_TOKEN: "a-long-operator-token" });
    try {
      const res = await withMetrics.call({ method: "GET", url: "/v1/openapi.json", key: null });
      const paths = (JSON.parse(res.body) as OpenApiDoc).paths;
      assert.deepEqual(Object.keys(paths["/metrics"] ?? {}), ["get"]);
      const metrics = paths["/metrics"].get as unknown as OpenApiOperationWithContent;
      assert.deepEqual(Object.keys(metrics.responses).sort(), ["200", "401"]);
      // As it answers: Prometheus text, to the operator's token (it was declared JSON, and open; web6).
      const scrape = await withMetrics.app.inject({
        url: "/metrics",
        headers: { authorization: "Bearer a-long-operator-token" },
      });
      assert.match(String(scrape.headers["content-type"]), /^text\/plain/);
      assert.deepEqual(Object.keys(metrics.responses["200"].content ?? {}), ["text/plain"]);
      assert.deepEqual(metrics.security, [{ metricsToken: [] }]);
      assert.equal(metrics["x-permission"], "operator");
    } finally {
      await withMetrics.close();
    }
  });

  test("answers that are no JSON are declared with their media type, and the refusals beside them as JSON (web6)", async () => {
    const content = (path: string, code: string) =>
      Object.keys(
        (doc.paths[path].get as unknown as OpenApiOperationWithContent).responses[code]?.content ?? {},
      );
    for (const path of ["/v1/agents/{id}/events", "/v1/agents/events"]) {
      assert.deepEqual(content(path, "200"), ["text/event-stream"], path);
      assert.deepEqual(content(path, "4XX"), ["application/json"], path);
    }
    const refused = await f.call({ method: "GET", url: "/v1/agents/999/events" });
    assert.equal(refused.statusCode, 404);
    assert.match(String(refused.headers["content-type"]), /^application\/json/);
    assert.deepEqual(content("/api/calls/campaign/{token}/addPhone", "200"), ["text/plain"]);
  });

  test("healthz is public; the native routes are not", () => {
    assert.deepEqual(doc.paths["/healthz"].get.security, []);
    assert.equal(doc.paths["/v1/campaigns"].post.security, undefined);
  });

  test("inputs are described: path ids, query filters, the settings body", () => {
    const list = doc.paths["/v1/campaigns/{id}/contacts"].get;
    const names = (list.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    for (const n of [
      "path:id",
      "query:limit",
      "query:after_id",
      "query:status",
      "query:phone",
      "query:updated_since",
    ]) {
      assert.ok(names.includes(n), n);
    }
    const body = doc.paths["/v1/campaigns"].post.requestBody!.content["application/json"].schema as {
      properties: { settings: { properties: Record<string, { type: unknown }> } };
    };
    assert.deepEqual(body.properties.settings.properties.callsPerSecond.type, ["number", "null"]);
  });

  test("file uploads are described: a CSV as the raw body or a multipart file part", () => {
    for (const path of ["/v1/campaigns/{campaignId}/lists/{listId}/import", "/v1/dnc/import"]) {
      const content = doc.paths[path].post.requestBody?.content ?? {};
      assert.deepEqual(
        Object.keys(content).sort(),
        ["application/csv", "application/octet-stream", "multipart/form-data", "text/csv"],
        path,
      );
      assert.equal(content["text/csv"].schema.type, "string", path);
      const form = content["multipart/form-data"].schema as {
        properties: { file: { type: string; format: string } };
      };
      assert.deepEqual(form.properties.file, { ...form.properties.file, type: "string", format: "binary" });
    }
  });

  test("the docs page is HTML", async () => {
    const res = await f.call({ method: "GET", url: "/docs", key: null });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/html/);
    assert.match(res.body, /<html/i);
  });

  test("the docs page does not keep the key it is given in the browser's storage", async () => {
    const res = await f.call({ method: "GET", url: "/docs/static/swagger-initializer.js", key: null });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /"persistAuthorization":\s*false/);
  });

  test("healthz answers ok without a key", async () => {
    const res = await f.call({ method: "GET", url: "/healthz", key: null });
    assert.deepEqual(res.json(), { ok: true });
  });
});
