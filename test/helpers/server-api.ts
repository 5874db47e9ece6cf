// A whole server started in this process, on port 0 with its logs silenced, and a caller of its API under
// the owner key its first start made: for tests of what a node does around its own start and stop.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/config.ts";
import { startServer } from "../../src/server.ts";

export type ApiCall = (method: string, url: string, body?: unknown) => Promise<{ id: number }>;

/** startServer on `env` (OUTDIAL_DATABASE_URL at least), and `call`, which asserts each answer is 2xx. */
export async function serverWithApi(env: Record<string, string>) {
  const config = loadConfig({ OUTDIAL_PORT: "0", OUTDIAL_LOG_LEVEL: "silent", ...env });
  let key = "";
  const server = await startServer(config, {
    onReady: (_s, k) => {
      key = k ?? "";
    },
  });
  const call: ApiCall = async (method, url, body) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${await res.clone().text()}`);
    return res.json() as Promise<{ id: number }>;
  };
  return { server, call };
}
