// config/ owns the process configuration: one typed, frozen object read once from the environment, with
// defaults, failing fast on a bad value. It must not import store/, engine/ or api/.
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import tls from "node:tls";
import { DEFAULT_KEEP_DEAD_DAYS, DEFAULT_KEEP_DELIVERED_DAYS } from "../outbox/retention.ts";
import { resolveScenario } from "../telephony/sim/scenario.ts";
import { ConfigError } from "./config-error.ts";
import { maskUrlPassword, readDatabaseUrl } from "./database-url.ts";

// Re-exported: the rest of the code imports its configuration, errors included, from this one module.
export { ConfigError, maskUrlPassword };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Telephony drivers a node can be started with (telephony/<name>/). */
export const DRIVER_NAMES = ["sim", "sip"] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

export interface Config {
  /** `postgres://…` or a SQLite file path (':memory:' for a throwaway database). May hold a password. */
  databaseUrl: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  driver: DriverName;
  simSeed: number;
  simScenario: string;
  /** File the sim driver appends every dial to; null = none. */
  simDialLog: string | null;
  /** The sip driver's trunk and local address; null unless the driver is sip. */
  sip: SipConfig | null;
  /** How long this node's claims and heartbeat hold its contacts (and campaigns) once it stops renewing. */
  leaseMs: number;
  tlsCert: string | null;
  tlsKey: string | null;
  /** Upper bound of one uploaded contact file. */
  maxImportBytes: number;
  /** Wall time a CSV upload may send nothing before it is given up (408), releasing the campaign's import. */
  importIdleMs: number;
  /** Names this process as a lease owner; must differ between live processes sharing a database (a start
   *  under an id a live process holds is refused). A fixed one is what a restart keeps. */
  nodeId: string;
  /** Webhook retries: the first after about this long, doubling up to webhookBackoffMaxMs. */
  webhookBackoffBaseMs: number;
  webhookBackoffMaxMs: number;
  /** A webhook request that takes longer fails and is retried. */
  webhookTimeoutMs: number;
  /** Webhooks may go to loopback, private and link-local addresses (default: public addresses only). */
  webhookAllowPrivate: boolean;
  /** Delivered events leave the outbox this long after delivery; dead letters this long after they were
   *  written (they stay listed and replayable until then). */
  webhookKeepDeliveredMs: number;
  webhookKeepDeadMs: number;
  /** On a stop signal, HTTP requests under way may take this long to finish before their connections close. */
  shutdownGraceMs: number;
  /** The operator's bearer token for GET /metrics (Prometheus); null = no /metrics. A secret. */
  metricsToken: string | null;
  /** Reverse proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, or proxy-addr's
   *  `loopback`, `linklocal`, `uniquelocal`); empty = the socket's peer is the client. */
  trustProxy: string[];
}

export interface SipConfig {
  /** Where every call goes: OUTDIAL_SIP_TRUNK as parsed here, once (an IPv6 host without its brackets,
   *  port 5060 when left out); the driver takes it as it is. */
  trunk: { host: string; port: number };
  bindHost: string;
  bindPort: number;
  /** The address the trunk reaches this node at (Via, Contact, SDP); the bound one when null. */
  publicHost: string | null;
  username: string | null;
  /** Digest password for the trunk. A secret. */
  password: string | null;
  fromDomain: string | null;
  maxChannels: number | null;
  /** An answered call is hung up after this many seconds (a lost BYE must not hold a channel forever). */
  maxCallSec: number;
}

export type Env = Record<string, string | undefined>;

