// Webhook delivery: reads the outbox, POSTs each event signed with its subscription's secret, retries
// failures with exponential backoff and jitter, dead-letters an event after the subscription's limit.
// One contact's events (one campaign's, for campaign events) go out one at a time in write order: the next
// waits while an earlier one is in flight or backing off. Delivery is at least once: a process killed
// after the receiver answered but before the outbox was updated sends that event again, with its id.
import { createHmac } from "node:crypto";
import { type Agent, request } from "undici";
import type { Clock, TimerHandle } from "../clock/clock.ts";
import type { Store } from "../store/db.ts";
import type { WebhookDeliveryRow, WebhookRow } from "../store/schema.ts";
import {
  dueHeads,
  leaseDelivery,
  pruneDeliveries,
  recordDelivery,
  webhooksWithPending,
} from "../store/webhooks.ts";
import { checkLiteralHost, DestinationRefused, webhookAgent } from "./destinations.ts";

export interface DeliveryOptions {
  store: Store;
  clock: Clock;
  nodeId: string;
  /** First retry after about this long; each next one doubles, up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Give up on one request after this long. */
  timeoutMs?: number;
  /** Other nodes' events and retries are looked for at least this often. */
  pollMs?: number;
  /** Requests in flight at once, over all subscriptions. */
  concurrency?: number;
  random?: () => number;
  /** Send to loopback, private and link-local addresses too (default: public addresses only). */
  allowPrivateNetworks?: boolean;
  /** How long delivered events, and dead letters, stay in the outbox (default 7 and 30 days). */
  keepDeliveredMs?: number;
  keepDeadMs?: number;
  onError?(err: unknown): void;
}

/** How long to wait before try number `failures + 1`: exponential, capped, with "equal jitter" (half fixed,
 *  half random) so receivers coming back are not hit by every sender at the same instant. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The signature header: `t=<ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as a receiver recomputes it. */
export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** How long delivered events and dead letters stay in the outbox unless configured (config.ts reads these). */
export const DEFAULT_KEEP_DELIVERED_DAYS = 7;
export const DEFAULT_KEEP_DEAD_DAYS = 30;
const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
const QUIET_MAX_MS = 5_000;
const PRUNE_BATCH = 1000;

export class WebhookDelivery {
  private timer: TimerHandle | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private again = false;
  private stopped = false;
  /** Settles when the pass under way (if any) ends: stop() waits for it, then for the sends it began. */
  private passDone: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  /** Sends in flight per subscription: none may take more than its share of the slots. */
  private readonly inFlightByHook = new Map<number, number>();
  /** Where the next pass starts among the subscriptions, so the first in the table is not always first. */
  private turn = 0;
  readonly stats = { passes: 0, scans: 0, sent: 0, delivered: 0, failed: 0, dead: 0, pruned: 0 };
  private nextPruneAt = Number.NEGATIVE_INFINITY;
  /** Subscriptions whose last look found nothing due, and until when they need none: a backlog in
   *  backoff (a receiver down for hours) is not read again at every pass, which each send's end asks for. */
  private readonly quietUntil = new Map<number, number>();

  /** Made at the first send, closed by stop(); none (undici's default) when private destinations are allowed. */
  private agent: Agent | undefined;

  constructor(private readonly o: DeliveryOptions) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** New events were written on this node: every subscription is looked at again in a pass now. */
  eventsWritten(): void {
    this.quietUntil.clear();
    this.wake();
  }

