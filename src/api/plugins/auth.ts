// Authentication and authorization of every API face. A request names its credential in Authorization:
// `Bearer <API key>`, `Bearer <JWT>` signed by a service account's private key (Voximplant's clients),
// or `Basic <user:password>` of an account user (Xcally's clients). The credential names its account and
// role; the route names the permission it needs (`config.permission`); permissions.ts joins the two.
// Every route must name a permission or be marked `config: { public: true }` (checked at start).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { Kysely } from "kysely";
import type { Clock } from "../../clock/clock.ts";
import { findAccount, insertFirstAccount } from "../../store/accounts.ts";
import { findActiveApiKeyByHash, insertApiKey, touchApiKeyLastUsed } from "../../store/api-keys.ts";
import { findActiveCampaignToken } from "../../store/campaign-tokens.ts";
import { findActiveServiceAccountByKeyId, findUser, findUserByName } from "../../store/credentials.ts";
import type { Store } from "../../store/db.ts";
import { findOwned } from "../../store/owned-rows.ts";
import type { ApiKeyRow, Database } from "../../store/schema.ts";
import { generateApiKey, hashApiKey } from "./api-key-secret.ts";
import {
  hashPassword,
  jwtKeyId,
  looksLikeJwt,
  verifyPassword,
  verifyServiceAccountJwt,
} from "./credentials.ts";
import { ApiError } from "./errors.ts";
import { DOCS_PATH } from "./openapi.ts";
import {
  DEFAULT_PASSWORD_LIMITS,
  PasswordThrottle,
  type PasswordThrottleLimits,
} from "./password-throttle.ts";
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
    /** Also takes `account_id` and/or `account_name` + `api_key` parameters in place of an Authorization
     *  header (Voximplant's clients): from the query string here; from a form body (which only the route
     *  reads) by the route's own call to `authenticateParams`, before it does anything, while req.account
     *  is still null. */
    paramCredentials?: boolean;
  }
}

/** last_used_at is a hint for spotting stale keys: minute precision spares a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

interface AuthDeps {
  store: Store;
  clock: Clock;
  throttle: PasswordThrottle;
}

/** A password refused without being checked: too many wrong ones for the name or from the address. */
class TooManyTries extends ApiError {
  constructor(readonly retryAfterSec: number) {
    super("too_many_requests", 429, `too many wrong passwords: try again in ${retryAfterSec} s`);
  }
}

