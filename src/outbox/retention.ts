// The outbox's retention: delivered events and dead letters leave it once they are old enough (7 and 30
// days by default). It owns the hourly rounds and their batches; it must not send, lease or read events.
import type { Clock, TimerHandle } from "../clock/clock.ts";
import type { Store } from "../store/db.ts";
import { pruneDeliveries } from "../store/webhooks.ts";

export const DEFAULT_KEEP_DELIVERED_DAYS = 7;
export const DEFAULT_KEEP_DEAD_DAYS = 30;
const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 1000;

export interface RetentionOptions {
  store: Store;
  clock: Clock;
  /** How long delivered events, and dead letters, stay in the outbox (default 7 and 30 days). */
  keepDeliveredMs?: number;
  keepDeadMs?: number;
  onError?(err: unknown): void;
}

export class OutboxRetention {
  private stopped = true;
  private nextAt = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | null = null;
  /** Settles when the round under way (if any) ends. */
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: RetentionOptions,
    private readonly pruned: (rows: number) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(Math.max(this.o.clock.now(), this.nextAt));
  }

  /** No round begins after this; one under way stops at its next batch, and this waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.done;
  }

  /** Schedules the next round at `at` (none while stopped, or when one is scheduled already). */
  private schedule(at: number): void {
    if (this.stopped || this.timer) return;
    this.nextAt = at;
    this.timer = this.o.clock.at(at, () => {
      this.timer = null;
      this.done = this.round(this.o.clock.now());
      return this.done;
    });
  }

  /** The outbox would otherwise keep every event and its payload for ever. A round an hour, each deleting
   *  in batches until nothing overdue is left, so no one transaction holds the table long and however many
   *  events a day the outbox takes, as many leave it; between batches the event loop is given back (the
   *  dialer runs on it too). Rounds run beside the delivery passes: a long one holds up no send. */
  private async round(now: number): Promise<void> {
    const cutoffs = {
      deliveredBefore: now - (this.o.keepDeliveredMs ?? DEFAULT_KEEP_DELIVERED_DAYS * DAY_MS),
      deadBefore: now - (this.o.keepDeadMs ?? DEFAULT_KEEP_DEAD_DAYS * DAY_MS),
      limit: PRUNE_BATCH,
    };
    try {
      while (!this.stopped) {
        const removed = await pruneDeliveries(this.o.store.db, cutoffs);
        this.pruned(removed);
        // Each kind's batch came back short: nothing overdue is left.
        if (removed < PRUNE_BATCH) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.o.onError?.(err);
    }
    this.schedule(now + PRUNE_EVERY_MS);
  }
}