const MIB = 1024 * 1024;

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const tlsCert = optionalPath(env, "OUTDIAL_TLS_CERT");
  const tlsKey = optionalPath(env, "OUTDIAL_TLS_KEY");
  // Half a TLS setup would silently serve plain HTTP; refuse it instead.
  if ((tlsCert === null) !== (tlsKey === null)) {
    throw new ConfigError(
      tlsCert === null ? "OUTDIAL_TLS_CERT" : "OUTDIAL_TLS_KEY",
      "must be set together with its pair (OUTDIAL_TLS_CERT and OUTDIAL_TLS_KEY)",
    );
  }
  const driver = oneOf(env, "OUTDIAL_DRIVER", DRIVER_NAMES, "sim");
  const backoff = webhookBackoff(env);
  return Object.freeze({
    databaseUrl: readDatabaseUrl(
      "OUTDIAL_DATABASE_URL",
      text(env, "OUTDIAL_DATABASE_URL", "./data/outdial.db"),
    ),
    host: text(env, "OUTDIAL_HOST", "127.0.0.1"),
    port: integer(env, "OUTDIAL_PORT", 8080, 0, 65535),
    logLevel: oneOf(env, "OUTDIAL_LOG_LEVEL", LOG_LEVELS, "info"),
    driver,
    // As `simulate --seed`: the sim driver's hash folds a seed to 32 bits, so -1 would replay seed 0.
    simSeed: integer(env, "OUTDIAL_SIM_SEED", 1, 0, 4_294_967_295),
    simScenario: simScenario(env, "OUTDIAL_SIM_SCENARIO"),
    simDialLog: optionalText(env, "OUTDIAL_SIM_DIAL_LOG"),
    sip: driver === "sip" ? sipConfig(env) : null,
    // Below a second a lease would need renewing faster than one dispatch pass reliably runs.
    leaseMs: integer(env, "OUTDIAL_LEASE_MS", 60_000, 1000, 24 * 3600 * 1000),
    tlsCert,
    tlsKey,
    maxImportBytes: byteSize(env, "OUTDIAL_MAX_IMPORT_BYTES", 200 * MIB),
    importIdleMs: integer(env, "OUTDIAL_IMPORT_IDLE_SEC", 60, 1, 3600) * 1000,
    nodeId: text(env, "OUTDIAL_NODE_ID", defaultNodeId()),
    webhookBackoffBaseMs: backoff.baseMs,
    webhookBackoffMaxMs: backoff.maxMs,
    webhookTimeoutMs: integer(env, "OUTDIAL_WEBHOOK_TIMEOUT_MS", 10_000, 100, 300_000),
    webhookAllowPrivate: flag(env, "OUTDIAL_WEBHOOK_ALLOW_PRIVATE"),
    webhookKeepDeliveredMs:
      integer(env, "OUTDIAL_WEBHOOK_KEEP_DELIVERED_DAYS", DEFAULT_KEEP_DELIVERED_DAYS, 1, 3650) * 86_400_000,
    webhookKeepDeadMs:
      integer(env, "OUTDIAL_WEBHOOK_KEEP_DEAD_DAYS", DEFAULT_KEEP_DEAD_DAYS, 1, 3650) * 86_400_000,
    shutdownGraceMs: integer(env, "OUTDIAL_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    metricsToken: secret(env, "OUTDIAL_METRICS_TOKEN", 16),
    trustProxy: proxyList(env, "OUTDIAL_TRUST_PROXY"),
  });
}

/**
 * Host name, a random part and pid. Host name and pid alone repeat: containers with host networking (how
 * SIP usually runs in Docker or Kubernetes) share the host's name and are each pid 1, and two live
 * processes under one id would take each other's calls for a dead process's. The default never named a
 * process across restarts (a pid changes), so nothing relies on it being kept: that is OUTDIAL_NODE_ID's.
 */
function defaultNodeId(): string {
  return `${os.hostname()}-${crypto.randomUUID().slice(0, 8)}-${process.pid}`;
}

/** The configuration with secrets masked, safe to log or print. */
export function describeConfig(config: Readonly<Config>): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: maskUrlPassword(config.databaseUrl),
    metricsToken: config.metricsToken === null ? null : "***",
    sip:
      config.sip === null ? null : { ...config.sip, password: config.sip.password === null ? null : "***" },
  };
}

/** A sim scenario name or inline JSON, checked now: a typo would otherwise fail only the first dial. */
function simScenario(env: Env, name: string): string {
  const value = text(env, name, "default");
  try {
    resolveScenario(value);
  } catch (err) {
    throw new ConfigError(
      name,
      `is not a sim scenario: ${(err as Error).message.replace(/^scenario:\s*/, "")}`,
    );
  }
  return value;
}

/** The first webhook retry's delay and the ceiling it doubles up to; a first delay above the ceiling
 *  would be run as retries every ceiling, not what either number says. */
function webhookBackoff(env: Env): { baseMs: number; maxMs: number } {
  const baseMs = integer(env, "OUTDIAL_WEBHOOK_BACKOFF_BASE_MS", 10_000, 10, 3_600_000);
  const maxMs = integer(env, "OUTDIAL_WEBHOOK_BACKOFF_MAX_MS", 3_600_000, 10, 86_400_000);
  if (baseMs > maxMs) {
    throw new ConfigError(
      "OUTDIAL_WEBHOOK_BACKOFF_BASE_MS",
      `(${baseMs}) must not be above OUTDIAL_WEBHOOK_BACKOFF_MAX_MS (${maxMs})`,
    );
  }
  return { baseMs, maxMs };
}

