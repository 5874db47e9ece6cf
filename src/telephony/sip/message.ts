// SIP messages (RFC 3261 §7): parsing a datagram into a request or a response, and writing one back. Only
// what a user agent placing calls needs: the start line, headers (compact forms expanded, repeated headers
// kept in order) and a body bounded by Content-Length. A datagram that is not a well-formed SIP message
// reads as null and is dropped, as §18.3 asks.

/** Headers are keyed by lower-case full name; values in the order they came (Via split per hop). */
export interface SipRequest {
  kind: "request";
  method: string;
  uri: string;
  headers: Map<string, string[]>;
  body: string;
}

export interface SipResponse {
  kind: "response";
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  body: string;
}

export type SipMessage = SipRequest | SipResponse;

const COMPACT: Record<string, string> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  s: "subject",
  k: "supported",
  t: "to",
  v: "via",
};

/** A datagram holds at most this much (RFC 3261 §18.1.1 keeps UDP messages well under 64 KB). */
export const MAX_DATAGRAM = 65_507;

export function parseMessage(data: Buffer | string): SipMessage | null {
  // Content-Length counts bytes: the body is measured before decoding, where bytes that are not UTF-8
  // would change its length.
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const split = bytes.indexOf("\r\n\r\n");
  const head = (split === -1 ? bytes : bytes.subarray(0, split)).toString("utf8");
  let body = split === -1 ? Buffer.alloc(0) : bytes.subarray(split + 4);
  const lines = head.split("\r\n");
  // A CR or LF alone would end a line for whoever reads a header we echo back (a Via, a From): a header
  // injected there, or one our own writer refuses to send.
  if (lines.some((line) => /[\r\n]/.test(line))) return null;
  // Header lines folded onto the next (RFC 3261 §7.3.1) join the line before them.
  const unfolded: string[] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    else unfolded.push(line);
  }
  const headers = new Map<string, string[]>();
  for (const line of unfolded) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    const values = headers.get(name) ?? [];
    // Via and the route headers may come comma-joined; each hop is its own value (the top Via is what a
    // response matches, the route set is the Record-Route hops reversed).
    if (name === "via" || name === "record-route" || name === "route") values.push(...splitList(value));
    else values.push(value);
    headers.set(name, values);
  }
  const length = headers.get("content-length")?.[0];
  if (length !== undefined) {
    const n = Number(length);
    if (!Number.isInteger(n) || n < 0) return null;
    if (body.length < n) return null; // truncated datagram
    body = body.subarray(0, n);
  }
  if (!headers.has("call-id") || !headers.has("cseq") || !headers.has("from") || !headers.has("to"))
    return null;
  const start = lines[0] ?? "";
  const status = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/i.exec(start);
  const text = body.toString("utf8");
  if (status)
    return { kind: "response", status: Number(status[1]), reason: status[2] ?? "", headers, body: text };
  const request = /^([A-Za-z]+) (\S+) SIP\/2\.0$/i.exec(start);
  if (request)
    return { kind: "request", method: request[1].toUpperCase(), uri: request[2], headers, body: text };
  return null;
}

/** The first value of a header, or undefined. */
export function header(msg: { headers: Map<string, string[]> }, name: string): string | undefined {
  return msg.headers.get(name)?.[0];
}

export function formatRequest(method: string, uri: string, headers: [string, string][], body = ""): string {
  return formatMessage(`${method} ${uri} SIP/2.0`, headers, body);
}

export function formatResponse(
  status: number,
  reason: string,
  headers: [string, string][],
  body = "",
): string {
  return formatMessage(`SIP/2.0 ${status} ${reason}`, headers, body);
}

function formatMessage(start: string, headers: [string, string][], body: string): string {
  const lines = [start];
  for (const [name, value] of headers) {
    // A CR or LF in a value would let a caller id or a phone number inject headers of its own.
    if (/[\r\n]/.test(value)) throw new Error(`SIP header ${name} holds a line break`);
    lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${Buffer.byteLength(body, "utf8")}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** CSeq "314 INVITE" → { seq: 314, method: "INVITE" }. */
export function parseCSeq(value: string | undefined): { seq: number; method: string } | null {
  const m = /^(\d+)\s+([A-Za-z]+)$/.exec(value?.trim() ?? "");
  return m ? { seq: Number(m[1]), method: m[2].toUpperCase() } : null;
}

/** A header parameter (`;tag=abc`, `;branch=z9…`) of a From/To/Via value, outside its URI's angle brackets. */
export function param(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const close = value.lastIndexOf(">");
  const tail = close === -1 ? value : value.slice(close + 1);
  const re = new RegExp(`;\\s*${name}\\s*=\\s*("[^"]*"|[^;,\\s]+)`, "i");
  const m = re.exec(tail);
  return m ? m[1].replace(/^"|"$/g, "") : undefined;
}

/** The URI inside a name-addr (`"Bob" <sip:bob@host>;tag=1` → `sip:bob@host`), or an addr-spec as given. */
export function uriOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // The first `<` past the display name and the first `>` after it, found in one pass each: a regex retried
  // at each `<` of a long run of them with no `>` after takes time quadratic in the header's length, and
  // every 2xx resent brings it.
  const open = angleOpen(value);
  const close = open === -1 ? -1 : value.indexOf(">", open + 1);
  if (close !== -1) return value.slice(open + 1, close);
  return value.split(";")[0].trim();
}

/** Where a name-addr's `<` is, or -1: the first outside a quoted display name, which may hold `<` and `>`
 *  (`"Front <Desk>" <sip:…>`) and a `\"` that does not end it (RFC 3261 §25.1 quoted-pair). */
function angleOpen(value: string): number {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      // A backslash escapes the character after it, whatever it is.
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === "<") return i;
    else if (ch === '"') quoted = true;
  }
  return -1;
}

/** A header's comma-separated values; a comma in a quoted display name or inside <uri> separates nothing. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let bracketed = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && !bracketed) quoted = !quoted;
    else if (ch === "<" && !quoted) bracketed = true;
    else if (ch === ">" && !quoted) bracketed = false;
    else if (ch === "," && !quoted && !bracketed) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== "");
}