  /** Asks for a pass at `at` (default now). */
  wake(at?: number): void {
    if (this.stopped) return;
    const when = at ?? this.o.clock.now();
    if (when >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = when;
    this.timer = this.o.clock.at(when, () => this.pass());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    // A pass reading the outbox now would otherwise lease and send after this returned (and the store
    // closed): wait for it, and then for every send it began.
    await this.passDone;
    await Promise.allSettled([...this.inFlight]);
    // Its idle keep-alive connections would otherwise outlive the service.
    await this.agent?.close();
    this.agent = undefined;
  }

  private async pass(): Promise<void> {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let passEnded!: () => void;
    this.passDone = new Promise((resolve) => {
      passEnded = resolve;
    });
    this.stats.passes++;
    const now = this.o.clock.now();
    let wakeAt = now + (this.o.pollMs ?? 1000);
    try {
      // Once an hour, before the sends: each kind's round is a range of its own index (migration 021).
      if (now >= this.nextPruneAt) await this.prune(now);
      const pending = await webhooksWithPending(this.o.store.db);
      const concurrency = this.o.concurrency ?? 32;
      // A few slots are kept for subscriptions with nothing in flight, and the rest are shared equally
      // among those with events waiting: receivers that hang, however many, hold only their shares, and a
      // subscription whose events come next finds a slot free at once instead of behind the hung sends'
      // timeouts; one alone may use all but the reserve. The walk starts one further each pass, so a share
      // that does not divide evenly rotates.
      const reserve = Math.max(1, Math.floor(concurrency / 8));
      const share = Math.max(1, Math.ceil((concurrency - reserve) / Math.max(1, pending.length)));
      const start = pending.length ? this.turn++ % pending.length : 0;
      const hooks = [...pending.slice(start), ...pending.slice(0, start)];
      for (const hook of hooks) {
        if (this.stopped) break;
        const own = this.inFlightByHook.get(hook.id) ?? 0;
        let free = Math.min(concurrency - reserve - this.inFlight.size, share - own);
        // The reserve: one slot for a subscription that has none, while any is left.
        if (free <= 0 && own === 0 && this.inFlight.size < concurrency) free = 1;
        // With every slot taken, the next send to finish asks for the next pass (its finally wakes us).
        if (free <= 0) continue;
        const quiet = this.quietUntil.get(hook.id);
        if (quiet !== undefined && now < quiet) {
          wakeAt = Math.min(wakeAt, quiet);
          continue;
        }
        this.stats.scans++;
        const { due, nextAt } = await dueHeads(this.o.store.db, hook.id, now, free);
        wakeAt = Math.min(wakeAt, nextAt);
        // Another node's events for it are seen within QUIET_MAX_MS; this node's wake it at once.
        if (due.length === 0) this.quietUntil.set(hook.id, Math.min(nextAt, now + QUIET_MAX_MS));
        else this.quietUntil.delete(hook.id);
        for (const row of due) {
          if (this.stopped) break;
          // From the time of the lease, not the pass's start: a long pass must not lease a row already expired.
          const leaseUntil = this.o.clock.now() + 2 * (this.o.timeoutMs ?? 10_000);
          if (!(await leaseDelivery(this.o.store.db, row.id, this.o.nodeId, now, leaseUntil))) continue;
          this.inFlightByHook.set(hook.id, (this.inFlightByHook.get(hook.id) ?? 0) + 1);
          const p = this.send(hook, row).finally(() => {
            this.inFlight.delete(p);
            const left = (this.inFlightByHook.get(hook.id) ?? 1) - 1;
            if (left > 0) this.inFlightByHook.set(hook.id, left);
            else this.inFlightByHook.delete(hook.id);
            // Its contact's next event may go now: the subscription is looked at again in the next pass.
            this.quietUntil.delete(hook.id);
            this.wake();
          });
          this.inFlight.add(p);
        }
      }
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      this.running = false;
      passEnded();
    }
    if (this.again) {
      this.again = false;
      wakeAt = now;
    }
    this.wake(Math.max(wakeAt, now));
  }

  /** The outbox would otherwise keep every event and its payload for ever. An hour between rounds; a round
   *  deletes in batches, so no one transaction holds the table long. */
  private async prune(now: number): Promise<void> {
    this.nextPruneAt = now + PRUNE_EVERY_MS;
    const cutoffs = {
      deliveredBefore: now - (this.o.keepDeliveredMs ?? DEFAULT_KEEP_DELIVERED_DAYS * DAY_MS),
      deadBefore: now - (this.o.keepDeadMs ?? DEFAULT_KEEP_DEAD_DAYS * DAY_MS),
      limit: PRUNE_BATCH,
    };
    for (let batch = 0; batch < 100 && !this.stopped; batch++) {
      const removed = await pruneDeliveries(this.o.store.db, cutoffs);
      this.stats.pruned += removed;
      if (removed < PRUNE_BATCH) break;
    }
  }

  private async send(hook: WebhookRow, row: WebhookDeliveryRow): Promise<void> {
    const timestamp = this.o.clock.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    this.stats.sent++;
    try {
      const timeout = this.o.timeoutMs ?? 10_000;
      const allowPrivate = this.o.allowPrivateNetworks === true;
      if (!allowPrivate) {
        checkLiteralHost(hook.url);
        this.agent ??= webhookAgent();
      }
      const res = await request(hook.url, {
        dispatcher: this.agent,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "outdial-webhooks",
          "x-outdial-event-id": row.event_id,
          "x-outdial-event-type": row.event_type,
          "x-outdial-delivery-attempt": String(row.attempts + 1),
          "x-outdial-signature": signature(hook.secret, timestamp, row.payload),
        },
        body: row.payload,
        // The whole exchange (connect, headers, a trickling body) within the timeout, so the lease (twice
        // as long) outlives it and no other pass sends the event again meanwhile.
        signal: AbortSignal.timeout(timeout),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      httpStatus = res.statusCode;
      await res.body.dump();
      if (httpStatus < 200 || httpStatus >= 300) error = `HTTP ${httpStatus}`;
    } catch (err) {
      error = failureText(err);
    }
    const now = this.o.clock.now();
    const failures = row.attempts + 1;
    const ok = error === null;
    let retryAt: number | null = null;
    if (ok) this.stats.delivered++;
    else if (failures >= hook.max_attempts) this.stats.dead++;
    else {
      this.stats.failed++;
      retryAt =
        now + backoffMs(failures, this.o.baseBackoffMs, this.o.maxBackoffMs, this.o.random ?? Math.random);
    }
    try {
      await recordDelivery(this.o.store.db, {
        id: row.id,
        owner: this.o.nodeId,
        now,
        ok,
        httpStatus,
        error: error?.slice(0, 500) ?? null,
        retryAt,
      });
    } catch (err) {
      // The lease runs out and the event goes again: at least once, never lost.
      this.o.onError?.(err);
    }
  }
}

/**
 * What a failed send records: undici's error code (UND_ERR_CONNECT_TIMEOUT…) when it is one, else the
 * error's name and message. An aborted send's DOMException carries a numeric legacy code (23 for a
 * timeout), which says nothing and is no text.
 */
export function failureText(err: unknown): string {
  if (err instanceof DestinationRefused) return `${err.code}: ${err.message}`;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  if (err instanceof Error) return err.name === "TimeoutError" ? "timeout" : `${err.name}: ${err.message}`;
  return String(err);
}
