// Webhook delivery: reads the outbox, POSTs each event signed with its subscription's secret, retries
// failures with exponential backoff and jitter, dead-letters an event after the subscription's limit.
// One contact's events (one campaign's, for campaign events) go out one at a time in write order: the next
// waits while an earlier one is in flight or backing off. Delivery is at least once: a process killed
// after the receiver answered but before the outbox was updated sends that event again, with its id.
// A stop begins no send, and cuts short those in flight once its grace runs out: their events are given
// back, due, their attempts not counted, and go again from the next node or start.
import { createHmac, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Agent, request } from "undici";
import type { Clock, TimerHandle } from "../clock/clock.ts";
import type { Store } from "../store/db.ts";
import type { WebhookDeliveryRow, WebhookRow } from "../store/schema.ts";
import {
  dueHeads,
  dueHeadsOf,
  type LeasedDelivery,
  leaseHead,
  recordDelivery,
  releaseLease,
  webhooksWithPending,
} from "../store/webhooks.ts";
import { checkLiteralHost, DestinationRefused, webhookAgent } from "./destinations.ts";
import { OutboxRetention } from "./retention.ts";
import { SendSlots } from "./send-slots.ts";

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

/** A subscription's signing secret: 192 random bits. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

/** The signature header: `t=<ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as a receiver recomputes it. */
export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** How long delivered events and dead letters stay in the outbox unless configured (config.ts reads these). */
const QUIET_MAX_MS = 5_000;
/** Due heads taken from one read of a subscription's outbox; they wait in memory for free send slots. */
const SCAN_BATCH = 500;
/** A read of a subscription's heads costs time in proportion to its pending events (100,000: 25-35 ms on
 *  SQLite, synchronous): the next waits this many times the thread's busy time during it (on the wall
 *  clock), so however large a backlog, its reads take at most about a twentieth of the thread the dialer
 *  shares. */
const SCAN_GAP_FACTOR = 19;

export class WebhookDelivery {
  private timer: TimerHandle | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private again = false;
  private stopped = false;
  /** Settles when the pass under way (if any) ends: stop() waits for it, then for the sends it began. */
  private passDone: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  /** Aborted when a stop's grace runs out: the sends still in flight end then, not at their own timeout. */
  private stopSends = new AbortController();
  private stopSendsTimer: NodeJS.Timeout | undefined;
  /** When (performance.now()) stopSendsTimer fires: a later stop's grace never lengthens an earlier one. */
  private stopSendsAt = Number.POSITIVE_INFINITY;
  /** Sends in flight per subscription and account: none may take more than its share of the slots. */
  private readonly slots: SendSlots;
  /** Where the next pass starts among the subscriptions, so the first in the table is not always first. */
  private turn = 0;
  readonly stats = { passes: 0, scans: 0, sent: 0, delivered: 0, failed: 0, dead: 0, pruned: 0 };
  /** Deletes delivered events and dead letters once they are old enough (retention.ts). */
  private readonly retention: OutboxRetention;
  /** Per subscription, until when its outbox need not be read again: when its last read's next head
   *  comes due (at most QUIET_MAX_MS, for other nodes' events), brought forward by this node's failed
   *  sends' retry times. A backlog in backoff (a receiver down for hours) is read when some of it comes due,
   *  not at every pass nor after every failed send. Absent: read at the next pass. */
  private readonly quietUntil = new Map<number, number>();
  /** Per subscription, not before when its outbox may be read again (SCAN_GAP_FACTOR; wall clock only). */
  private readonly scanAllowedAt = new Map<number, number>();
  /** Per subscription, due heads its last read found that wait for a send slot, earliest due first. */
  private readonly ready = new Map<number, WebhookDeliveryRow[]>();
  /** Per subscription, order keys to look up by key (not by reading the whole outbox again), and from
   *  when: a key whose event was answered (delivered or dead) at once, its next event may go now; a key
   *  whose next event was not due yet when looked up (a subscription's delay, a live lease), when it is. */
  private readonly followUps = new Map<number, Map<string, number>>();
  /** Per subscription, order keys with a send in flight from this node. */
  private readonly sendingKeys = new Map<number, Set<string>>();
  /** Per subscription, keys of those sends whose head was refused meanwhile (a dead letter replayed, an
   *  earlier event, must wait for the send to end): when the send ends, however, the key is looked up. */
  private readonly blocked = new Map<number, Set<string>>();
  /** The last pass left due events (or subscriptions it could not look at) for want of a send slot: the
   *  next send to end asks for a pass. */
  private slotsWanted = false;

