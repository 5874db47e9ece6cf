// What the CLI's commands that ask a running outdial share: where it is, the key, and one GET.
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import { Agent, fetch } from "undici";

export interface ApiTarget {
  url?: string;
  key?: string;
}

/**
 * Where `outdial serve` listens under the same OUTDIAL_* settings: https when it has a certificate (an
 * http request to it only ever gets "socket closed"), its host unless that is every interface.
 */
export function defaultApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  const scheme = env.OUTDIAL_TLS_CERT ? "https" : "http";
  const listen = env.OUTDIAL_HOST?.trim() || "127.0.0.1";
  const host = listen === "0.0.0.0" ? "127.0.0.1" : listen === "::" ? "[::1]" : listen;
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${scheme}://${bracketed}:${env.OUTDIAL_PORT?.trim() || 8080}`;
}

/**
 * How to trust the node found at defaultApiUrl: https://127.0.0.1 is a name its certificate (made for the
 * server's DNS name) never holds, so the usual check would refuse every real one. The CLI reads the very
 * certificate the node serves (OUTDIAL_TLS_CERT, under the same settings) and trusts exactly that one,
 * whatever name it was reached by. This is safe: the handshake makes the server prove it holds that
 * certificate's private key, and only the certificate itself is trusted (its first one, not a chain: an
 * intermediate CA trusted by itself would let any certificate it issued through), checked by fingerprint.
 */
function pinnedCertificate(certFile: string): { agent: Agent; names: string[] } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(fs.readFileSync(certFile));
  } catch (err) {
    throw new Error(
      `OUTDIAL_TLS_CERT (${certFile}) holds no certificate the CLI can read (${(err as Error).message}): pass --url`,
    );
  }
  const agent = new Agent({
    connect: {
      ca: cert.toString(),
      // The pinned certificate is no CA: OpenSSL takes it as the end of the chain only when told to.
      allowPartialTrustChain: true,
      // The pinned certificate is the identity, not a name in it (see above).
      checkServerIdentity: (_host, peer) =>
        peer.fingerprint256 === cert.fingerprint256
          ? undefined
          : Object.assign(new Error("the server's certificate is not the one in OUTDIAL_TLS_CERT"), {
              code: "CERT_NOT_OUTDIAL_TLS_CERT",
            }),
    },
  });
  const names = (cert.subjectAltName ?? "")
    .split(", ")
    .filter((n) => n.startsWith("DNS:"))
    .map((n) => n.slice(4));
  return { agent, names };
}

/** A TLS failure (an error code of OpenSSL's or node's TLS, or our own pin's), not a missing server. */
const isCertificateError = (code: string | undefined) =>
  code !== undefined && /CERT|SSL|TLS|UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(code);

/** GETs `path` from the running outdial; a refusal is printed and gives null. */
export async function apiGet(path: string, target: ApiTarget): Promise<unknown | null> {
  const url = (target.url ?? defaultApiUrl()).replace(/\/+$/, "");
  const key = (target.key ?? process.env.OUTDIAL_API_KEY)?.trim();
  if (!key) throw new Error("an API key is needed: --key or OUTDIAL_API_KEY");
  // A header carries printable ASCII only; fetch's own refusal would print the whole key (and blame the
  // server). The key is never repeated in the message.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new Error(
      "the API key (--key or OUTDIAL_API_KEY) holds a space, line break or other character a header cannot carry",
    );
  }
  const certFile = process.env.OUTDIAL_TLS_CERT;
  const pinned = target.url === undefined && certFile ? pinnedCertificate(certFile) : null;
  // fetch's own "fetch failed" says nothing of where or why; a user needs both (is outdial running?).
  let res: Awaited<ReturnType<typeof fetch>>;
  let text: string;
  try {
    try {
      res = await fetch(`${url}${path}`, {
        headers: { authorization: `Bearer ${key}` },
        dispatcher: pinned?.agent,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      if (isCertificateError(cause?.code)) {
        const port = new URL(url).port || "443";
        const name = pinned?.names[0] ?? "<a name in its certificate>";
        throw new Error(
          `cannot reach outdial at ${url}: certificate refused (${why}): pass --url https://${name}:${port}`,
        );
      }
      throw new Error(`cannot reach outdial at ${url} (${why}): is it running? (--url or OUTDIAL_PORT)`);
    }
    text = await res.text();
  } finally {
    await pinned?.agent.close();
  }
  // A proxy's HTML error page, or something else on that port, is not outdial's JSON.
  let body: { error?: { message?: string } } | null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const message = body?.error?.message ?? `${res.statusText}, not an outdial answer (is ${url} outdial?)`;
    process.stderr.write(`${res.status}: ${message}\n`);
    return null;
  }
  if (body === null) throw new Error(`${url}${path} did not answer with JSON: is it outdial?`);
  return body;
}