/** host, host:port, [v6]:port, or sip:host[:port]: the trunk or the local address of the sip driver. */
const HOST_PORT = /^(?:sips?:)?(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/i;

function hostPort(name: string, fallbackPort: number, value: string): { host: string; port: number } {
  const m = HOST_PORT.exec(value);
  const port = m?.[2] === undefined ? fallbackPort : Number(m[2]);
  if (!m || port > 65535) {
    throw new ConfigError(
      name,
      `must be host[:port] (a sip: URI for the trunk), got ${quoteWithoutUserInfo(value)}`,
    );
  }
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}

/**
 * A refused value quoted for its message, without the user information of a `user:password@host` (what SIP
 * providers hand out, RFC 3261 §19.1.1): an error reaches stderr and whatever log a supervisor keeps. Up to
 * the last `@`, as a password may hold one.
 */
function quoteWithoutUserInfo(value: string): string {
  const at = value.lastIndexOf("@");
  return JSON.stringify(at === -1 ? value : `…${value.slice(at)}`);
}

function sipConfig(env: Env): SipConfig {
  const trunk = raw(env, "OUTDIAL_SIP_TRUNK");
  if (trunk === undefined)
    throw new ConfigError("OUTDIAL_SIP_TRUNK", "must be set when OUTDIAL_DRIVER is sip");
  // The driver speaks UDP only: a sips: trunk would get the cleartext its operator asked not to send.
  if (/^sips:/i.test(trunk)) {
    throw new ConfigError(
      "OUTDIAL_SIP_TRUNK",
      "is sips: (TLS), which the sip driver does not speak; use sip: (UDP)",
    );
  }
  // The driver takes digest credentials from their own variables, never from the trunk's URI.
  if (trunk.includes("@")) {
    throw new ConfigError(
      "OUTDIAL_SIP_TRUNK",
      `is a URI with user information (${quoteWithoutUserInfo(trunk)}), which is not taken: give the trunk as ` +
        "host[:port] or sip:host[:port] and its credentials in OUTDIAL_SIP_USERNAME and OUTDIAL_SIP_PASSWORD",
    );
  }
  const target = hostPort("OUTDIAL_SIP_TRUNK", 5060, trunk);
  if (target.port === 0) throw new ConfigError("OUTDIAL_SIP_TRUNK", "must name a port other than 0");
  const bind = hostPort("OUTDIAL_SIP_BIND", 5060, text(env, "OUTDIAL_SIP_BIND", "127.0.0.1:5060"));
  const publicHost = bareHost(env, "OUTDIAL_SIP_PUBLIC_HOST");
  // A wildcard address cannot go into Via or Contact: the trunk would not know where to answer.
  if (publicHost === null && isUnspecified(bind.host)) {
    throw new ConfigError(
      "OUTDIAL_SIP_PUBLIC_HOST",
      `must be set when OUTDIAL_SIP_BIND is a wildcard (${bind.host})`,
    );
  }
  const username = optionalText(env, "OUTDIAL_SIP_USERNAME");
  // It is written into every Authorization header: printable, no quote or backslash, no space.
  if (username !== null && !/^[!#-[\]-~]+$/.test(username)) {
    throw new ConfigError(
      "OUTDIAL_SIP_USERNAME",
      "must be printable ASCII without spaces, quotes or backslashes",
    );
  }
  const password = optionalText(env, "OUTDIAL_SIP_PASSWORD");
  if ((username === null) !== (password === null)) {
    throw new ConfigError(
      username === null ? "OUTDIAL_SIP_USERNAME" : "OUTDIAL_SIP_PASSWORD",
      "must be set together with its pair (OUTDIAL_SIP_USERNAME and OUTDIAL_SIP_PASSWORD)",
    );
  }
  const maxChannels = integer(env, "OUTDIAL_SIP_MAX_CHANNELS", 0, 0, 100_000);
  return {
    trunk: target,
    bindHost: bind.host,
    bindPort: bind.port,
    publicHost,
    username,
    password,
    fromDomain: bareHost(env, "OUTDIAL_SIP_FROM_DOMAIN"),
    maxChannels: maxChannels === 0 ? null : maxChannels,
    maxCallSec: integer(env, "OUTDIAL_SIP_MAX_CALL_SEC", 4 * 3600, 10, 7 * 86_400),
  };
}

/** A host name or IP address alone (it goes into Via, Contact, SDP or From), or null when unset. */
function bareHost(env: Env, name: string): string | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  if (net.isIP(value) || /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)) return value;
  throw new ConfigError(
    name,
    `must be a host name or IP address alone (no port, no scheme), got ${quoteWithoutUserInfo(value)}`,
  );
}