  /** Made at the first send, closed by stop(); none (undici's default) when private destinations are allowed. */
  private agent: Agent | undefined;

  constructor(private readonly o: DeliveryOptions) {
    this.slots = new SendSlots(o.concurrency ?? 32);
    this.retention = new OutboxRetention(o, (n) => {
      this.stats.pruned += n;
    });
  }

  start(): void {
    this.stopped = false;
    if (this.stopSends.signal.aborted) this.stopSends = new AbortController();
    this.retention.start();
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

  /**
   * No pass and no send begins from now (a node shutting down must not start sends its supervisor's kill
   * would cut). The sends in flight get `graceMs` to be answered, then are aborted and their events given
   * back, due at once; without `graceMs`, they run to their own timeout.
   */
  beginStop(graceMs?: number): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    // Or a start() after would find a pass asked for at that time and never ask again.
    this.timerAt = Number.POSITIVE_INFINITY;
    if (graceMs === undefined) return;
    const at = performance.now() + graceMs;
    if (at >= this.stopSendsAt) return;
    this.stopSendsAt = at;
    clearTimeout(this.stopSendsTimer);
    const stopSends = this.stopSends;
    this.stopSendsTimer = setTimeout(() => stopSends.abort(), Math.max(0, graceMs));
  }

  /** beginStop(graceMs), then waits for the pass and the sends under way to end. */
  async stop(graceMs?: number): Promise<void> {
    this.beginStop(graceMs);
    // A pass reading the outbox now would otherwise lease and send after this returned (and the store
    // closed): wait for it, and then for every send it began; a prune round stops at its next batch.
    await this.passDone;
    await this.retention.stop();
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(this.stopSendsTimer);
    this.stopSendsTimer = undefined;
    this.stopSendsAt = Number.POSITIVE_INFINITY;
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
    this.slotsWanted = false;
    const now = this.o.clock.now();
    let wakeAt = now + (this.o.pollMs ?? 1000);
    try {
      const pending = await webhooksWithPending(this.o.store.db);
      // What is kept of a subscription with nothing pending any more (or made inactive) goes.
      const live = new Set(pending.map((h) => h.id));
      for (const kept of [this.ready, this.followUps, this.quietUntil, this.scanAllowedAt, this.blocked]) {
        for (const id of kept.keys()) if (!live.has(id)) kept.delete(id);
      }
      // Slots are shared among the subscriptions with something to send now (send-slots.ts); the walk
      // starts one further each pass, so a share that does not divide evenly rotates.
      const start = pending.length ? this.turn++ % pending.length : 0;
      const hooks = [...pending.slice(start), ...pending.slice(0, start)];
      this.slots.plan(hooks.filter((h) => this.wantsToSend(h, now)));
      for (const hook of hooks) {
        if (this.stopped) break;
        let free = this.slots.free(hook);
        let ready = this.ready.get(hook.id) ?? [];
        // Keys to look up now; the others' time is when the pass after must come.
        const keys: string[] = [];
        for (const [key, at] of this.followUps.get(hook.id) ?? []) {
          if (at <= now) keys.push(key);
          else wakeAt = Math.min(wakeAt, at);
        }
        const readAt = this.readAt(hook.id, now);
        // With every slot taken, the next send to finish asks for the next pass (its finally wakes us).
        if (free <= 0) {
          if (ready.length || keys.length || now >= readAt) this.slotsWanted = true;
          continue;
        }
        if (keys.length) {
          // Contacts whose event was just answered: their next event, if due, joins the queue's end; if
          // not due yet, its key is looked up again when it is.
          const lookups = this.followUps.get(hook.id) as Map<string, number>;
          for (const key of keys) lookups.delete(key);
          if (lookups.size === 0) this.followUps.delete(hook.id);
          try {
            const { due, later } = await dueHeadsOf(this.o.store.db, hook.id, keys, now);
            const have = new Set(ready.map((r) => r.id));
            ready = ready.concat(due.filter((r) => !have.has(r.id)));
            for (const { orderKey, at } of later) {
              this.followUp(hook.id, orderKey, at);
              wakeAt = Math.min(wakeAt, at);
            }
          } catch (err) {
            // Kept, and looked up again at the next pass (another subscription's turn is not lost).
            for (const key of keys) this.followUp(hook.id, key, now);
            this.o.onError?.(err);
          }
        }
        let read = false;
        if (ready.length === 0) {
          if (now < readAt) {
            wakeAt = Math.min(wakeAt, readAt);
            continue;
          }
          this.stats.scans++;
          read = true;
          const elu = performance.eventLoopUtilization();
          const began = performance.now();
          const { due, nextAt, more } = await dueHeads(
            this.o.store.db,
            hook.id,
            now,
            Math.max(free, SCAN_BATCH),
          );
          // The wall clock's thread is the dialer's too; a virtual clock's time does not pass while reading.
          // What the gap spares is that thread, so it is the thread's busy time while the read lasted (its
          // event-loop utilisation) that is multiplied, not the read's duration. On SQLite the read is
          // synchronous and the two are the same; on PostgreSQL most of an awaited read is network and pool
          // waits, with the thread idle (or running the dialer), which must not space reads 19× as long.
          // Busy time counts whatever else ran meanwhile too: reads are spaced more while the thread is
          // busy, when that matters. And no sooner than the read lasted: one subscription's reads hold a
          // pooled connection at most half the time.
          if (!this.o.clock.virtual) {
            const busy = performance.eventLoopUtilization(elu).active;
            const lasted = performance.now() - began;
            this.scanAllowedAt.set(hook.id, this.o.clock.now() + Math.max(SCAN_GAP_FACTOR * busy, lasted));
          }
          // Read again once the next head comes due (or as soon as allowed, when more were due than taken);
          // another node's events for it are seen within QUIET_MAX_MS, this node's wake it at once.
          this.quietUntil.set(hook.id, more ? now : Math.min(nextAt, now + QUIET_MAX_MS));
          ready = due;
        }
        const { refused, sent } = await this.leaseReady(hook, ready, free);
        free -= sent;
        if (ready.length > 0) {
          this.ready.set(hook.id, ready);
          this.slotsWanted = true;
          continue;
        }
        this.ready.delete(hook.id);
        if (free <= 0 || this.stopped) continue;
        // Heads held from an earlier read (or looked up by key) ran out refused (taken by another node, or
        // behind an event put back in the queue) with slots still free: its outbox is read again as soon
        // as its last read allows, not after the quiet time or at the next poll.
        if (refused > 0 && !read) this.quietUntil.delete(hook.id);
        // The pass after comes when its next head comes due (or it may be read again), though not at once
        // after a read whose heads were all refused (one refused while a send of its key lasts would be
        // read again and again): those wait for the next read as usual.
        const next = this.readAt(hook.id, now);
        if (next > now || !read) wakeAt = Math.min(wakeAt, next);
      }
      await this.topUp(hooks);
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

  /** When `hookId`'s outbox may be read again: not while it is quiet, nor sooner than its last read allows. */
  private readAt(hookId: number, now: number): number {
    return Math.max(
      this.quietUntil.get(hookId) ?? now,
      this.scanAllowedAt.get(hookId) ?? Number.NEGATIVE_INFINITY,
    );
  }

  /** Holds a slot, or has events in hand, a key to look up, or an outbox to read now. */
  private wantsToSend(hook: WebhookRow, now: number): boolean {
    if (this.slots.holds(hook) || (this.ready.get(hook.id)?.length ?? 0) > 0) return true;
    for (const at of this.followUps.get(hook.id)?.values() ?? []) if (at <= now) return true;
    return now >= this.readAt(hook.id, now);
  }

  /** Leases and sends up to `free` of `ready`'s heads (taken from its front). */
  private async leaseReady(
    hook: WebhookRow,
    ready: WebhookDeliveryRow[],
    free: number,
  ): Promise<{ refused: number; sent: number }> {
    let refused = 0;
    let sent = 0;
    while (ready.length > 0 && sent < free && !this.stopped) {
      const head = ready.shift() as WebhookDeliveryRow;
      // From the time of the lease, not the pass's start: a long pass must not lease a row already expired.
      const leasedAt = this.o.clock.now();
      const leaseUntil = leasedAt + 2 * (this.o.timeoutMs ?? 10_000);
      // Still due, not leased, its key's head, its key not in flight and its subscription active (any
      // node may have changed them since they were read); sent as its subscription is now. A key this node
      // is sending is in flight whatever its lease says: a wall clock stepped forward past the lease while
      // the send (timed on monotonic timers) was open would lease its event again, two requests for one
      // contact at once (hooks13).
      const inHand = this.sendingKeys.get(hook.id)?.has(head.order_key) ?? false;
      const row = inHand
        ? undefined
        : await leaseHead(this.o.store.db, head.id, this.o.nodeId, leasedAt, leaseUntil);
      if (row && this.stopped) {
        // A stop began while the lease was being written: the event goes back, not out.
        await this.giveBack(row);
        break;
      }
      if (!row) {
        refused++;
        // An earlier event of a key this node is sending (a replayed dead letter): it goes next, once
        // that send ends, whatever its outcome.
        if (this.sendingKeys.get(hook.id)?.has(head.order_key)) {
          const blocked = this.blocked.get(hook.id) ?? new Set<string>();
          blocked.add(head.order_key);
          this.blocked.set(hook.id, blocked);
        }
        continue;
      }
      sent++;
      this.begin(hook, row, leaseUntil);
    }
    return { refused, sent };
  }

  /** Slots the walk left unused (shares were planned before reads found that some subscriptions had
   *  nothing due) go to those with heads still waiting, shared among them. */
  private async topUp(hooks: WebhookRow[]): Promise<void> {
    const waiting = hooks.filter((h) => (this.ready.get(h.id)?.length ?? 0) > 0);
    if (waiting.length === 0 || this.slots.idle <= 0) return;
    const wants = new Set(waiting);
    this.slots.plan(hooks.filter((h) => this.slots.holds(h) || wants.has(h)));
    for (const hook of waiting) {
      if (this.stopped) return;
      const ready = this.ready.get(hook.id) as WebhookDeliveryRow[];
      await this.leaseReady(hook, ready, this.slots.free(hook));
      if (ready.length === 0) this.ready.delete(hook.id);
    }
  }

  /** Sends a leased event; when it ends, asks for what its outcome makes possible. */
  private begin(hook: WebhookRow, row: LeasedDelivery, leaseUntil: number): void {
    this.slots.take(hook);
    const sending = this.sendingKeys.get(hook.id) ?? new Set<string>();
    sending.add(row.order_key);
    this.sendingKeys.set(hook.id, sending);
    const p = this.send(row)
      // Not recorded: the event goes again once the lease runs out.
      .then(
        (again) => (again === undefined ? leaseUntil + 1 : again),
        () => leaseUntil + 1,
      )
      .then((again) => {
        this.inFlight.delete(p);
        this.slots.release(hook);
        const sending = this.sendingKeys.get(hook.id);
        sending?.delete(row.order_key);
        if (sending?.size === 0) this.sendingKeys.delete(hook.id);
        const blocked = this.blocked.get(hook.id);
        const waitedOn = blocked?.delete(row.order_key) ?? false;
        if (blocked?.size === 0) this.blocked.delete(hook.id);
        if (again === null) {
          // Delivered or dead: its contact's next event may go now; it alone is looked up (its oldest
          // pending event: a dead letter replayed meanwhile goes before the later ones).
          this.followUp(hook.id, row.order_key, this.o.clock.now());
          this.wake();
          return;
        }
        if (waitedOn) {
          // An earlier event of its key, refused while this one was in flight, goes once the lease is gone:
          // now if the outcome was recorded, when the lease runs out if not.
          const at = again === leaseUntil + 1 ? again : this.o.clock.now();
          this.followUp(hook.id, row.order_key, at);
          this.wake(at);
        }
        // It backs off: nothing else became due, and the subscription's outbox is not read again for it
        // before its retry time. A slot came free, which only matters to events waiting for one.
        const quiet = this.quietUntil.get(hook.id);
        if (quiet !== undefined && again < quiet) this.quietUntil.set(hook.id, again);
        if (this.slotsWanted) this.wake();
        else this.wake(again);
      });
    this.inFlight.add(p);
  }

  /** Asks for `key`'s head to be looked up at `at` (or sooner, if asked already). */
  private followUp(hookId: number, key: string, at: number): void {
    const lookups = this.followUps.get(hookId) ?? new Map<string, number>();
    lookups.set(key, Math.min(at, lookups.get(key) ?? at));
    this.followUps.set(hookId, lookups);
  }

  /** Gives a leased event back, due now (its next_attempt_at has passed), its attempts not counted.
   *  Returns when it is due, or undefined when the store refused (the lease then runs out). */
  private async giveBack(row: LeasedDelivery): Promise<number | undefined> {
    try {
      await releaseLease(this.o.store.db, row.id, this.o.nodeId);
      return this.o.clock.now();
    } catch (err) {
      this.o.onError?.(err);
      return undefined;
    }
  }

  /** Sends one leased event to its subscription's URL and secret as they were at the lease (not as the
   *  pass read them: an edit may have committed since), and records the outcome. Returns its retry time,
   *  null when it is done with (delivered or dead), undefined when the outcome could not be recorded. A
   *  send a stop cut short is no attempt: its event is given back (giveBack), not recorded. */
  private async send(row: LeasedDelivery): Promise<number | null | undefined> {
    const stopSends = this.stopSends.signal;
    const timestamp = this.o.clock.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    this.stats.sent++;
    try {
      const timeout = this.o.timeoutMs ?? 10_000;
      const allowPrivate = this.o.allowPrivateNetworks === true;
      if (!allowPrivate) {
        checkLiteralHost(row.url);
        this.agent ??= webhookAgent();
      }
      const res = await request(row.url, {
        dispatcher: this.agent,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "outdial-webhooks",
          "x-outdial-event-id": row.event_id,
          "x-outdial-event-type": row.event_type,
          "x-outdial-delivery-attempt": String(row.attempts + 1),
          "x-outdial-signature": signature(row.secret, timestamp, row.payload),
        },
        body: row.payload,
        // The whole exchange (connect, headers, a trickling body) within the timeout, so the lease (twice
        // as long) outlives it and no other pass sends the event again meanwhile.
        signal: AbortSignal.any([AbortSignal.timeout(timeout), stopSends]),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      httpStatus = res.statusCode;
      await res.body.dump();
      if (httpStatus < 200 || httpStatus >= 300) error = `HTTP ${httpStatus}`;
    } catch (err) {
      if (stopSends.aborted) return this.giveBack(row);
      error = failureText(err);
    }
    const now = this.o.clock.now();
    const failures = row.attempts + 1;
    const ok = error === null;
    let retryAt: number | null = null;
    if (ok) this.stats.delivered++;
    else if (failures >= row.max_attempts) this.stats.dead++;
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
      return undefined;
    }
    return retryAt;
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
