// The API key itself: 32 random bytes, shown to its holder once; the store keeps only a sha256 hash
// (enough for a secret of this entropy: no salt or slow hash is needed) and a prefix to tell keys apart.
import { createHash, randomBytes } from "node:crypto";

const KEY_PREFIX = "od_";
/** `od_` and the first 7 characters of the random part: enough to recognise a key in a list. */
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 7;

export interface GeneratedApiKey {
  key: string;
  hash: string;
  prefix: string;
}

/** A new secret: API keys start "od_", campaign tokens "ct_" (so a leaked one is recognised). */
export function generateApiKey(kind: "od_" | "ct_" = KEY_PREFIX): GeneratedApiKey {
  const key = kind + randomBytes(32).toString("base64url");
  return { key, hash: hashApiKey(key), prefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
