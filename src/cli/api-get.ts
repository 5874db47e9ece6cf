// What the CLI's commands that ask a running outdial share: where it is, the key, and one GET.
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
  // fetch's own "fetch failed" says nothing of where or why; a user needs both (is outdial running?).
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new Error(`cannot reach outdial at ${url} (${why}): is it running? (--url or OUTDIAL_PORT)`);
  }
  // A proxy's HTML error page, or something else on that port, is not outdial's JSON.
  const text = await res.text();
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
