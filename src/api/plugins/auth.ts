// Authentication and authorization of every API face. A request names its credential in Authorization:
// `Bearer <API key>`, `Bearer <JWT>` signed by a service account's private key (Voximplant's clients),
// or `Basic <user:password>` of an account user (Xcally's clients). The credential names its account and
// role; the route names the permission it needs (`config.permission`); permissions.ts joins the two.
// Every route must name a permission or be marked `config: { public: true }` (checked at start).
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { Kysely } from "kysely";
import type { Clock } from "../../clock/clock.ts";
import { insertFirstAccount } from "../../store/accounts.ts";
import { findActiveApiKeyByHash, insertApiKey, touchApiKeyLastUsed } from "../../store/api-keys.ts";
import { findActiveCampaignToken } from "../../store/campaign-tokens.ts";
import { findActiveServiceAccountByKeyId, findUserByName } from "../../store/credentials.ts";
import type { Store } from "../../store/db.ts";
import type { ApiKeyRow, Database } from "../../store/schema.ts";
import { generateApiKey, hashApiKey } from "./api-key-secret.ts";
import { jwtKeyId, looksLikeJwt, verifyPassword, verifyServiceAccountJwt } from "./credentials.ts";
import { ApiError } from "./errors.ts";
import { DOCS_PATH } from "./openapi.ts";
import { type Permission, type Role, roleAllows } from "./permissions.ts";

export interface RequestAccount {
  id: number;
  role: string;
  /** Which credential the request came with (a campaign token's id is its campaign's). */
  via: { kind: "api_key" | "service_account" | "user" | "campaign_token"; id: number };
}

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller; set on every route that names a permission. */
    account: RequestAccount;
  }
  interface FastifyContextConfig {
    permission?: Permission;
    /** Reachable without credentials (health, the OpenAPI document). */
    public?: boolean;
    /** Authorized by the campaign token in the `token` path parameter instead (JAICP's Calls API); the
     *  token allows exactly the routes that say so, for its one campaign. */
    campaignToken?: boolean;
  }
}

/** last_used_at is a hint for spotting stale keys: minute precision spares a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

export function installAuth(app: FastifyInstance, deps: { store: Store; clock: Clock }): void {
  app.decorateRequest("account", null as unknown as RequestAccount);

  // A route that forgot to say who may call it must not start: checked once every plugin has registered,
  // so a wrapper may still fill in a permission for routes it does not own. The docs page's own static
  // routes (swagger-ui) are the only exception.
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith(DOCS_PREFIX)) routes.push(route);
  });
  app.addHook("onReady", async () => {
    const bare = routes.filter((r) => !r.config?.permission && !r.config?.public && !r.config?.campaignToken);
    if (bare.length > 0) {
      const names = bare.map((r) => `${String(r.method)} ${r.url}`).join(", ");
      throw new Error(`routes without config.permission or config.public: ${names}`);
    }
  });

  app.addHook("onRequest", async (req) => {
    const config = req.routeOptions.config;
    const url = req.routeOptions.url;
    // Unknown routes fall through to the 404 handler; the docs page is public.
    if (config.public || url === undefined || url.startsWith(DOCS_PREFIX)) return;
    if (config.campaignToken) {
      req.account = await campaignToken((req.params as { token?: string }).token, deps);
      return;
    }
    const who = await authenticate(req, deps);
    req.account = who;
    // Fail closed: a route with no permission is allowed to nobody.
    if (!config.permission || !roleAllows(who.role, config.permission)) {
      throw new ApiError(
        "forbidden",
        403,
        `role ${who.role} may not do this (needs ${config.permission ?? "a permission"})`,
      );
    }
  });
}

const DOCS_PREFIX = DOCS_PATH;

function unauthorized(message: string): ApiError {
  return new ApiError("unauthorized", 401, message);
}

async function authenticate(
  req: FastifyRequest,
  deps: { store: Store; clock: Clock },
): Promise<RequestAccount> {
  const header = req.headers.authorization;
  if (!header) {
    throw unauthorized("credentials are required: send Authorization: Bearer <API key or JWT> or Basic");
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) {
    return looksLikeJwt(bearer[1]) ? serviceAccount(bearer[1], deps) : apiKey(bearer[1], deps);
  }
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) return user(Buffer.from(basic[1], "base64").toString("utf8"), deps);
  throw unauthorized("the Authorization header must be Bearer <API key or JWT> or Basic <user:password>");
}

async function campaignToken(token: string | undefined, deps: { store: Store }): Promise<RequestAccount> {
  const row = token ? await findActiveCampaignToken(deps.store.db, hashApiKey(token)) : undefined;
  if (!row) throw unauthorized("the campaign token is not valid or has been revoked");
  return { id: row.account_id, role: "campaign_token", via: { kind: "campaign_token", id: row.campaign_id } };
}

async function apiKey(token: string, deps: { store: Store; clock: Clock }): Promise<RequestAccount> {
  const key = await findActiveApiKeyByHash(deps.store.db, hashApiKey(token));
  // Unknown and revoked keys get the same answer: which keys once existed is nobody's business.
  if (!key) throw unauthorized("the API key is not valid or has been revoked");
  await touchApiKeyLastUsed(deps.store.db, key.id, deps.clock.now(), LAST_USED_GRANULARITY_MS);
  return { id: key.account_id, role: key.role, via: { kind: "api_key", id: key.id } };
}

async function serviceAccount(token: string, deps: { store: Store; clock: Clock }): Promise<RequestAccount> {
  const kid = jwtKeyId(token);
  const sa = kid ? await findActiveServiceAccountByKeyId(deps.store.db, kid) : undefined;
  if (!sa) throw unauthorized("the token's key (kid) is unknown or revoked");
  try {
    await verifyServiceAccountJwt(token, sa.public_key, sa.account_id, deps.clock.now());
  } catch (err) {
    // Expired, not yet valid, tampered, signed by another key: the reason helps its holder, not an attacker.
    throw unauthorized(`the token is not valid: ${(err as Error).message}`);
  }
  return { id: sa.account_id, role: sa.role, via: { kind: "service_account", id: sa.id } };
}

async function user(pair: string, deps: { store: Store; clock: Clock }): Promise<RequestAccount> {
  const colon = pair.indexOf(":");
  const row = colon > 0 ? await findUserByName(deps.store.db, pair.slice(0, colon)) : undefined;
  const ok =
    row && row.disabled_at === null && (await verifyPassword(pair.slice(colon + 1), row.password_hash));
  if (!row || !ok) throw unauthorized("the user name or password is wrong, or the user is disabled");
  return { id: row.account_id, role: row.role, via: { kind: "user", id: row.id } };
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
