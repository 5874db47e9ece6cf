// The engine's view of each account's money: balances and rate tables read from the store now and then,
// the charge of each ended call, and whether an account may dial (a metered account needs 1 USD). Charges
// are committed by the dispatch store with the outcome; this cache only follows them between reloads.
import { callCharge, MIN_BALANCE_MICROS } from "../model/billing.ts";
import { type AccountBillingState, loadBilling } from "../store/billing.ts";
import type { Store } from "../store/db.ts";

export class AccountBilling {
  private accounts = new Map<number, AccountBillingState>();

  constructor(private readonly store: Store) {}

  /** Re-reads the given accounts, or every known one. */
  async reload(accountIds: number[] = [...this.accounts.keys()]): Promise<void> {
    const ids = [...new Set(accountIds)];
    const fresh = await loadBilling(this.store.db, ids);
    for (const id of ids) {
      const state = fresh.get(id);
      if (state) this.accounts.set(id, state);
      else this.accounts.delete(id);
    }
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
  }
}
