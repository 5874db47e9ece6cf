// How many webhook sends may be in flight at once, and whose they are. Accounts share the slots first,
// then each account's subscriptions its share: a tenant whose receivers hang, with however many
// subscriptions, holds one account's share and another tenant's events still find slots. A few slots are
// a reserve for a subscription with nothing in flight, so one whose events come next goes at once rather
// than behind hung sends' timeouts; an account may hold at most one of them beyond its share, and the last
// is kept for accounts under theirs.
// Owns only counting; which events go, and when, is delivery.ts's.

export interface SlotHolder {
  id: number;
  account_id: number;
}

export class SendSlots {
  private readonly byHook = new Map<number, number>();
  private readonly byAccount = new Map<number, number>();
  private inFlight = 0;
  private readonly reserve: number;
  private accountShare: number;
  private readonly hookShare = new Map<number, number>();

  constructor(private readonly concurrency: number) {
    this.reserve = Math.max(1, Math.floor(concurrency / 8));
    this.accountShare = concurrency - this.reserve;
  }

  /** Shares for a pass, among the subscriptions that hold a slot or have events to send now (one whose
   *  whole backlog is backing off asks for nothing, and must not shrink the others' shares). */
  plan(wanting: SlotHolder[]): void {
    const hooksOf = new Map<number, number>();
    for (const h of wanting) hooksOf.set(h.account_id, (hooksOf.get(h.account_id) ?? 0) + 1);
    const shared = this.concurrency - this.reserve;
    this.accountShare = Math.max(1, Math.ceil(shared / Math.max(1, hooksOf.size)));
    this.hookShare.clear();
    for (const [account, hooks] of hooksOf)
      this.hookShare.set(account, Math.max(1, Math.ceil(this.accountShare / hooks)));
  }

  /** Sends `hook` may begin now. */
  free(hook: SlotHolder): number {
    const own = this.byHook.get(hook.id) ?? 0;
    const account = this.byAccount.get(hook.account_id) ?? 0;
    const hookShare = this.hookShare.get(hook.account_id) ?? this.accountShare;
    const free = Math.min(
      this.concurrency - this.reserve - this.inFlight,
      hookShare - own,
      this.accountShare - account,
    );
    if (free > 0) return free;
    // The reserve: one slot for a subscription that has none, while any is left. An account at its share
    // already may take one (its other subscriptions go on beside its hung one), though never the last:
    // that one is kept for an account under its share.
    if (own > 0 || this.inFlight >= this.concurrency) return 0;
    if (account < this.accountShare) return 1;
    return account === this.accountShare && this.concurrency - this.inFlight > 1 ? 1 : 0;
  }

  take(hook: SlotHolder): void {
    this.inFlight++;
    bump(this.byHook, hook.id, 1);
    bump(this.byAccount, hook.account_id, 1);
  }

  release(hook: SlotHolder): void {
    this.inFlight--;
    bump(this.byHook, hook.id, -1);
    bump(this.byAccount, hook.account_id, -1);
  }

  holds(hook: SlotHolder): boolean {
    return this.byHook.has(hook.id);
  }

  /** Slots of the shared part not in use. */
  get idle(): number {
    return this.concurrency - this.reserve - this.inFlight;
  }
}

function bump(counts: Map<number, number>, key: number, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
