// SIP digest authentication (RFC 3261 §22, RFC 2617 / RFC 7616 with MD5): answering a trunk's 401 or 407
// challenge. The password never leaves this module except hashed into the response.
import { createHash, randomBytes } from "node:crypto";
import type { SipResponse } from "./message.ts";

/** One realm's challenge, which every request we send it from then on answers (a 401's or a 407's). */
export interface Credential {
  name: "Authorization" | "Proxy-Authorization";
  challenge: DigestChallenge;
}

/** An Authorization or Proxy-Authorization header as one request carries it. */
export type AuthHeader = [name: Credential["name"], value: string];

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: string;
  /** "auth" when the server offers it (auth-int is not offered by us: it would hash the body). */
  qop?: "auth";
  stale: boolean;
}

/** Reads a WWW-Authenticate / Proxy-Authenticate value; null when it is not a Digest challenge we can answer. */
export function parseChallenge(value: string | undefined): DigestChallenge | null {
  if (!value || !/^digest\s/i.test(value.trim())) return null;
  const params = authParams(value);
  const realm = params.get("realm");
  const nonce = params.get("nonce");
  if (realm === undefined || nonce === undefined) return null;
  const algorithm = params.get("algorithm") ?? "MD5";
  if (algorithm.toUpperCase() !== "MD5") return null;
  const qops = (params.get("qop") ?? "").split(",").map((q) => q.trim().toLowerCase());
  // A server offering only auth-int cannot be answered with plain auth.
  if (params.has("qop") && !qops.includes("auth")) return null;
  return {
    realm,
    nonce,
    opaque: params.get("opaque"),
    algorithm,
    qop: qops.includes("auth") ? "auth" : undefined,
    stale: (params.get("stale") ?? "").toLowerCase() === "true",
  };
}

/**
 * The `name=value` and `name="quoted value"` pairs of a challenge, found where a search for them anywhere
 * in it would find them, in one pass: the header is the trunk's (or anyone's who can send us a datagram),
 * and a regex retried at each position of a long run of name characters with no `=` after it takes time
 * quadratic in its length (60 KB of it held the event loop for a second and a half).
 */
export function authParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const n = value.length;
  let i = 0;
  while (i < n) {
    if (!isNameChar(value.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isNameChar(value.charCodeAt(i))) i++;
    // A name not followed by `=` and a value is skipped whole: no later part of it is followed by one either.
    let j = skipSpace(value, i);
    if (value[j] !== "=") continue;
    j = skipSpace(value, j + 1);
    const found = quotedAt(value, j) ?? tokenAt(value, j);
    if (!found) continue;
    params.set(value.slice(start, i).toLowerCase(), found.text);
    i = found.end;
  }
  return params;
}

const isNameChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
const isSpace = (ch: string) => /\s/.test(ch);

function skipSpace(value: string, from: number): number {
  let i = from;
  while (i < value.length && isSpace(value[i])) i++;
  return i;
}

/** A quoted string at `at`, unescaped; null when there is none or it never closes. Each unclosed one is
 *  read to the end at most once: any quote after it that could open another would have closed it. */
function quotedAt(value: string, at: number): { text: string; end: number } | null {
  if (value[at] !== '"') return null;
  let text = "";
  for (let i = at + 1; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') return { text, end: i + 1 };
    if (ch === "\\" && i + 1 < value.length) text += value[++i];
    else text += ch;
  }
  return null;
}

/** An unquoted value at `at` (up to a space or comma); null when it is empty. */
function tokenAt(value: string, at: number): { text: string; end: number } | null {
  let i = at;
  while (i < value.length && value[i] !== "," && !isSpace(value[i])) i++;
  return i === at ? null : { text: value.slice(at, i), end: i };
}

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");
const quote = (s: string) => `"${s.replace(/(["\\])/g, "\\$1")}"`;

