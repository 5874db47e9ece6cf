// The Twin24 face under test: the whole app on in-memory SQLite, the real engine on a virtual clock and
// the sim driver (with a chosen scenario) behind a driver that keeps every originate request. Also the
// seed's task body, ready to be varied field by field.
import assert from "node:assert/strict";
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

/** Monday 2026-01-05 12:00 UTC (15:00 in Moscow). */
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export interface Twin24Fixture {
  app: FastifyInstance;
  store: Store;
  clock: VirtualClock;
  engine: Engine;
  accountId: number;
  key: string;
  /** Originate requests the engine made, in order. */
  originated: OriginateRequest[];
  call(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  keyWithRole(role: Role): Promise<string>;
  /** Creates a task (200 expected) and returns its uuid. */
  createTask(body: Record<string, unknown>): Promise<string>;
  addCandidates(uuid: string, batch: unknown[]): Promise<Record<string, unknown>>;
  command(uuid: string, command: "start" | "pause" | "resume" | "stop"): Promise<LightMyRequestResponse>;
  task(uuid: string): Promise<{ status: string; campaignId: number; [k: string]: unknown }>;
  /** Runs the virtual clock for `ms`. */
  run(ms: number): Promise<void>;
  attempts(uuid: string): Promise<AttemptRow[]>;
  close(): Promise<void>;
}

export async function twin24Fixture(
  opts: {
    scenario?: string | Record<string, unknown>;
    start?: number;
    /** The store to run on (test/helpers/stores.ts dialects()); SQLite in memory by default. */
    openStore?: () => Promise<Store>;
    /** The engine's maintenance spacing: a test idling through hours where nothing changes behind the
     *  engine's back runs them faster with a pass a minute. */
    maintenanceMs?: number;
  } = {},
): Promise<Twin24Fixture> {
  const store = opts.openStore ? await opts.openStore() : await openStore({ url: ":memory:" });
  const clock = new VirtualClock(opts.start ?? T0);
  const driver = new KeepingDriver(
    createDriver("sim", { clock }, { seed: 1, scenario: opts.scenario ?? "all_human" }),
  );
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: "twin24-test",
    leaseMs: 3_600_000,
    maintenanceMs: opts.maintenanceMs,
    onError: (err) => errors.push(err),
  });
  const app = await buildApp({
    store,
    engine,
    clock,
    config: loadConfig({ OUTDIAL_DATABASE_URL: ":memory:" }),
  });
  await app.ready();
  const accountId = await insertAccount(store.db, "acme", clock.now());
  const issue = async (role: Role) =>
    (await issueApiKey(store.db, { accountId, name: role, role, now: clock.now() })).key;
  const key = await issue("owner");
  await engine.run();
  const call: Twin24Fixture["call"] = ({ key: k, headers, ...rest }) => {
    const used = k === undefined ? key : k;
    return app.inject({
      ...rest,
      headers: { ...(used === null ? {} : { authorization: `Bearer ${used}` }), ...headers },
    });
  };
  const f: Twin24Fixture = {
    app,
    store,
    clock,
    engine,
    accountId,
    key,
    originated: driver.requests,
    call,
    keyWithRole: issue,
    async createTask(body) {
      const res = await call({ method: "POST", url: "/cis/api/v1/telephony/autoCall", payload: body });
      if (res.statusCode !== 200) throw new Error(`create task: ${res.statusCode} ${res.body}`);
      return (res.json() as { id: { identity: string } }).id.identity;
    },
    async addCandidates(uuid, batch) {
      const res = await call({
        method: "POST",
        url: `/cis/api/v1/telephony/autoCall/${uuid}/candidates`,
        payload: { batch },
      });
      if (res.statusCode !== 200) throw new Error(`add candidates: ${res.statusCode} ${res.body}`);
      return res.json();
    },
    command: (uuid, command) =>
      call({ method: "POST", url: `/cis/api/v1/telephony/autoCall/${uuid}/${command}` }),
    async task(uuid) {
      const res = await call({ method: "GET", url: `/cis/api/v1/telephony/autoCall/${uuid}` });
      if (res.statusCode !== 200) throw new Error(`read task: ${res.statusCode} ${res.body}`);
      return res.json();
    },
    async run(ms) {
      await clock.run({ until: clock.now() + ms });
      if (errors.length) throw errors[0];
    },
    async attempts(uuid) {
      const t = await f.task(uuid);
      return store.db
        .selectFrom("attempts")
        .selectAll()
        .where("campaign_id", "=", t.campaignId)
        .orderBy("started_at")
        .orderBy("id")
        .execute();
    },
    async close() {
      await app.close();
      await engine.shutdown();
      await driver.close();
      await store.close();
    },
  };
  return f;
}

