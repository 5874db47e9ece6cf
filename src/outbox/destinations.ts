// Where webhooks may be sent. A subscription's URL is chosen by an API caller, so by default it may not
// reach the server's own network (loopback, private ranges, link-local cloud metadata at 169.254.169.254):
// otherwise any account could probe or poke internal services through outdial (server-side request
// forgery). The check runs at connect time on the addresses DNS gave, so a name that resolves elsewhere
// later (DNS rebinding) is caught too. OUTDIAL_WEBHOOK_ALLOW_PRIVATE=1 lifts it for self-hosters whose
// receivers live inside.
import dns, { type LookupAddress } from "node:dns";
import net from "node:net";
import { Agent } from "undici";

const NOT_PUBLIC = new net.BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(prefix, bits, "ipv4");
}
for (const [prefix, bits] of [
  ["::", 128],
  ["::1", 128],
  ["::", 96], // IPv4-compatible (deprecated): ::10.0.0.1 would reach 10.0.0.1
  ["::ffff:0:0:0", 96], // IPv4-translated
  ["64:ff9b::", 96], // NAT64: a gateway would carry it to the IPv4 address it embeds
  ["64:ff9b:1::", 48], // local-use NAT64
  ["2002::", 16], // 6to4: embeds an IPv4 address
  ["fec0::", 10], // site-local (deprecated)
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(prefix, bits, "ipv6");
}

/** Whether an IP address is on the public internet (false for anything that is not an address). */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  // ::ffff:127.0.0.1 (or ::ffff:7f00:1) is 127.0.0.1 to the socket: checked as that IPv4 address. The URL
  // parser writes either form as the second; a zone (fe80::1%eth0) is no part of what it reads.
  const mapped =
    family === 6
      ? /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(
          new URL(`http://[${address.replace(/%.*$/, "")}]`).hostname,
        )
      : null;
  if (mapped) {
    const [hi, lo] = [Number.parseInt(mapped[1], 16), Number.parseInt(mapped[2], 16)];
    return isPublicAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return !NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

export class DestinationRefused extends Error {
  readonly code = "destination_not_allowed";
  constructor(host: string, address: string) {
    // A name's private address stays out of the message: it reaches the account through the deliveries'
    // last_error, and would map the server's own network for whoever chose the name.
    const what =
      host === address ? `${address} is not a public address` : `${host} resolves to no public address`;
    super(`${what}; set OUTDIAL_WEBHOOK_ALLOW_PRIVATE=1 to send webhooks inside the server's network`);
    this.name = "DestinationRefused";
  }
}

/** Refuses a URL whose host is an IP literal outside the public internet (those never reach lookup). */
export function checkLiteralHost(url: string): void {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  if (net.isIP(host) !== 0 && !isPublicAddress(host)) throw new DestinationRefused(host, host);
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that keeps only public addresses and fails when none is left. */
function publicLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const usable = addresses.filter((a) => isPublicAddress(a.address));
    if (usable.length === 0) {
      return callback(new DestinationRefused(hostname, addresses[0]?.address ?? "no address"), []);
    }
    if (options.all) return callback(null, usable);
    callback(null, usable[0].address, usable[0].family);
  });
}

/** The HTTP client for webhook sends to public destinations only. */
export function webhookAgent(): Agent {
  return new Agent({ connect: { lookup: publicLookup as never } });
}

/** A subscription's URL in the one spelling new URL() gives it (HTTPS://Host/h is https://host/h), as
 *  every face stores it: so every reader sees the URL its events go to, and one URL is one subscription. A
 *  text that is no URL (stored before it was checked) is its own spelling. */
export function webhookUrlSpelling(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * Why a subscription's URL cannot be used, or null: what the API schema's pattern lets through but no
 * request can go to (a host or port that does not parse, port 0), and credentials in it, which undici never
 * sends and which every reader of the subscription would see. Receivers check the signature header instead.
 */
export function webhookUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a URL a request can be sent to";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return "must be an http:// or https:// URL";
  if (u.hostname === "") return "has no host";
  // Port 0 parses, but no connection can be made to it: every event would be tried and dead-lettered.
  if (u.port === "0") return "is not a URL a request can be sent to (port 0)";
  if (u.username !== "" || u.password !== "") {
    return "may not carry a user name or password (they would not be sent): check the x-outdial-signature header (POST /v1/webhooks/{id}/rotate-secret gives a subscription's secret)";
  }
  return null;
}