/** 0.0.0.0, ::, [::0] and the like: every address, none a peer can answer to. */
function isUnspecified(host: string): boolean {
  if (net.isIPv4(host)) return host === "0.0.0.0";
  if (net.isIPv6(host)) return new URL(`http://[${host}]`).hostname === "[::]";
  return false;
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function optionalText(env: Env, name: string): string | null {
  return raw(env, name) ?? null;
}

/** A token, long enough not to be guessed; null when unset. */
function secret(env: Env, name: string, minLength: number): string | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  if (value.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters long`);
  return value;
}

/**
 * The TLS files' contents, each checked on its own so that a bad one is named by its variable (node's
 * own errors name neither: "PEM routines::no start line"); undefined when TLS is off.
 */
export function readTlsFiles(config: Pick<Config, "tlsCert" | "tlsKey">): TlsFiles | undefined {
  if (config.tlsCert === null || config.tlsKey === null) return undefined;
  const cert = readNamedFile(TLS_CERT, config.tlsCert);
  const key = readNamedFile(TLS_KEY, config.tlsKey);
  try {
    // X509Certificate reads DER too, which the TLS context does not: a DER file is refused here, named.
    if (!cert.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate block in it");
    new crypto.X509Certificate(cert);
  } catch (err) {
    throw refused(TLS_CERT, `names a file that holds no PEM certificate (${config.tlsCert})`, err);
  }
  try {
    crypto.createPrivateKey(key);
  } catch (err) {
    throw refused(TLS_KEY, `names a file that holds no unencrypted private key (${config.tlsKey})`, err);
  }
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    throw refused(TLS_KEY, "is not the key of the certificate in OUTDIAL_TLS_CERT", err);
  }
  return { cert, key };
}

/** A file's bytes; one that cannot be read (a directory, no permission) is refused naming its variable. */
function readNamedFile(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw refused(variable, `names a file that cannot be read (${file})`, err);
  }
}

function refused(variable: string, what: string, err: unknown): ConfigError {
  return new ConfigError(variable, `${what}: ${err instanceof Error ? err.message : String(err)}`);
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

const TLS_CERT = "OUTDIAL_TLS_CERT";
const TLS_KEY = "OUTDIAL_TLS_KEY";

function optionalPath(env: Env, name: string): string | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  if (!fs.existsSync(value)) throw new ConfigError(name, `names a file that does not exist: ${value}`);
  return value;
}

/** 1/true/yes or 0/false/no; false when unset. */
function flag(env: Env, name: string): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return false;
  if (["1", "true", "yes"].includes(value)) return true;
  if (["0", "false", "no"].includes(value)) return false;
  throw new ConfigError(name, `must be 1 or 0 (true or false), got ${JSON.stringify(value)}`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

const PROXY_RANGE_NAMES = ["loopback", "linklocal", "uniquelocal"];

/** A comma-separated list of proxies to trust. Named ones only, never "any": trusting every peer would let
 *  any client choose the address its password tries are counted under. */
function proxyList(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  return value.split(",").map((entry) => {
    const item = entry.trim();
    if (PROXY_RANGE_NAMES.includes(item)) return item;
    const [address, bits, extra] = item.split("/");
    const family = net.isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    // A /0 is every address: "trust any peer" under another name.
    const bitsOk =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= maxBits);
    if (family === 0 || !bitsOk || extra !== undefined) {
      throw new ConfigError(
        name,
        `must list addresses or CIDR ranges (or ${PROXY_RANGE_NAMES.join(", ")}), comma-separated; got ${JSON.stringify(item)}`,
      );
    }
    return item;
  });
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kib: 1024, m: MIB, mib: MIB };
BYTE_UNITS.g = BYTE_UNITS.gib = 1024 * MIB;

/** Bytes as a plain integer or with a binary unit: 209715200, 200MiB, 200M, 1GiB. */
function byteSize(env: Env, name: string, fallback: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value);
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new ConfigError(
      name,
      `must be a byte count such as 209715200 or 200MiB, got ${JSON.stringify(value)}`,
    );
  }
  const bytes = Number(m[1]) * unit;
  if (bytes < 1 || !Number.isSafeInteger(bytes)) throw new ConfigError(name, `is out of range: ${value}`);
  return bytes;
}
