// The account's users (name + password, for HTTP Basic) and service accounts (RSA keys, for JWTs as
// Voximplant's clients sign them). Managing them takes keys:manage, and only an owner hands out or takes
// away ownership. Passwords and private keys are never stored or shown again.
import { createPublicKey, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import {
  deleteUser,
  findServiceAccount,
  findUser,
  insertServiceAccount,
  insertUser,
  listServiceAccounts,
  listUsers,
  revokeServiceAccount,
  updateUser,
} from "../../store/credentials.ts";
import type { ServiceAccountRow, UserRow } from "../../store/schema.ts";
import { hashPassword, newServiceAccountKey } from "../plugins/credentials.ts";
import { ApiError, invalidRequest, notFound } from "../plugins/errors.ts";
import { mayManageRole, type Role } from "../plugins/permissions.ts";
import type { NativeApiDeps } from "./deps.ts";
import { roleSchema } from "./schemas/api-key.ts";
import { errorResponses, idParams, isoTime, isoTimeOrNull } from "./schemas/common.ts";
import { iso } from "./views.ts";

const password = {
  type: "string",
  minLength: 12,
  maxLength: 200,
  description: "At least 12 characters",
} as const;

const userSchema = {
  type: "object",
  required: ["id", "username", "role", "disabled"],
  properties: {
    id: { type: "integer" },
    username: { type: "string" },
    role: roleSchema,
    disabled: { type: "boolean" },
    created_at: isoTime,
    updated_at: isoTime,
  },
} as const;

const serviceAccountSchema = {
  type: "object",
  required: ["id", "name", "role", "key_id"],
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    role: roleSchema,
    key_id: { type: "string", description: "The `kid` its JWTs carry" },
    public_key: { type: "string" },
    created_at: isoTime,
    revoked_at: isoTimeOrNull,
  },
} as const;

function userView(r: UserRow) {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    disabled: r.disabled_at !== null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

function serviceAccountView(r: ServiceAccountRow) {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    key_id: r.key_id,
    public_key: r.public_key,
    created_at: iso(r.created_at),
    revoked_at: iso(r.revoked_at),
  };
}

function forbiddenRole(actor: string, target: string): ApiError {
  return new ApiError("forbidden", 403, `role ${actor} may not manage credentials with role ${target}`);
}

