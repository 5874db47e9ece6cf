// The API under test: the whole app on a real in-memory SQLite store, with API keys, rows written
// directly with Kysely, and the real engine on a virtual clock that is never advanced (nothing is dialed).
import assert from "node:assert/strict";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { issueApiKey } from "../../src/api/plugins/auth.ts";
import type { Role } from "../../src/api/plugins/permissions.ts";
import { type AppDeps, buildApp } from "../../src/app.ts";
import type { PacingBody } from "../../src/cli/pacing.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { loadConfig } from "../../src/config/config.ts";
import { Engine } from "../../src/engine/engine.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import type { NewContact } from "../../src/store/schema.ts";
import { createDriver } from "../../src/telephony/index.ts";

/** The real engine, on the virtual clock and the sim driver, with a count of its wake() calls (and of the
 *  passes an edit's re-read asks for) so a test can see the API tell it about new contacts and edits. The
 *  clock is not advanced here, so nothing is ever dialed. */
export class ObservedEngine extends Engine {
  wakes = 0;
  override wake(): void {
    this.wakes++;
    super.wake();
  }
  override async reload(campaignId: number): Promise<void> {
    this.wakes++;
    await super.reload(campaignId);
  }

  /** The wake count once no wake() came for `quietMs`: a change made just before (an agent created tells
   *  the engine after its database work, later on a slow database) cannot land in a count taken after.
   *  The quiet time is long enough for that work on a busy PostgreSQL (its statements can take tens of ms). */
  async settledWakes(quietMs = 400, ms = 5000): Promise<number> {
    const until = Date.now() + ms;
    for (;;) {
      const seen = this.wakes;
      await new Promise((r) => setTimeout(r, quietMs));
      if (this.wakes === seen || Date.now() > until) return this.wakes;
    }
  }

