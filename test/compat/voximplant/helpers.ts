// The Voximplant face under test: the whole app on in-memory SQLite with the real engine on a virtual clock
// and the sim driver (keeping every originate request), reachable by inject or, with `tls`, over HTTPS on
// 127.0.0.1 with a certificate signed by a test CA. Also service-account credentials and form bodies.
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { issueApiKey } from "../../../src/api/plugins/auth.ts";
import type { Role } from "../../../src/api/plugins/permissions.ts";
import { buildApp } from "../../../src/app.ts";
import { VirtualClock } from "../../../src/clock/virtual-clock.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { insertAccount } from "../../../src/store/accounts.ts";
import { openStore, type Store } from "../../../src/store/db.ts";
import type { AttemptRow } from "../../../src/store/schema.ts";
import type { OriginateRequest } from "../../../src/telephony/driver.ts";
import { createDriver } from "../../../src/telephony/index.ts";
import { KeepingDriver } from "../../helpers/keeping-driver.ts";
import { testPki } from "../../helpers/test-pki.ts";

/** Monday 2026-01-05 12:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export interface VoxFixture {
  app: FastifyInstance;
  store: Store;
  clock: VirtualClock;
  engine: Engine;
  accountId: number;
  key: string;
  originated: OriginateRequest[];
  /** With `tls`: "127.0.0.1:<port>" (the client's host option). */
  host: string;
  call(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  /** `POST /platform_api` url-encoded with `cmd`; the answer's JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the method answered
  vox(cmd: string, fields: Record<string, string | number>, key?: string | null): Promise<any>;
  keyWithRole(role: Role): Promise<string>;
  /** A service account's credentials file ({account_id, key_id, private_key}), written to a temp file. */
  credentialsFile(role?: Role): Promise<string>;
  run(ms: number): Promise<void>;
  attempts(listId: number): Promise<AttemptRow[]>;
  close(): Promise<void>;
}

export async function voxFixture(
  opts: {
    scenario?: string | Record<string, unknown>;
    start?: number;
    tls?: boolean;
    /** Channels across all campaigns; null = the driver's. */
    maxChannels?: number;
    store?: () => Promise<Store>;
  } = {},
): Promise<VoxFixture> {
  const store = opts.store ? await opts.store() : await openStore({ url: ":memory:" });
  const clock = new VirtualClock(opts.start ?? T0);
  const driver = new KeepingDriver(
    createDriver("sim", { clock }, { seed: 1, scenario: opts.scenario ?? "all_human" }),
  );
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: "vox-test",
    leaseMs: 3_600_000,
    maxChannels: opts.maxChannels ?? null,
    onError: (e) => errors.push(e),
  });
  const tls = opts.tls ? testPki() : null;
  const app = await buildApp({
    store,
    engine,
    clock,
    config: loadConfig({ OUTDIAL_DATABASE_URL: ":memory:" }),
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  });
  await app.ready();
  let host = "";
  if (tls) {
    await app.listen({ host: "127.0.0.1", port: 0 });
    host = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // Trust the test CA in this process's default agent (the one the official client's axios uses).
    https.globalAgent.options.ca = tls.ca;
  }
  const accountId = await insertAccount(store.db, "acme", clock.now());
  const issue = async (role: Role) =>
    (await issueApiKey(store.db, { accountId, name: role, role, now: clock.now() })).key;
  const key = await issue("owner");
  await engine.run();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-vox-cred-"));
  const call: VoxFixture["call"] = ({ key: k, headers, ...rest }) => {
    const used = k === undefined ? key : k;
    return app.inject({
      ...rest,
      headers: { ...(used === null ? {} : { authorization: `Bearer ${used}` }), ...headers },
    });
  };
  const f: VoxFixture = {
    app,
    store,
    clock,
    engine,
    accountId,
    key,
    host,
    originated: driver.requests,
    call,
    async vox(cmd, fields, k) {
      const body = new URLSearchParams({
        cmd,
        ...Object.fromEntries(Object.entries(fields).map(([a, b]) => [a, String(b)])),
      });
      const res = await call({
        method: "POST",
        url: "/platform_api",
        key: k,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: body.toString(),
      });
      if (res.statusCode !== 200) throw new Error(`${cmd}: HTTP ${res.statusCode} ${res.body}`);
      return res.json();
    },
    keyWithRole: issue,
    async credentialsFile(role = "developer") {
      const res = await call({
        method: "POST",
        url: "/v1/service-accounts",
        payload: { name: `vox-${role}`, role },
      });
      if (res.statusCode !== 201) throw new Error(`service account: ${res.statusCode} ${res.body}`);
      const file = path.join(tmp, `${role}-${Date.now()}-${Math.random()}.json`);
      fs.writeFileSync(file, JSON.stringify(res.json().credentials));
      return file;
    },
    async run(ms) {
      await clock.run({ until: clock.now() + ms });
      if (errors.length) throw errors[0];
    },
    attempts: (listId) =>
      store.db
        .selectFrom("attempts")
        .selectAll()
        .where("campaign_id", "=", listId)
        .orderBy("started_at")
        .orderBy("id")
        .execute(),
    async close() {
      await app.close();
      await engine.shutdown();
      await driver.close();
      await store.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return f;
}

/** A multipart body as a browser or form-data would send it, for inject. */
export async function multipartBody(
  fields: Record<string, string | Blob>,
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const req = new Request("http://x/", { method: "POST", body: form });
  return {
    payload: Buffer.from(await req.arrayBuffer()),
    headers: { "content-type": req.headers.get("content-type")! },
  };
}

/** The fields every CreateCallList needs. */
export function listFields(patch: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    rule_id: 7,
    priority: 1,
    max_simultaneous: 2,
    num_attempts: 1,
    name: "spring",
    file_content: "phone_number;first_name\n+12125550101;Ann\n+12125550102;Bob\n",
    ...patch,
  };
}
