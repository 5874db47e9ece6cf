// outdial as a real child process (bin/outdial.mjs serve), for the tests that kill it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

// Seconds, not minutes: the campaign must finish in the test's time on the wall clock.
export const FAST_SCENARIO = {
  outcomes: { human: 0.35, machine: 0.1, busy: 0.2, no_answer: 0.25, failed: 0.1, rejected: 0 },
  postDialSec: { kind: "uniform", min: 0, max: 0.2 },
  busySec: { kind: "uniform", min: 0.1, max: 0.5 },
  ringSec: { kind: "uniform", min: 0.2, max: 1.5 },
  talkSec: { kind: "uniform", min: 0.5, max: 3 },
  machineSec: { kind: "uniform", min: 0.3, max: 1 },
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Starts `outdial serve` as a child process; `script` may name a test entry (outdial-hooked.mjs). */
export function startOutdial(
  env: NodeJS.ProcessEnv,
  script = "bin/outdial.mjs",
): {
  child: ChildProcess;
  output: () => string;
  ready: Promise<void>;
} {
  const child = spawn(process.execPath, [script, "serve"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (/outdial listening on/.test(out)) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(t);
      reject(new Error(`outdial exited with ${code} before it was ready:\n${out}`));
    });
  });
  return { child, output: () => out, ready };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null> | T | null,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** JSON calls to a running outdial with an API key; a non-2xx answer throws with its body. */
export function apiClient(base: string, key: string) {
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answered
  return async (method: string, url: string, body?: unknown): Promise<any> => {
    const res = await fetch(base + url, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** A fresh directory for a child's database and dial log, a free port, and the environment for them:
 *  the sim driver on FAST_SCENARIO with 2 s leases and a dial log, unless `more` says otherwise. */
export async function childSetup(prefix: string, more: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const port = await freePort();
  const env = {
    OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db"),
    OUTDIAL_HOST: "127.0.0.1",
    OUTDIAL_PORT: String(port),
    OUTDIAL_LEASE_MS: "2000",
    OUTDIAL_SIM_SCENARIO: JSON.stringify(FAST_SCENARIO),
    OUTDIAL_SIM_DIAL_LOG: path.join(dir, "dial.log"),
    OUTDIAL_LOG_LEVEL: "warn",
    ...more,
  };
  return { dir, env, base: `http://127.0.0.1:${port}` };
}

/** The call ids the far side saw (the sim driver's dial log), one per originate, in order. */
export function dialLog(file: string): string[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => String((JSON.parse(line) as { callId: string }).callId))
    : [];
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ReturnType<typeof startOutdial>["child"]): Promise<unknown> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(null);
    else child.once("exit", resolve);
  });
}

/** Runs `outdial ARGS…` to its end with `env` added: its exit code, stdout and stderr. */
export function outdialSync(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/outdial.mjs", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
