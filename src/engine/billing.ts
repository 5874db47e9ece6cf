// The engine's view of each account's money: balances and rate tables read from the store now and then,
// the charge of each ended call, and whether an account may dial (a metered account needs 1 USD). Charges
// are committed by the dispatch store with the outcome; this cache only follows them between reloads.
import { callCharge, MIN_BALANCE_MICROS } from "../model/billing.ts";
import { type AccountBillingState, loadBalance, loadBilling } from "../store/billing.ts";
import type { Store } from "../store/db.ts";

export class AccountBilling {
  private accounts = new Map<number, AccountBillingState>();
  /** Per reload under way, the charges noted meanwhile by account. */
  private readonly reloads = new Set<Map<number, number>>();

  constructor(private readonly store: Store) {}

  /** Re-reads the given accounts, or every known one. Returns the balances read (null: unmetered). */
  async reload(accountIds: number[] = [...this.accounts.keys()]): Promise<Map<number, number | null>> {
    const ids = [...new Set(accountIds)];
    const { value: fresh, noted } = await this.noting(() => loadBilling(this.store.db, ids));
    const read = new Map<number, number | null>();
    for (const id of ids) {
      const state = fresh.get(id);
      read.set(id, state?.balanceMicros ?? null);
      if (state) this.settle(id, state, noted.get(id) ?? 0);
      else this.forget(id);
    }
    return read;
  }

  /**
   * Whether the account may dial, owing `owedMicros` more than the store says (charges of ended calls not
   * written yet). A metered account is judged from the balance the store holds now (one row by its key):
   * the cache sees other nodes' charges only at a reload, and one long call's charge, written at its end,
   * can take an account from far above the floor to under it at once (review36); the cache may also count
   * a charge twice (see noting), which must not stop a campaign the account can pay for. Asked at each
   * dispatch pass's gate, each agent's dial, and each claimed dial's slot; unmetered accounts cost nothing.
   */
  async hasBalance(accountId: number, owedMicros = 0): Promise<boolean> {
    if (!this.accounts.has(accountId)) await this.reload([accountId]);
    if (!this.metered(accountId)) return true;
    const balance = await this.readBalance(accountId);
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

  /** Whether the account pays for its calls (as last read): hasBalance then reads the store. */
  metered(accountId: number): boolean {
    return (this.accounts.get(accountId)?.balanceMicros ?? null) !== null;
  }

  /** The account's balance as the store holds it now, also into the cache (its rates as last read). The
   *  verdict takes it as read: less the charges noted meanwhile, it could count one twice (see noting). */
  private async readBalance(accountId: number): Promise<number | null> {
    const { value: balance, noted } = await this.noting(() => loadBalance(this.store.db, accountId));
    const state = this.accounts.get(accountId);
    if (balance === undefined || !state) {
      this.forget(accountId);
      return null;
    }
    this.settle(accountId, { ...state, balanceMicros: balance }, noted.get(accountId) ?? 0);
    return balance;
  }

  /**
   * Runs a read of balances and returns with it the charges noted while it ran. A charge committed and
   * noted while the read is on its way may be missing from it, and the read would put the balance from
   * before it back: counted again instead. Counted twice at worst (it committed before the read), which
   * errs low, and a verdict is read from the store.
   */
  private async noting<T>(read: () => Promise<T>): Promise<{ value: T; noted: Map<number, number> }> {
    const noted = new Map<number, number>();
    this.reloads.add(noted);
    try {
      return { value: await read(), noted };
    } finally {
      this.reloads.delete(noted);
    }
  }

  /** Puts a read state in the cache, less the charges noted during the read. */
  private settle(accountId: number, state: AccountBillingState, notedMicros: number): void {
    if (state.balanceMicros !== null) state.balanceMicros -= notedMicros;
    this.accounts.set(accountId, state);
  }

  private forget(accountId: number): void {
    this.accounts.delete(accountId);
  }
}
