// An engine on the virtual clock, the sim driver and an in-memory SQLite store, for tests that run
// hours of campaign in milliseconds. Runs until every campaign is finished or a time limit.
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import type { Store } from "../../src/store/db.ts";
import { openStore } from "../../src/store/db.ts";
import type { AttemptRow, ContactRow } from "../../src/store/schema.ts";
import type { OriginateRequest } from "../../src/telephony/driver.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, type ContactSpec, createAccount, createCampaign } from "./fixtures.ts";
import { KeepingDriver } from "./keeping-driver.ts";

export interface Harness {
  store: Store;
  clock: VirtualClock;
  engine: Engine;
  accountId: number;
  /** Every call the engine asked the driver to place, in order. */
  originated: OriginateRequest[];
  /** Every hangup the engine asked of the driver, in order. */
  hangups: KeepingDriver["hangups"];
  /** The driver itself (the sim, kept): `crossAnswers` makes hang-ups end as answered-after-CANCEL. */
  driver: KeepingDriver;
  campaign(settings: Partial<CampaignSettings>, contacts: ContactSpec[], name?: string): Promise<number>;
  /** Runs until no campaign is active and no call is in flight, or until `maxMs` of virtual time. */
  runToEnd(maxMs?: number): Promise<void>;
  attempts(campaignId: number): Promise<AttemptRow[]>;
  contacts(campaignId: number): Promise<ContactRow[]>;
  close(): Promise<void>;
}

export async function harness(opts: {
  start?: number;
  seed?: number;
  scenario?: string | Record<string, unknown>;
  maxChannels?: number | null;
  tickGapMs?: number;
  /** How often the engine looks for changes made behind its back (default 5 s); longer runs idle days faster. */
  maintenanceMs?: number;
  /** The store to run on (default: a private in-memory SQLite database). */
  openStore?: () => Promise<Store>;
}): Promise<Harness> {
  const clock = new VirtualClock(opts.start ?? Date.UTC(2026, 0, 5, 0, 0, 0));
  const store = opts.openStore ? await opts.openStore() : await openStore({ url: ":memory:" });
  const driver = new KeepingDriver(
    createDriver(
      "sim",
      { clock },
      { seed: opts.seed ?? 1, scenario: opts.scenario ?? "default", maxChannels: opts.maxChannels ?? null },
    ),
  );
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: "test-node",
    leaseMs: 3_600_000,
    tickGapMs: opts.tickGapMs ?? 20,
    maintenanceMs: opts.maintenanceMs,
    maxChannels: opts.maxChannels ?? null,
    onError: (err) => errors.push(err),
  });
  const accountId = await createAccount(store, "acme", clock.now());
  await engine.run();
  return {
    store,
    clock,
    engine,
    accountId,
    originated: driver.requests,
    hangups: driver.hangups,
    driver,
    async campaign(settings, contacts, name) {
      const ids = await createCampaign(store, accountId, settings, { name, now: clock.now() });
      await addContacts(store, { accountId, ...ids }, contacts, clock.now());
      return ids.campaignId;
    },
    async runToEnd(maxMs = 30 * 86_400_000) {
      const d = engine.dispatcher;
      await clock.run({ until: clock.now() + maxMs, stop: () => d.campaigns.size === 0 && d.inFlight === 0 });
      if (errors.length) throw errors[0];
    },
    attempts: (campaignId) =>
      store.db
        .selectFrom("attempts")
        .selectAll()
        .where("campaign_id", "=", campaignId)
        .orderBy("id")
        .execute(),
    contacts: (campaignId) =>
      store.db
        .selectFrom("contacts")
        .selectAll()
        .where("campaign_id", "=", campaignId)
        .orderBy("id")
        .execute(),
    async close() {
      await engine.stopDialing();
      await driver.close();
      await engine.shutdown();
      await store.close();
    },
  };
}

/** Highest number of attempts on the line at once, from the attempts' start and end times. */
export function peakConcurrency(attempts: AttemptRow[]): number {
  const events: [number, number][] = [];
  for (const a of attempts) {
    events.push([a.started_at, 1]);
    events.push([a.ended_at ?? Number.POSITIVE_INFINITY, -1]);
  }
  // Ends sort before starts at the same instant: a channel freed at t can be reused at t.
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let live = 0;
  let peak = 0;
  for (const [, d] of events) {
    live += d;
    peak = Math.max(peak, live);
  }
  return peak;
}

/** Most attempts started in any half-open window (t - 1000, t]. */
export function peakPerSecond(attempts: AttemptRow[]): number {
  const t = attempts.map((a) => a.started_at).sort((a, b) => a - b);
  let peak = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}
