// Authentication and authorization of the native API: `Authorization: Bearer <API key>` names the key,
// the key names its account and role, the route names the permission it needs (`config.permission`).
// Routes outside /v1 and routes marked `config: { public: true }` need no key.
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { Kysely } from "kysely";
import type { Clock } from "../../clock/clock.ts";
import { insertFirstAccount } from "../../store/accounts.ts";
import { findActiveApiKeyByHash, insertApiKey, touchApiKeyLastUsed } from "../../store/api-keys.ts";
import type { Store } from "../../store/db.ts";
import type { ApiKeyRow, Database } from "../../store/schema.ts";
import { generateApiKey, hashApiKey } from "./api-key-secret.ts";
import { ApiError } from "./errors.ts";
import { type Permission, type Role, roleAllows } from "./permissions.ts";

export interface RequestAccount {
  id: number;
  role: string;
  keyId: number;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller; set on every route that names a permission. */
    account: RequestAccount;
  }
  interface FastifyContextConfig {
    permission?: Permission;
    /** Reachable without an API key (the OpenAPI document). */
    public?: boolean;
  }
}

/** last_used_at is a hint for spotting stale keys: minute precision spares a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

export function installAuth(app: FastifyInstance, deps: { store: Store; clock: Clock }): void {
  app.decorateRequest("account", null as unknown as RequestAccount);

  // A /v1 route that forgot to say who may call it must not start: checked once every plugin has
  // registered, so a wrapper may still fill in a permission for routes it does not own.
  const versioned: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/v1/")) versioned.push(route);
  });
  app.addHook("onReady", async () => {
    const bare = versioned.filter((r) => !r.config?.permission && !r.config?.public);
    if (bare.length > 0) {
      const names = bare.map((r) => `${String(r.method)} ${r.url}`).join(", ");
      throw new Error(`routes without config.permission or config.public: ${names}`);
    }
  });

  app.addHook("onRequest", async (req) => {
    const config = req.routeOptions.config;
    const url = req.routeOptions.url;
    if (config.public || url === undefined || !url.startsWith("/v1/")) return;
    const key = await authenticate(req, deps);
    req.account = { id: key.account_id, role: key.role, keyId: key.id };
    // Fail closed: a route with no permission is allowed to nobody.
    if (!config.permission || !roleAllows(key.role, config.permission)) {
      throw new ApiError(
        "forbidden",
        403,
        `an API key with role ${key.role} may not do this (needs ${config.permission ?? "a permission"})`,
      );
    }
  });
}

async function authenticate(req: FastifyRequest, deps: { store: Store; clock: Clock }): Promise<ApiKeyRow> {
  const header = req.headers.authorization;
  if (!header) {
    throw new ApiError("unauthorized", 401, "an API key is required: send Authorization: Bearer <key>");
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new ApiError("unauthorized", 401, "the Authorization header must be Bearer <key>");
  const key = await findActiveApiKeyByHash(deps.store.db, hashApiKey(m[1]));
  // Unknown and revoked keys get the same answer: which keys once existed is nobody's business.
  if (!key) throw new ApiError("unauthorized", 401, "the API key is not valid or has been revoked");
  await touchApiKeyLastUsed(deps.store.db, key.id, deps.clock.now(), LAST_USED_GRANULARITY_MS);
  return key;
}

export interface IssuedApiKey {
  /** The plaintext key: returned once, never stored. */
  key: string;
  row: ApiKeyRow;
}

export async function issueApiKey(
  db: Kysely<Database>,
  k: { accountId: number; name: string; role: Role; now: number },
): Promise<IssuedApiKey> {
  const secret = generateApiKey();
  const row = await insertApiKey(db, {
    accountId: k.accountId,
    name: k.name,
    role: k.role,
    prefix: secret.prefix,
    hash: secret.hash,
    now: k.now,
  });
  return { key: secret.key, row };
}

/** On the very first start (no account yet) creates account "default" with an owner key and returns the
 *  plaintext key for the caller to print once; every later start returns null. */
export async function ensureBootstrapKey(store: Store, now: number): Promise<string | null> {
  return store.db.transaction().execute(async (trx) => {
    const accountId = await insertFirstAccount(trx, "default", now);
    if (accountId === null) return null;
    const issued = await issueApiKey(trx, { accountId, name: "bootstrap owner key", role: "owner", now });
    return issued.key;
  });
}