export function installAuth(
  app: FastifyInstance,
  options: { store: Store; clock: Clock; passwordLimits?: PasswordThrottleLimits },
): void {
  const deps: AuthDeps = {
    store: options.store,
    clock: options.clock,
    throttle: new PasswordThrottle(options.clock, options.passwordLimits ?? DEFAULT_PASSWORD_LIMITS),
  };
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

  // RFC 9110 §11.6.1: a 401 names the schemes that would be accepted. Clients that send credentials only
  // once challenged (curl --anyauth, .NET's Credentials, Java's Authenticator) never log in without it. Set
  // on the way out, so whichever face's error handler rendered the 401 carries it (Voximplant's answers
  // come as 200 and carry none); a public route's own 401 (the operator's metrics token) is not ours.
  app.addHook("onSend", async (req, reply) => {
    const config = req.routeOptions.config;
    if (reply.statusCode === 401 && !config?.public) {
      reply.header("www-authenticate", config?.campaignToken ? CAMPAIGN_TOKEN_CHALLENGE : CHALLENGE);
    }
  });

  app.addHook("onRequest", async (req, reply) => {
    const config = req.routeOptions.config;
    const url = req.routeOptions.url;
    // Unknown routes fall through to the 404 handler; the docs page is public.
    if (config.public || url === undefined || url.startsWith(DOCS_PREFIX)) return;
    if (config.campaignToken) {
      req.account = await campaignToken((req.params as { token?: string }).token, deps);
      return;
    }
    let who: RequestAccount;
    try {
      if (config.paramCredentials && !req.headers.authorization) {
        const sent = queryCredentials(req.url);
        if (sent === null && isFormBody(req)) {
          // The route authenticates once it has read the body: only a small one is read for a client not
          // yet known, its size given up front (Node's parser then reads no more).
          if (Number(req.headers["content-length"]) <= PRE_AUTH_BODY_BYTES) return;
          throw unauthorized(
            `account_id, account_name and api_key are read from a form body of at most ${PRE_AUTH_BODY_BYTES} bytes (with its Content-Length); send them in the query string or an Authorization header`,
          );
        }
        who = await paramCredentials(sent ?? {}, deps);
      } else who = await authenticate(req, deps);
    } catch (err) {
      if (err instanceof TooManyTries) reply.header("retry-after", String(err.retryAfterSec));
      throw err;
    }
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

/** Both schemes, as every authenticated route takes either (see `authenticate`). */
const CHALLENGE = 'Bearer realm="outdial", Basic realm="outdial", charset="UTF-8"';

/**
 * A campaign-token route reads only the token in its path: inviting Bearer or Basic would have a browser
 * opening a revoked addPhone link pop a login that no password can pass, and clients that answer
 * challenges (curl --anyauth, .NET, Java) send an API key or password it never reads. The 401 still needs
 * a challenge (RFC 9110 §11.6.1), so it names a scheme of its own that no client answers by itself; the
 * body says the token is not valid or revoked.
 */
const CAMPAIGN_TOKEN_CHALLENGE = 'CampaignToken realm="outdial", in="path"';

/** account_id and/or account_name + api_key as parameters, as the route read them; any may be missing. */
export interface ParamCredentials {
  accountId?: string;
  /** Voximplant's alternative to account_id: the account's name, as stored. */
  accountName?: string;
  apiKey?: string;
}

/** The credentials of the query string, or null when it carries no api_key. The last of a repeated name
 *  wins, as the Voximplant face reads its parameters. */
function queryCredentials(url: string): ParamCredentials | null {
  const q = url.indexOf("?");
  if (q < 0) return null;
  const params = new URLSearchParams(url.slice(q + 1));
  const last = (name: string) => params.getAll(name).at(-1);
  const apiKey = last("api_key");
  return apiKey === undefined
    ? null
    : { accountId: last("account_id"), accountName: last("account_name"), apiKey };
}

/** The largest form body read before its account_id / account_name + api_key are checked. */
export const PRE_AUTH_BODY_BYTES = 64 * 1024;

function isFormBody(req: FastifyRequest): boolean {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  return type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded");
}

/**
 * An API key given as a parameter: looked up as in the header, and it must be the account's that
 * account_id or account_name names (both, when both are given).
 */
async function paramCredentials(
  sent: ParamCredentials,
  deps: { store: Store; clock: Clock },
): Promise<RequestAccount> {
  if (sent.apiKey === undefined || sent.apiKey === "") {
    throw unauthorized(
      "credentials are required: send Authorization: Bearer <API key or JWT> or Basic, or account_id (or account_name) and api_key",
    );
  }
  const owner: KeyOwner = {};
  if (sent.accountId !== undefined && sent.accountId !== "") {
    // An id that is no number is no account's: refused as a wrong one is.
    owner.id = /^\s*\d{1,15}\s*$/.test(sent.accountId) ? Number(sent.accountId) : -1;
  }
  if (sent.accountName !== undefined && sent.accountName !== "") owner.name = sent.accountName;
  if (owner.id === undefined && owner.name === undefined) {
    throw unauthorized("send account_id or account_name with api_key");
  }
  return apiKey(sent.apiKey, deps, owner);
}

/** The account an API key given as a parameter must belong to: every field given must match. */
interface KeyOwner {
  id?: number;
  name?: string;
}

/**
 * Whether the key's account (undefined: no key was found) is `owner`. Account names are not unique, so a
 * name is checked against the key's own account, never looked up: an answer cannot tell whether some
 * account has that name. That account is read even when no key was found, so a wrong name takes the time
 * a wrong key does.
 */
async function keyBelongsTo(
  db: Kysely<Database>,
  keyAccountId: number | undefined,
  owner: KeyOwner,
): Promise<boolean> {
  const account = owner.name === undefined ? undefined : await findAccount(db, keyAccountId ?? 0);
  if (keyAccountId === undefined) return false;
  if (owner.id !== undefined && owner.id !== keyAccountId) return false;
  return owner.name === undefined || (account !== undefined && sameText(account.name, owner.name));
}

/** Compared by digests of one length, so the time taken does not tell how much of the name was right. */
function sameText(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * For a route with `paramCredentials` whose credentials came in a form body (req.account is then null):
 * authenticates them and checks the route's permission exactly as the onRequest hook does for a header.
 */
export async function authenticateParams(
  req: FastifyRequest,
  sent: ParamCredentials,
  deps: { store: Store; clock: Clock },
): Promise<void> {
  if (req.account) return;
  const permission = req.routeOptions.config.permission;
  const who = await paramCredentials(sent, deps);
  if (!permission || !roleAllows(who.role, permission)) {
    throw new ApiError(
      "forbidden",
      403,
      `role ${who.role} may not do this (needs ${permission ?? "a permission"})`,
    );
  }
  req.account = who;
}

function unauthorized(message: string): ApiError {
  return new ApiError("unauthorized", 401, message);
}

async function authenticate(req: FastifyRequest, deps: AuthDeps): Promise<RequestAccount> {
  const header = req.headers.authorization;
  if (!header) {
    throw unauthorized("credentials are required: send Authorization: Bearer <API key or JWT> or Basic");
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) {
    return looksLikeJwt(bearer[1]) ? serviceAccount(bearer[1], deps) : apiKey(bearer[1], deps);
  }
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    refuseCrossSiteBasic(req);
    return user(Buffer.from(basic[1], "base64").toString("utf8"), req.ip, deps);
  }
  throw unauthorized("the Authorization header must be Bearer <API key or JWT> or Basic <user:password>");
}

/** Sec-Fetch-Site of a request that a page of another site (or of a sibling subdomain) made. */
const FOREIGN_SITES = new Set(["cross-site", "same-site"]);

/**
 * A browser that once answered our Basic challenge attaches the credentials it remembers to every later
 * request to this server on its own, a form that another site's page posts included (Xcally's upload
 * takes a urlencoded form): refused before the password is checked or counted. Servers and curl send
 * neither Sec-Fetch-Site nor Origin, and the dashboard (same-origin) uses Bearer, which no browser attaches
 * on its own.
 */
function refuseCrossSiteBasic(req: FastifyRequest): void {
  if (fromForeignPage(req)) {
    throw new ApiError(
      "cross_site_refused",
      403,
      "a browser page of another site may not use this server's Basic credentials",
    );
  }
}

/**
 * Whether a browser page of another site made the request. Browsers say so in Sec-Fetch-Site, decisive
 * where sent, but only to HTTPS and localhost addresses: over plain HTTP to any other address (outdial's
 * default without TLS) the page is known only by its Origin (sent with every POST) or, failing that, its Referer. One naming another
 * host than the request's own (Host, or X-Forwarded-Host from a trusted proxy), or "null" (a sandboxed
 * frame), is foreign. Hosts, not whole origins, are compared: a TLS-terminating proxy not listed in
 * OUTDIAL_TRUST_PROXY makes the scheme and port differ for the server's own pages.
 */
function fromForeignPage(req: FastifyRequest): boolean {
  const fetchSite = req.headers["sec-fetch-site"];
  // The browser's own word, where it gives one: a proxy that rewrites Host (nginx's default proxy_pass
  // sends its upstream's) would make the server's own pages look foreign by their Origin.
  if (fetchSite !== undefined) {
    const sites = String(fetchSite).toLowerCase().split(",");
    return sites.some((site) => FOREIGN_SITES.has(site.trim()));
  }
  const page = req.headers.origin ?? req.headers.referer;
  if (page === undefined) return false;
  const pageHost = hostnameOf(page);
  return pageHost === null || pageHost !== hostnameOf(`http://${req.host}`);
}

/** The host name a URL names, lower case; null for anything that is not one ("null", garbage). */
function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

async function campaignToken(token: string | undefined, deps: { store: Store }): Promise<RequestAccount> {
  const row = token ? await findActiveCampaignToken(deps.store.db, hashApiKey(token)) : undefined;
  if (!row) throw unauthorized("the campaign token is not valid or has been revoked");
  return { id: row.account_id, role: "campaign_token", via: { kind: "campaign_token", id: row.campaign_id } };
}

async function apiKey(
  token: string,
  deps: { store: Store; clock: Clock },
  /** Given with the key as a parameter: the key must be this account's. */
  owner?: KeyOwner,
): Promise<RequestAccount> {
  const key = await findActiveApiKeyByHash(deps.store.db, hashApiKey(token));
  // Unknown and revoked keys, and another account's (by id or by name), get the same answer: which keys
  // once existed, and which account names exist, is nobody's business.
  const ownerMatches = owner === undefined || (await keyBelongsTo(deps.store.db, key?.account_id, owner));
  if (!key || !ownerMatches) throw unauthorized("the API key is not valid or has been revoked");
  await touchApiKeyLastUsed(deps.store.db, key.id, deps.clock.now(), LAST_USED_GRANULARITY_MS);
  return { id: key.account_id, role: key.role, via: { kind: "api_key", id: key.id } };
}

async function serviceAccount(token: string, deps: { store: Store; clock: Clock }): Promise<RequestAccount> {
  const kid = jwtKeyId(token);
  // A NUL cannot be in any stored key id, and PostgreSQL refuses it in a query (a 500, not a 401).
  const sa =
    kid && !kid.includes("\u0000") ? await findActiveServiceAccountByKeyId(deps.store.db, kid) : undefined;
  if (!sa) throw unauthorized("the token's key (kid) is unknown or revoked");
  try {
    await verifyServiceAccountJwt(token, sa.public_key, sa.account_id, deps.clock.now());
  } catch (err) {
    // Expired, not yet valid, tampered, signed by another key: the reason helps its holder, not an attacker.
    throw unauthorized(`the token is not valid: ${(err as Error).message}`);
  }
  return { id: sa.account_id, role: sa.role, via: { kind: "service_account", id: sa.id } };
}

/** Hashed once, for refusals of unknown and disabled users: they take as long as a wrong password, so
 *  the answer's timing does not tell which user names exist (in any account). */
let decoyHash: Promise<string> | null = null;

async function user(pair: string, address: string, deps: AuthDeps): Promise<RequestAccount> {
  const colon = pair.indexOf(":");
  const name = colon > 0 ? pair.slice(0, colon) : "";
  const wait = await deps.throttle.begin(address, name);
  if (wait > 0) throw new TooManyTries(Math.ceil(wait / 1000));
  let row: Awaited<ReturnType<typeof findUserByName>>;
  let ok: boolean;
  try {
    // No user name holds a NUL (the API refuses one), and PostgreSQL would refuse it in the query.
    row = name !== "" && !name.includes("\u0000") ? await findUserByName(deps.store.db, name) : undefined;
    const usable = row !== undefined && row.disabled_at === null;
    decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
    const hash = usable ? (row?.password_hash ?? "") : await decoyHash;
    ok = (await verifyPassword(colon > 0 ? pair.slice(colon + 1) : pair, hash)) && usable;
  } catch (err) {
    deps.throttle.refund(address, name); // the database failed, not the password
    throw err;
  }
  if (!row || !ok) {
    deps.throttle.failed(address, name);
    throw unauthorized("the user name or password is wrong, or the user is disabled");
  }
  deps.throttle.succeeded(address, name);
  return { id: row.account_id, role: row.role, via: { kind: "user", id: row.id } };
}

/**
 * For a response that stays open (an event stream): a value to compare now and then with the one taken
 * when it opened. Null once the credential is revoked, disabled, deleted or expired; another value once
 * its role (or a user's password) changed. Cheap: a user's password is not hashed again.
 */
export async function credentialStamp(
  req: FastifyRequest,
  deps: { store: Store; clock: Clock },
): Promise<string | null> {
  const who = req.account;
  const db = deps.store.db;
  switch (who.via.kind) {
    case "api_key": {
      const key = await findOwned(db, "api_keys", who.id, who.via.id);
      return key && key.revoked_at === null ? `key:${key.role}` : null;
    }
    case "user": {
      const user = await findUser(db, who.id, who.via.id);
      return user && user.disabled_at === null ? `user:${user.role}:${user.password_hash}` : null;
    }
    case "service_account": {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
      try {
        const again = await serviceAccount(bearer?.[1] ?? "", deps); // also its expiry
        return again.id === who.id ? `jwt:${again.role}:${again.via.id}` : null;
      } catch {
        return null;
      }
    }
    case "campaign_token": {
      const again = await campaignToken((req.params as { token?: string }).token, deps).catch(() => null);
      return again ? `token:${again.via.id}` : null;
    }
  }
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