export async function credentialRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;

  app.post<{ Body: { username: string; password: string; role: Role } }>(
    "/v1/users",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary: "Create a user who signs in with HTTP Basic (user name and password)",
        body: {
          type: "object",
          required: ["username", "password", "role"],
          additionalProperties: false,
          properties: {
            username: { type: "string", minLength: 1, maxLength: 200, pattern: "^[^:\\s]+$" },
            password,
            role: roleSchema,
          },
        },
        response: { 201: userSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { username, role } = req.body;
      if (!mayManageRole(req.account.role, role)) throw forbiddenRole(req.account.role, role);
      const passwordHash = await hashPassword(req.body.password);
      try {
        const row = await insertUser(store.db, {
          accountId: req.account.id,
          username,
          passwordHash,
          role,
          now: clock.now(),
        });
        return reply.status(201).send(userView(row));
      } catch (err) {
        if (/unique|duplicate/i.test(String((err as Error).message))) {
          throw new ApiError("conflict", 409, `user name ${username} is taken`, "body.username");
        }
        throw err;
      }
    },
  );

  app.get(
    "/v1/users",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary: "The account's users",
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: userSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: (await listUsers(store.db, req.account.id)).map(userView) }),
  );

  app.patch<{ Params: { id: number }; Body: { password?: string; role?: Role; disabled?: boolean } }>(
    "/v1/users/:id",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary: "Change a user's password or role, or disable the user",
        params: idParams("id"),
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: { password, role: roleSchema, disabled: { type: "boolean" } },
        },
        response: { 200: userSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await findUser(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("user", req.params.id);
      for (const role of [row.role, req.body.role ?? row.role]) {
        if (!mayManageRole(req.account.role, role)) throw forbiddenRole(req.account.role, role);
      }
      const passwordHash =
        req.body.password !== undefined ? await hashPassword(req.body.password) : undefined;
      const edit = { role: req.body.role, disabled: req.body.disabled, passwordHash };
      // Hashing takes a while: the user may have been deleted or given another role meanwhile.
      const updated = await updateUser(store.db, req.account.id, row.id, edit, clock.now(), row.role);
      if (updated) return userView(updated);
      if (!(await findUser(store.db, req.account.id, row.id))) throw notFound("user", req.params.id);
      throw new ApiError("conflict", 409, `user ${row.id} was changed meanwhile; read it and try again`);
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/users/:id",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary: "Delete a user",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const row = await findUser(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("user", req.params.id);
      if (!mayManageRole(req.account.role, row.role)) throw forbiddenRole(req.account.role, row.role);
      await deleteUser(store.db, req.account.id, row.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: { name: string; role: Role; publicKey?: string } }>(
    "/v1/service-accounts",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary:
          "Create a service account. Without publicKey a key pair is made and the answer holds the " +
          "credentials file ({account_id, key_id, private_key}), shown this once",
        body: {
          type: "object",
          required: ["name", "role"],
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            role: roleSchema,
            publicKey: {
              type: "string",
              maxLength: 10_000,
              pattern: "^-----BEGIN PUBLIC KEY-----",
              description: "An RSA public key (SPKI PEM) whose private key you keep",
            },
          },
        },
        response: {
          201: {
            ...serviceAccountSchema,
            properties: {
              ...serviceAccountSchema.properties,
              credentials: {
                type: "object",
                properties: {
                  account_id: { type: "integer" },
                  key_id: { type: "string" },
                  private_key: { type: "string" },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const { name, role, publicKey } = req.body;
      if (!mayManageRole(req.account.role, role)) throw forbiddenRole(req.account.role, role);
      if (publicKey !== undefined) assertRsaPublicKey(publicKey);
      const generated = publicKey === undefined ? newServiceAccountKey() : null;
      const row = await insertServiceAccount(store.db, {
        accountId: req.account.id,
        name,
        role,
        keyId: generated?.keyId ?? randomUUID(),
        publicKey: generated?.publicKey ?? publicKey!,
        now: clock.now(),
      });
      const credentials = generated
        ? { account_id: req.account.id, key_id: row.key_id, private_key: generated.privateKey }
        : undefined;
      return reply.status(201).send({ ...serviceAccountView(row), credentials });
    },
  );

  app.get(
    "/v1/service-accounts",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary: "The account's service accounts, revoked ones included",
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: serviceAccountSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: (await listServiceAccounts(store.db, req.account.id)).map(serviceAccountView) }),
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/service-accounts/:id",
    {
      config: { permission: "keys:manage" },
      schema: {
        tags: ["credentials"],
        summary: "Revoke a service account; its tokens fail from now on",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Revoked" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const row = await findServiceAccount(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("service account", req.params.id);
      if (!mayManageRole(req.account.role, row.role)) throw forbiddenRole(req.account.role, row.role);
      await revokeServiceAccount(store.db, req.account.id, row.id, clock.now());
      return reply.status(204).send();
    },
  );
}

/** A key the JWT check could not use would only fail at every sign-in: refuse it here. */
function assertRsaPublicKey(pem: string): void {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey(pem);
  } catch {
    throw invalidRequest("body.publicKey is not a PEM public key that can be read", "body.publicKey");
  }
  const type = key.asymmetricKeyType;
  if (type !== "rsa")
    throw invalidRequest(`body.publicKey is a ${type} key; an RSA key is needed`, "body.publicKey");
  // RS256 as the JWT check verifies it (jose) takes no RSA key under 2048 bits.
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048)
    throw invalidRequest(
      `body.publicKey is a ${bits}-bit RSA key; RS256 needs 2048 bits or more`,
      "body.publicKey",
    );
}
