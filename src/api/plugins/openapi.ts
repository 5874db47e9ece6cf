// The OpenAPI 3.1 document, generated from the route schemas, at /v1/openapi.json, and an interactive
// page to try the API at /docs. Registered before the routes: @fastify/swagger collects them as they come.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import type { FileBodyDoc } from "./file-body.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Public to the account checks, taking the operator's metrics token (/metrics) instead: documented so. */
    operator?: boolean;
    /** Answers as the OpenAPI document shows them, over the schema's (not used to serialize): text or an
     *  event stream, each with its own media type. */
    openapiResponses?: Record<string, unknown>;
    /** The JSON body as clients may send it, shown over the schema's: for a route whose preValidation
     *  normalises the body (null as absent) before its stricter schema validates it. */
    openapiBodyAsSent?: Record<string, unknown>;
  }
}

export const OPENAPI_PATH = "/v1/openapi.json";
export const DOCS_PATH = "/docs";
/** The routes that answer with the docs page (or send to it). */
const DOCS_PAGES = new Set([DOCS_PATH, `${DOCS_PATH}/`, `${DOCS_PATH}/static/index.html`]);

export async function registerOpenApi(app: FastifyInstance, opts: { version: string }): Promise<void> {
  await app.register(swagger, {
    // Each operation names what it takes, so the permission matrix can be read (and tested) from here.
    transform: ({ schema, url, route }) => {
      const config = (route.config ?? {}) as {
        permission?: string;
        public?: boolean;
        campaignToken?: boolean;
        operator?: boolean;
        openapiBody?: FileBodyDoc;
        openapiBodyAsSent?: Record<string, unknown>;
        openapiResponses?: Record<string, unknown>;
      };
      const permission =
        config.permission ??
        (config.campaignToken
          ? "campaign-token"
          : config.operator
            ? "operator"
            : config.public
              ? "public"
              : null);
      let documented = permission ? { ...schema, "x-permission": permission } : schema;
      // A file body the route reads itself: shown, though Fastify never validates it.
      if (config.openapiBody) documented = { ...documented, body: config.openapiBody };
      if (config.openapiBodyAsSent) documented = { ...documented, body: config.openapiBodyAsSent };
      // Answers that are no JSON (text, an event stream), each with its media type: a route-wide
      // `produces` would declare its JSON refusals as that type too.
      if (config.openapiResponses) {
        const { produces: _, ...rest } = documented as Record<string, unknown>;
        const response = {
          ...((schema as { response?: object }).response ?? {}),
          ...config.openapiResponses,
        };
        documented = { ...rest, response };
      }
      if (config.operator) documented = { ...documented, security: [{ metricsToken: [] }] };
      return { schema: documented, url };
    },
    transformObject: (doc) =>
      "openapiObject" in doc ? bodiesOptionalWhereNullTaken(doc.openapiObject) : doc.swaggerObject,
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "outdial",
        version: opts.version,
        description:
          "Self-hosted outbound call-campaign engine. Every /v1 route takes `Authorization: Bearer <API key>`; " +
          "errors are `{ error: { code, message, field? } }`.",
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description:
              "An API key (od_…), or a JWT signed by a service account's private key (RS256, kid = its key id)",
          },
          basicAuth: { type: "http", scheme: "basic", description: "An account user's name and password" },
          metricsToken: {
            type: "http",
            scheme: "bearer",
            description: "The operator's OUTDIAL_METRICS_TOKEN (no account's key)",
          },
        },
      },
      // Either one: each alone authenticates a request.
      security: [{ bearerAuth: [] }, { basicAuth: [] }],
      tags: [
        { name: "campaigns", description: "Campaigns and their lifecycle" },
        { name: "lists", description: "Contact lists of a campaign" },
        { name: "contacts", description: "Contacts and their results" },
        { name: "attempts", description: "Call attempts" },
        { name: "export", description: "Results as CSV, JSON or XLSX" },
        { name: "api-keys", description: "API keys of the account" },
        { name: "system", description: "Health" },
      ],
    },
  });
  // The key typed into the docs page stays in that page: persisted, it would sit in localStorage, where any
  // script of the origin could read it.
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    uiConfig: { persistAuthorization: false },
    // The page takes a key: no other site may frame it (clickjacking), nor may a browser guess its types.
    uiHooks: {
      onRequest: (req, reply, done) => {
        reply.header("x-frame-options", "DENY");
        reply.header("content-security-policy", "frame-ancestors 'none'");
        reply.header("x-content-type-options", "nosniff");
        // The page finds its document at location.href + "/./json": under a query string (a shared link's
        // ?utm_source=…) that is the page itself, and it shows no operation. The page takes no query, so
        // it is sent to its own address without one (the #fragment of a deep link stays with the browser).
        const query = req.url.indexOf("?");
        if (query >= 0 && DOCS_PAGES.has(req.routeOptions.url ?? "")) {
          reply.redirect(req.url.slice(0, query));
          return;
        }
        done();
      },
    },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}

/** A documented answer of text in `mediaType` (route config `openapiResponses`). */
export function textAnswer(description: string, mediaType: string) {
  return { description, content: { [mediaType]: { schema: { type: "string" } } } };
}

type MediaTypes = Record<string, { schema?: { type?: unknown } }>;
type Operations = Record<string, { requestBody?: { required?: boolean; content?: MediaTypes } }>;

/** @fastify/swagger marks every body required, as Fastify validates a missing body as null; but a body
 *  schema that takes null (a list's reset: its defaults) takes no body at all, and is documented so. */
function bodiesOptionalWhereNullTaken<T>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Operations> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const { requestBody } of Object.values(operations)) {
      const media = Object.values(requestBody?.content ?? {});
      if (requestBody && media.length > 0 && media.every((m) => takesNull(m.schema?.type))) {
        requestBody.required = false;
      }
    }
  }
  return doc;
}

function takesNull(type: unknown): boolean {
  return type === "null" || (Array.isArray(type) && type.includes("null"));
}