  /** Resolves once wake() was called after the count `since` (a queue change tells the engine after its
   *  database work, not before the request's answer); fails after `ms` of wall time. */
  async wokenSince(since: number, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (this.wakes <= since) {
      if (Date.now() > until) throw new Error(`the engine was not woken within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export interface ApiFixture {
  app: FastifyInstance;
  store: Store;
  engine: ObservedEngine;
  clock: VirtualClock;
  accountId: number;
  /** An owner key of `accountId`. */
  key: string;
  /** Another key of the same account with `role`. */
  keyWithRole(role: Role, accountId?: number): Promise<string>;
  newAccount(name: string): Promise<{ accountId: number; key: string }>;
  /** Injects with the owner key unless `key` says otherwise (null = no Authorization header). */
  call(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** `open` picks the database (test/helpers/stores.ts `dialects()`); SQLite in memory by default. */
export async function apiFixture(
  open: () => Promise<Store> = () => openStore({ url: ":memory:" }),
  /** More configuration, as environment variables (OUTDIAL_METRICS_TOKEN, say). */
  env: Record<string, string> = {},
  /** The app's logger (AppDeps.logger); silent by default. */
  logger: AppDeps["logger"] = false,
  /** The engine's lease and maintenance spacing: a test that idles through virtual days where nothing
   *  changes behind the engine's back runs them faster with fewer passes (see test/helpers/engine-harness). */
  timing: { leaseMs?: number; maintenanceMs?: number } = {},
): Promise<ApiFixture> {
  const store = await open();
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  const driver = createDriver("sim", { clock }, { seed: 1 });
  const engine = new ObservedEngine({
    store,
    clock,
    driver,
    nodeId: "api-test",
    leaseMs: timing.leaseMs ?? 60_000,
    maintenanceMs: timing.maintenanceMs,
  });
  const config = loadConfig({ OUTDIAL_DATABASE_URL: ":memory:", ...env });
  const app = await buildApp({ store, engine, clock, config, logger });
  await app.ready();
  const issue = async (role: Role, accountId: number): Promise<string> =>
    (await issueApiKey(store.db, { accountId, name: role, role, now: clock.now() })).key;
  const newAccount = async (name: string): Promise<{ accountId: number; key: string }> => {
    const accountId = await insertAccount(store.db, name, clock.now());
    return { accountId, key: await issue("owner", accountId) };
  };
  const { accountId: ownerAccount, key } = await newAccount("acme");
  const keyWithRole = (role: Role, accountId: number = ownerAccount) => issue(role, accountId);
  return {
    app,
    store,
    engine,
    clock,
    accountId: ownerAccount,
    key,
    keyWithRole,
    newAccount,
    call({ key: callKey, headers, ...opts }) {
      const k = callKey === undefined ? key : callKey;
      return app.inject({
        ...opts,
        headers: { ...(k === null ? {} : { authorization: `Bearer ${k}` }), ...headers },
      });
    },
    async close() {
      await app.close();
      await engine.shutdown();
      await driver.close();
      await store.close();
    },
  };
}

/** The `{error: {...}}` body of a refused request. */
/** Advances the fixture's virtual clock `stepMs` at a time (letting the server's promises run between
 *  steps) until `done` holds; fails after `maxSteps` steps. */
export async function advanceClockUntil(
  f: ApiFixture,
  done: () => boolean,
  stepMs = 1000,
  maxSteps = 600,
): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    await f.clock.run({ until: f.clock.now() + stepMs });
    await new Promise((r) => setTimeout(r, 2));
  }
  // What the last steps set off may still be on its way through the database (a write the engine does not
  // await, a busy or slow server): up to 5 s more of wall time, with the virtual clock held still.
  for (const end = Date.now() + 5000; !done() && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error(`the awaited state did not come within ${maxSteps} steps of ${stepMs} ms`);
}

/**
 * Shorthands the agent tests share over a fixture set up in `before` (hence the getter): a POST with a
 * JSON body, an agent's live state ("logged_out" when it has none), advancing the virtual clock until a
 * condition holds, and a campaign's attempts in id order.
 */
export function agentShorthands(fixture: () => ApiFixture) {
  const post = (url: string, payload: unknown = {}) =>
    fixture().call({ method: "POST", url, payload: payload as object });
  return {
    post,
    /** Logs the agents in to the campaign, starts it, and runs the clock (500 ms steps, at most `maxSteps`)
     *  until more than `moreThan` of its calls have been dialed. */
    startDialing: async (campaignId: number, agentIds: number[], moreThan = 0, maxSteps = 100) => {
      for (const id of agentIds) {
        const login = await post(`/v1/agents/${id}/login`, { campaignId });
        assert.equal(login.statusCode, 200, login.body);
      }
      const f = fixture();
      const dialed = f.engine.dispatcher.stats.originated;
      const start = await post(`/v1/campaigns/${campaignId}/start`);
      assert.equal(start.statusCode, 200, start.body);
      await advanceClockUntil(
        f,
        () => f.engine.dispatcher.stats.originated > dialed + moreThan,
        500,
        maxSteps,
      );
    },
    state: (agentId: number) => fixture().engine.board.get(agentId)?.state ?? "logged_out",
    advanceUntil: (done: () => boolean, stepMs?: number, maxSteps?: number) =>
      advanceClockUntil(fixture(), done, stepMs, maxSteps),
    attempts: (campaignId: number) =>
      fixture()
        .store.db.selectFrom("attempts")
        .selectAll()
        .where("campaign_id", "=", campaignId)
        .orderBy("id")
        .execute(),
  };
}

/**
 * A campaign for agent tests (`settings` over: every callee answers as a person, at any hour), its
 * contacts (a phone each, custom fields and a time zone optional) and new agents by name, all in its queue with the
 * penalties given (0 by default). The agents are not logged in; the campaign is not started.
 */
export async function agentCampaign(
  f: ApiFixture,
  o: {
    name: string;
    settings: Record<string, unknown>;
    contacts: { phone: string; custom?: Record<string, unknown>; timeZone?: string }[];
    agents: string[];
    penalties?: number[];
  },
): Promise<{ campaignId: number; listId: number; contactIds: number[]; agentIds: number[] }> {
  const { id: campaignId, listId } = await createCampaignViaApi(f, {
    name: o.name,
    settings: { scenario: "all_human", calleeWindow: { from: "00:00", to: "24:00" }, ...o.settings },
  });
  const contactIds = await insertContacts(
    f.store,
    { accountId: f.accountId, campaignId, listId },
    o.contacts.map((c) => ({
      phones: JSON.stringify([c.phone]),
      custom: JSON.stringify(c.custom ?? {}),
      time_zone: c.timeZone ?? null,
    })),
  );
  const agentIds: number[] = [];
  for (const name of o.agents) {
    const res = await f.call({ method: "POST", url: "/v1/agents", payload: { name } });
    if (res.statusCode !== 201) throw new Error(`agent ${name}: ${res.statusCode} ${res.body}`);
    agentIds.push((res.json() as { id: number }).id);
  }
  const put = await f.call({
    method: "PUT",
    url: `/v1/campaigns/${campaignId}/agents`,
    payload: { agents: agentIds.map((agentId, i) => ({ agentId, penalty: o.penalties?.[i] ?? 0 })) },
  });
  if (put.statusCode !== 200) throw new Error(`queue: ${put.statusCode} ${put.body}`);
  return { campaignId, listId, contactIds, agentIds };
}

export function errorOf(res: LightMyRequestResponse): { code: string; message: string; field?: string } {
  return (res.json() as { error: { code: string; message: string; field?: string } }).error;
}

export async function createCampaignViaApi(
  f: ApiFixture,
  body: Record<string, unknown> = { name: "spring" },
  key?: string,
): Promise<{ id: number; listId: number }> {
  const res = await f.call({ method: "POST", url: "/v1/campaigns", payload: body, key });
  if (res.statusCode !== 201) throw new Error(`create campaign: ${res.statusCode} ${res.body}`);
  const id = (res.json() as { id: number }).id;
  const list = await f.call({
    method: "POST",
    url: `/v1/campaigns/${id}/lists`,
    payload: { name: "main" },
    key,
  });
  return { id, listId: (list.json() as { id: number }).id };
}

/** Contacts written straight into the table, defaults filled in: tests set only what they look at. */
export async function insertContacts(
  store: Store,
  at: { accountId: number; campaignId: number; listId: number },
  specs: Partial<NewContact>[],
): Promise<number[]> {
  if (specs.length === 0) return [];
  const rows: NewContact[] = specs.map((s, i) => {
    const phones = s.phones ?? JSON.stringify([`+1212555${String(1000 + i).slice(-4)}`]);
    return {
      account_id: at.accountId,
      campaign_id: at.campaignId,
      list_id: at.listId,
      external_id: null,
      phone: (JSON.parse(phones) as string[])[0],
      custom: "{}",
      time_zone: null,
      daily_from_sec: null,
      daily_to_sec: null,
      start_at: null,
      priority: 0,
      status: "pending",
      ready: 0,
      order_class: 0,
      attempts: 0,
      phone_index: 0,
      phone_attempts: "[0]",
      retry_counts: "{}",
      next_attempt_at: 0,
      wait_reason: null,
      lease_owner: null,
      lease_expires_at: null,
      last_outcome: null,
      last_attempt_at: null,
      flagged: 0,
      created_at: 0,
      updated_at: 0,
      ...s,
      phones,
    };
  });
  const ids = await store.db.insertInto("contacts").values(rows).returning("id").execute();
  return ids.map((r) => r.id);
}

export async function insertAttempt(
  store: Store,
  a: { accountId: number; campaignId: number; contactId: number; seq: number; startedAt: number } & Partial<{
    outcome: string | null;
    talkSec: number | null;
    success: number | null;
    phone: string;
    details: string | null;
    answeredAt: number | null;
    /** Default: 30 s after the start; null = still in progress. */
    endedAt: number | null;
    /** The agent the call was put through to. */
    agentId: number | null;
  }>,
): Promise<number> {
  const row = await store.db
    .insertInto("attempts")
    .values({
      account_id: a.accountId,
      campaign_id: a.campaignId,
      contact_id: a.contactId,
      seq: a.seq,
      phone: a.phone ?? "+12125550100",
      phone_index: 0,
      caller_id: null,
      started_at: a.startedAt,
      answered_at: a.answeredAt ?? null,
      ended_at: a.endedAt === undefined ? a.startedAt + 30_000 : a.endedAt,
      outcome: a.outcome ?? null,
      cause: null,
      talk_sec: a.talkSec ?? null,
      success: a.success ?? null,
      owner: "test",
      details: a.details ?? null,
      agent_id: a.agentId ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** GET /v1/campaigns/{id}/pacing, asserted 200. */
export async function pacingView(f: ApiFixture, campaignId: number): Promise<PacingBody> {
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/pacing` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as PacingBody;
}

/** One window of GET /v1/campaigns/{id}/abandonment. */
export interface AbandonmentWindowBody {
  live_answers: number;
  abandoned: number;
  amd_machine_verdicts: number;
  amd_false_positives_estimated: number;
  rate: number;
}

export interface AbandonmentBody {
  amd_false_positive_share: number;
  rolling_24h: AbandonmentWindowBody;
  rolling_30d: AbandonmentWindowBody;
  campaign: AbandonmentWindowBody;
  group: null | {
    name: string;
    campaign_ids: number[];
    rolling_24h: AbandonmentWindowBody;
    rolling_30d: AbandonmentWindowBody;
    campaign: AbandonmentWindowBody;
  };
}

/** GET /v1/campaigns/{id}/abandonment, asserted 200. */
export async function abandonmentOf(f: ApiFixture, campaignId: number): Promise<AbandonmentBody> {
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/abandonment` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as AbandonmentBody;
}

/** One server-sent event: its name and its JSON data. */
export type StreamEvent = { event: string; data: Record<string, unknown> };

/** Reads a text/event-stream over HTTP into `events` until closed. */
export async function openEventStream(url: string, authorization: string) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events: StreamEvent[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          cut = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}