/** The seed's example body, minus the ids that must name stored objects (scheduleId, cidData). */
export function seedBody(): Record<string, unknown> {
  const rule = { redial: false, time: 1, count: 1 };
  const event = (name: string) => ({ name, value: true });
  return {
    name: "test_autocall",
    taskComment: "API test call task",
    startType: "time",
    startMoment: "2023-06-02 10:00",
    defaultExec: "robot",
    defaultExecData: "228cc4fa-92f2-4709-94e3-7344a96a5903",
    secondExec: "ch",
    secondExecData: "48a77bd7-8762-4e0f-a277-4ef77e36c41b",
    cidType: "default",
    callStrategy: "STEP_2_STEP",
    cps: 1.03,
    checkPhone: true,
    sendReportAfterFinish: true,
    webhookUrls: [
      {
        url: "https://example.com",
        partialResults: true,
        delay: 4,
        events: Object.fromEntries(
          [
            "CALL_ENDED",
            "CANDIDATE_CHANGED",
            "CALL_REDIRECTED",
            "RECALL_SCHEDULED",
            "EFFICIENCY_REACHED",
            "AUTOCALL_STATUS_CHANGED",
          ].map((n) => [n, event(n)]),
        ),
      },
    ],
    additionalOptions: {
      fullListMethod: "reject",
      fullListTime: 0,
      allowCallTimeFrom: 0,
      allowCallTimeTo: 86399,
      recordCall: true,
      recTrimLeft: 0,
      useTr: false,
      detectRobot: true,
      detectRobotMode: "back",
      detectRobotGreeting: "bce7d22e-dde6-4427-b391-ebbdfda44de6",
    },
    redialStrategyOptions: {
      redialStrategyEn: false,
      candidateLimit: { redial: false, count: 0 },
      numberLimit: { redial: false, count: 0 },
      busy: { ...rule },
      noAnswer: { ...rule },
      answerMash: { ...rule },
      congestion: { ...rule },
      answerNoList: { ...rule },
    },
  };
}

/** A manual task with no webhooks, changed by `patch` (one level deep for the two option objects). */
export function manualTask(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const base = seedBody();
  const { additionalOptions, redialStrategyOptions, ...rest } = patch;
  return {
    ...base,
    startType: "manual",
    startMoment: "",
    webhookUrls: [],
    ...rest,
    additionalOptions: {
      ...(base.additionalOptions as object),
      detectRobot: false,
      ...((additionalOptions as object) ?? {}),
    },
    redialStrategyOptions: {
      ...(base.redialStrategyOptions as object),
      ...((redialStrategyOptions as object) ?? {}),
    },
  };
}

/** Redial rule of the seed's shape. */
export function redial(time: number, count: number) {
  return { redial: true, time, count };
}

/** Runs `fn` on a fresh fixture whose sim driver plays `scenario` (on `openStore`'s database, SQLite in
 *  memory by default), and closes it. */
export async function withFixture(
  scenario: string | Record<string, unknown>,
  fn: (f: Twin24Fixture) => Promise<void>,
  openStore?: () => Promise<Store>,
  more: { maintenanceMs?: number } = {},
): Promise<void> {
  const f = await twin24Fixture({ scenario, openStore, ...more });
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

/** A manual task (manualTask(patch)) with `candidates`, started. */
export async function started(
  f: Twin24Fixture,
  patch: Record<string, unknown>,
  candidates: unknown[],
): Promise<string> {
  const uuid = await f.createTask(manualTask(patch));
  const report = (await f.addCandidates(uuid, candidates)) as { added: number };
  assert.equal(report.added, candidates.length);
  const res = await f.command(uuid, "start");
  assert.equal(res.statusCode, 200, res.body);
  return uuid;
}

/** `n` distinct E.164 numbers from `base` on. */
export function numbers(n: number, base = 79162220000): string[] {
  return Array.from({ length: n }, (_, i) => `+${base + i}`);
}

/** Differences between consecutive times. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}
