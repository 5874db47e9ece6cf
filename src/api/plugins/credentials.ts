// The secrets behind users and service accounts: scrypt password hashes (slow on purpose, salted, compared
// in constant time) and the RS256 JWTs service accounts sign (verified with jose against the stored
// public key: `kid` names the key, `iss` the account, a short `exp`, a little clock skew allowed).
import { generateKeyPairSync, randomBytes, randomUUID, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new RSA key pair for a service account: the private key goes to its holder once, in the shape of
 *  Voximplant's credentials file ({account_id, key_id, private_key}); the public key stays. */
export function newServiceAccountKey(): { keyId: string; publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { keyId: randomUUID(), publicKey, privateKey };
}

/** Whether a bearer token is a JWT rather than an API key. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

export function jwtKeyId(token: string): string | null {
  try {
    const kid = decodeProtectedHeader(token).kid;
    return typeof kid === "string" ? kid : null;
  } catch {
    return null;
  }
}

/** Longest lifetime accepted for one token: Voximplant's clients sign for an hour at most. */
const MAX_TOKEN_LIFETIME_SEC = 3600;
const CLOCK_SKEW_SEC = 30;
/** The only audience a service account's token may name, when it names one. */
export const JWT_AUDIENCE = "outdial";

/** Verifies a service account's JWT; throws with the reason on any failure. */
export async function verifyServiceAccountJwt(
  token: string,
  publicKeyPem: string,
  accountId: number,
  nowMs: number,
): Promise<void> {
  const key = await importSPKI(publicKeyPem, "RS256");
  const { payload } = await jwtVerify(token, key, {
    algorithms: ["RS256"],
    clockTolerance: CLOCK_SKEW_SEC,
    currentDate: new Date(nowMs),
    requiredClaims: ["exp", "iat", "iss"],
  });
  // Voximplant's client puts the account id in `iss` as a number; jose compares issuers as strings.
  if (String(payload.iss) !== String(accountId)) throw new Error("the token's iss is not its key's account");
  if (payload.iat! > nowMs / 1000 + CLOCK_SKEW_SEC)
    throw new Error("the token is issued in the future (iat)");
  if (payload.exp! - payload.iat! > MAX_TOKEN_LIFETIME_SEC) {
    throw new Error(`the token lives longer than ${MAX_TOKEN_LIFETIME_SEC} s`);
  }
  // A key pair may sign tokens for other services too; a token addressed to one of them is not ours to
  // accept. Voximplant's clients set no audience, so none, or ours, is what a client of outdial sends.
  const audience = payload.aud === undefined ? [] : [payload.aud].flat();
  if (audience.some((a) => a !== JWT_AUDIENCE)) {
    throw new Error(`the token's aud is not ${JWT_AUDIENCE}`);
  }
}