/** The Authorization / Proxy-Authorization value answering `challenge` for `method` on `uri`. */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: { username: string; password: string },
  method: string,
  uri: string,
  nonceCount = 1,
): string {
  const ha1 = md5(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
  ];
  let response: string;
  if (challenge.qop === "auth") {
    const nc = nonceCount.toString(16).padStart(8, "0");
    const cnonce = randomBytes(8).toString("hex");
    response = md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
    parts.push(`response=${quote(response)}`, "qop=auth", `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  } else {
    response = md5(`${ha1}:${challenge.nonce}:${ha2}`);
    parts.push(`response=${quote(response)}`);
  }
  parts.push(`algorithm=${challenge.algorithm}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(", ")}`;
}

/**
 * The challenge of a 401 or 407 we can answer, null when it holds none. A server may offer several, in its
 * order of preference (RFC 8760 §2.4, say SHA-256 before MD5): the first we can answer is taken, as the RFC
 * asks, not the first alone.
 */
export function answerChallenge(res: SipResponse): Credential | null {
  const proxy = res.status === 407;
  if (!proxy && res.status !== 401) return null;
  for (const value of res.headers.get(proxy ? "proxy-authenticate" : "www-authenticate") ?? []) {
    const challenge = parseChallenge(value);
    if (challenge) return { name: proxy ? "Proxy-Authorization" : "Authorization", challenge };
  }
  return null;
}

/** Requests a challenged request may send with credentials: a proxy's realm, the PBX's, a stale nonce once. */
export const MAX_AUTH_TRIES = 3;

/**
 * What a request challenged again answers next: `held` with `fresh` in place of the same realm's old
 * challenge. Null when it must not go again: that realm refused the answer it had (a wrong password), unless
 * only its nonce had gone stale.
 */
export function renewCredentials(held: Credential[], fresh: Credential): Credential[] | null {
  const realm = fresh.challenge.realm;
  const known = held.find((c) => c.name === fresh.name && c.challenge.realm === realm);
  if (known && !fresh.challenge.stale) return null;
  return [...held.filter((c) => c !== known), fresh];
}

/** Nonces whose counts are kept, the least recently used forgotten first. One forgotten would start again
 *  at 1, a replay to a server that still takes it: 10,000 outlast a trunk's nonces (Kamailio's live 300 s
 *  by default) at 30 new ones a second, in a megabyte or two. */
const KEPT_NONCES = 10_000;

/**
 * Our side of digest authentication: the trunk's username and password, and how many requests have gone
 * with each nonce. With qop, the count (nc) is the number of requests sent with the nonce, this one
 * included (RFC 7616 §3.4), and a server that keeps count takes a number it has seen for a replay. So each
 * request's answers are worked out as it goes out, for its own method and Request-URI, never copied from an
 * earlier request's; and the counts are the driver's, not a call's: a nonce may come back in a challenge to
 * a later request (a BYE's, with its INVITE's nonce).
 */
export class DigestClient {
  private readonly counts = new Map<string, number>();

  constructor(private readonly login: { username: string; password: string } | null) {}

  /** The challenge of a 401 or 407 we answer; null without a username or a challenge we can answer. */
  challenge(res: SipResponse): Credential | null {
    return this.login ? answerChallenge(res) : null;
  }

  /** The headers answering each of `held` on one request, `method` on `uri`: each with its nonce's next
   *  count and a fresh cnonce. A retransmission is the same request: it resends them as they were. */
  sign(held: Credential[], method: string, uri: string): AuthHeader[] {
    const login = this.login;
    if (!login) return [];
    return held.map(({ name, challenge }) => [
      name,
      digestAuthorization(challenge, login, method, uri, this.nextCount(challenge)),
    ]);
  }

  private nextCount(challenge: DigestChallenge): number {
    if (challenge.qop !== "auth") return 1;
    const key = `${challenge.realm}\n${challenge.nonce}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    // Put last again: the Map's order is then least recently used first.
    this.counts.delete(key);
    this.counts.set(key, count);
    const oldest = this.counts.keys().next().value;
    if (this.counts.size > KEPT_NONCES && oldest !== undefined) this.counts.delete(oldest);
    return count;
  }
}
