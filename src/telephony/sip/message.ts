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

/** A header parameter (`;tag=abc`, `;branch=z9…`) of a From/To/Via value, or undefined; a parameter
 *  without a value reads as "". */
export function param(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const wanted = name.toLowerCase();
  for (let at = paramsStart(value); at !== -1; ) {
    const end = paramEnd(value, at + 1);
    const text = value.slice(at + 1, end);
    const eq = text.indexOf("=");
    if ((eq === -1 ? text : text.slice(0, eq)).trim().toLowerCase() === wanted) {
      return eq === -1 ? "" : unquoted(text.slice(eq + 1).trim());
    }
    at = value[end] === ";" ? end : -1;
  }
  return undefined;
}

/** The `;` before a header value's first parameter (RFC 3261 §20.10, §20.42), or -1: the first after a
 *  name-addr's `<uri>`, whose own `;` are the URI's, or after an addr-spec or a Via's sent-by, and before
 *  a comma that starts the header's next value. A `<` never closed has none. */
function paramsStart(value: string): number {
  const open = angleOpen(value);
  const close = open === -1 ? -1 : value.indexOf(">", open + 1);
  if (open !== -1 && close === -1) return -1;
  const end = paramEnd(value, close + 1);
  return value[end] === ";" ? end : -1;
}

/** Where the parameter that starts at `from` ends: at the next `;` or `,` outside a quoted value, which may
 *  hold both, and `>` (found by the value's last `>`, or by a search for `;tag=`, such a value hid the tag or
 *  branch after it, or gave one of its own); at the value's end if none. */
function paramEnd(value: string, from: number): number {
  for (let i = from; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') i = quoteEnd(value, i);
    else if (ch === ";" || ch === ",") return i;
  }
  return value.length;
}

/** A parameter's value, its quotes and escapes undone if it is a quoted string. */
function unquoted(raw: string): string {
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  return quoted ? raw.slice(1, -1).replace(/\\(.)/gs, "$1") : raw;
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
 *  (`"Front <Desk>" <sip:…>`). */
function angleOpen(value: string): number {
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '"') i = quoteEnd(value, i);
    else if (value[i] === "<") return i;
  }
  return -1;
}

/** Where the quoted string that opens at `open` ends (its closing quote), or the value's length if it never
 *  does. A backslash escapes the character after it, whatever it is: a `\"` does not end the string, a
 *  `\\` before a quote does not keep it open (RFC 3261 §25.1 quoted-pair). */
function quoteEnd(value: string, open: number): number {
  for (let i = open + 1; i < value.length; i++) {
    if (value[i] === "\\") i++;
    else if (value[i] === '"') return i;
  }
  return value.length;
}

/** A header's comma-separated values; a comma in a quoted string (a display name, a parameter's value) or
 *  inside <uri> separates nothing. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') i = quoteEnd(value, i);
    else if (ch === "<") {
      // A URI holds no `>` (§25.1 escapes it); one never closed runs to the end.
      const close = value.indexOf(">", i + 1);
      i = close === -1 ? value.length : close;
    } else if (ch === ",") {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== "");
}
