// Two engines on one store and one virtual clock for the tests of a stalled node: node A, whose clock can
// stall (stallable-clock.ts), and node B, whose sweep takes over what A's lapsed leases left (nodes.ts).
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { Store } from "../../src/store/db.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { engineNode } from "./nodes.ts";
import { stallableNode } from "./stallable-clock.ts";

type Scenario = string | Record<string, unknown>;

/** Node A ("node-a", its sim driver playing `scenarios.a`) and node B ("node-b", seed 2) on `store`, the
 *  clock at `t0`. `aDialed` lists the calls A placed; `close` lets A's clock go and shuts both and the store. */
export function stallablePair(
  store: Store,
  t0: number,
  leaseMs: number,
  scenarios: { a: Scenario; b?: Scenario },
) {
  const clock = new VirtualClock(t0);
  const { aClock, aDriver, a } = stallableNode(store, clock, scenarios.a, leaseMs);
  const aDialed: { at: number; callId: string }[] = [];
  const originate = aDriver.originate.bind(aDriver);
  aDriver.originate = (req) => {
    aDialed.push({ at: clock.now(), callId: String(req.callId) });
    originate(req);
  };
  const b = engineNode(store, clock, "node-b", 2, leaseMs, scenarios.b);
  const close = async () => {
    aClock.stalled = false;
    await a.shutdown();
    await b.engine.shutdown();
    await store.close();
  };
  return { clock, aClock, a, aDialed, b, close };
}

/** A webhook of the account for attempt.ended, partial results included, delivered at once. */
export function attemptEndedHook(
  store: Store,
  accountId: number,
  now: number,
  url = "https://hooks.example/h",
) {
  return insertWebhook(store.db, {
    accountId,
    campaignId: null,
    url,
    secret: "s",
    events: ["attempt.ended"],
    delaySec: 0,
    partialResults: true,
    maxAttempts: 5,
    active: true,
    now,
  });
}

/** The `data` of each event queued for the webhook, in order. */
export async function webhookData<T>(store: Store, webhookId: number): Promise<T[]> {
  const rows = await store.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("webhook_id", "=", webhookId)
    .orderBy("id")
    .execute();
  return rows.map((r) => JSON.parse(r.payload).data as T);
}
