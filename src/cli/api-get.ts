// What the CLI's commands that ask a running outdial share: where it is, the key, and one GET.
export interface ApiTarget {
  url?: string;
  key?: string;
}

/** GETs `path` from the running outdial; a refusal is printed and gives null. */
export async function apiGet(path: string, target: ApiTarget): Promise<unknown | null> {
  const url = (target.url ?? `http://127.0.0.1:${process.env.OUTDIAL_PORT ?? 8080}`).replace(/\/+$/, "");
  const key = target.key ?? process.env.OUTDIAL_API_KEY;
  if (!key) throw new Error("an API key is needed: --key or OUTDIAL_API_KEY");
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const body = await res.json();
  if (!res.ok) {
    process.stderr.write(`${res.status}: ${body?.error?.message ?? JSON.stringify(body)}\n`);
    return null;
  }
  return body;
}
