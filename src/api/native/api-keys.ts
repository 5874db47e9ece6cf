// API keys of the caller's account: create (the plaintext key is in this one answer only), list, revoke.
import type { FastifyInstance } from "fastify";
import { findApiKey, listApiKeys, revokeApiKey } from "../../store/api-keys.ts";
import { issueApiKey } from "../plugins/auth.ts";
import { ApiError, notFound } from "../plugins/errors.ts";
import { mayManageRole, type Role } from "../plugins/permissions.ts";
import type { NativeApiDeps } from "./deps.ts";
import { apiKeySchema, createdApiKeySchema, roleSchema } from "./schemas/api-key.ts";
import { errorResponses, idParams } from "./schemas/common.ts";
import { apiKeyView } from "./views.ts";

function mayNotManage(actor: string, target: string): ApiError {
  return new ApiError(
    "forbidden",
    403,
    `an API key with role ${actor} may not manage keys with role ${target}`,
  );
}

export async function apiKeyRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;

  app.post<{ Body: { name: string; role: Role } }>(
    "/v1/api-keys",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["api-keys"],
        summary: "Create an API key; the answer holds the key itself, shown this once",
        body: {
          type: "object",
          required: ["name", "role"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1, maxLength: 200 }, role: roleSchema },
        },
        response: { 201: createdApiKeySchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { name, role } = req.body;
      if (!mayManageRole(req.account.role, role)) throw mayNotManage(req.account.role, role);
      const issued = await issueApiKey(store.db, { accountId: req.account.id, name, role, now: clock.now() });
      return reply.status(201).send({ ...apiKeyView(issued.row), key: issued.key });
    },
  );

  app.get(
    "/v1/api-keys",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["api-keys"],
        summary: "The account's API keys, revoked ones included",
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: apiKeySchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: (await listApiKeys(store.db, req.account.id)).map(apiKeyView) }),
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/api-keys/:id",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["api-keys"],
        summary: "Revoke an API key; requests with it fail from now on",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Revoked" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const key = await findApiKey(store.db, req.account.id, req.params.id);
      if (!key) throw notFound("API key", req.params.id);
      if (!mayManageRole(req.account.role, key.role)) throw mayNotManage(req.account.role, key.role);
      await revokeApiKey(store.db, req.account.id, key.id, clock.now());
      return reply.status(204).send();
    },
  );
}
