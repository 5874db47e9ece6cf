// The engine's view of each account's money: balances and rate tables read from the store now and then,
// the charge of each ended call, and whether an account may dial (a metered account needs 1 USD). Charges
// are committed by the dispatch store with the outcome; this cache only follows them between reloads.
import { callCharge, MIN_BALANCE_MICROS } from "../model/billing.ts";
import { type AccountBillingState, loadBilling } from "../store/billing.ts";
import type { Store } from "../store/db.ts";

export class AccountBilling {
  private accounts = new Map<number, AccountBillingState>();
  /** Per reload under way, the charges noted meanwhile by account. */
  private readonly reloads = new Set<Map<number, number>>();

  constructor(private readonly store: Store) {}

  /** Re-reads the given accounts, or every known one. Returns the balances read (null: unmetered). */
  async reload(accountIds: number[] = [...this.accounts.keys()]): Promise<Map<number, number | null>> {
    const ids = [...new Set(accountIds)];
    // A charge committed and noted while the read is on its way may be missing from it, and the read would
    // put the balance from before it back: counted again instead. Counted twice at worst (it committed
    // before the read), which errs under the floor, where a verdict is confirmed from the store.
    const noted = new Map<number, number>();
    this.reloads.add(noted);
    let fresh: Map<number, AccountBillingState>;
    try {
      fresh = await loadBilling(this.store.db, ids);
    } finally {
      this.reloads.delete(noted);
    }
    const read = new Map<number, number | null>();
    for (const id of ids) {
      const state = fresh.get(id);
      read.set(id, state?.balanceMicros ?? null);
      if (state && state.balanceMicros !== null) state.balanceMicros -= noted.get(id) ?? 0;
      if (state) this.accounts.set(id, state);
      else this.accounts.delete(id);
    }
    return read;
  }

  /** Whether the account may dial, judged from the balance the store holds now: the cache may count a
   *  charge twice (see reload), which must not stop a campaign the account can pay for. */
  async confirmBalance(accountId: number, owedMicros = 0): Promise<boolean> {
    const balance = (await this.reload([accountId])).get(accountId) ?? null;
    return balance === null || balance - owedMicros >= MIN_BALANCE_MICROS;
  }

  /** Whether the account may dial, owing `owedMicros` more than the balance read says (charges of ended
   *  calls not written yet). */
  async hasBalance(accountId: number, owedMicros = 0): Promise<boolean> {
    if (!this.accounts.has(accountId)) await this.reload([accountId]);
    const balance = this.accounts.get(accountId)?.balanceMicros ?? null;
    return balance === null || balance - owedMicros >= MIN_BALANCE_MICROS;
  }

  /** What an ended call costs its account; 0 for unmetered accounts and free destinations. */
  chargeFor(accountId: number, phone: string, answered: boolean, talkSec: number): number {
    const state = this.accounts.get(accountId);
    if (!state || state.balanceMicros === null) return 0;
    return callCharge(state.rates, phone, answered, talkSec);
  }

  /** Follows charges the store has committed until the next reload. */
  noteCharged(accountId: number, micros: number): void {
    const state = this.accounts.get(accountId);
    if (state && state.balanceMicros !== null) state.balanceMicros -= micros;
    for (const noted of this.reloads) noted.set(accountId, (noted.get(accountId) ?? 0) + micros);
  }
}
