// The engine's view of each account's money: balances and rate tables read from the store now and then,
// the charge of each ended call, and whether an account may dial (a metered account needs 1 USD). Charges
// are committed by the dispatch store with the outcome; this cache only follows them between reloads.
import { callCharge, MICROS_PER_USD, MIN_BALANCE_MICROS } from "../model/billing.ts";
import { type AccountBillingState, loadBalance, loadBilling } from "../store/billing.ts";
import type { Store } from "../store/db.ts";

/**
 * The cache sees this node's charges as they commit, other nodes' only at a read of the store (each
 * maintenance pass, every 5 s): an account whose cached balance is within what other nodes may charge it
 * between two reads of the floor is judged from the store at each check instead (one row by its key).
 * That margin is twice the most other nodes were seen to charge it between two reads (spend grows as
 * campaigns ramp up), and never under 1 USD, which covers an account before any such charge is seen (a
 * hundred 6-cent minutes ending each minute are 0.50 USD in 5 s). Unmetered accounts and accounts above
 * the margin cost no query.
 */
const LEAST_CONFIRM_MARGIN_MICROS = MICROS_PER_USD;

export class AccountBilling {
  private accounts = new Map<number, AccountBillingState>();
  /** Per reload under way, the charges noted meanwhile by account. */
  private readonly reloads = new Set<Map<number, number>>();
  /** By account, the most its balance fell between two reads by charges this node did not note. */
  private readonly chargedElsewhere = new Map<number, number>();

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

  /** Whether the account may dial, owing `owedMicros` more than the balance read says (charges of ended
   *  calls not written yet). Near the floor, judged from the balance the store holds now: other nodes'
   *  charges reach the cache only at a reload, and the cache may count a charge twice (see noting), which
   *  must not stop a campaign the account can pay for. At each dispatch pass's gate and each agent's dial. */
  async hasBalance(accountId: number, owedMicros = 0): Promise<boolean> {
    if (!this.accounts.has(accountId)) await this.reload([accountId]);
    const cached = this.accounts.get(accountId)?.balanceMicros ?? null;
    if (cached === null) return true;
    if (cached - owedMicros >= MIN_BALANCE_MICROS + this.confirmMargin(accountId)) return true;
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

  /** Whether hasBalance would read the store for the account now (metered, within the margin). */
  nearFloor(accountId: number): boolean {
    const cached = this.accounts.get(accountId)?.balanceMicros ?? null;
    return cached !== null && cached < MIN_BALANCE_MICROS + this.confirmMargin(accountId);
  }

  private confirmMargin(accountId: number): number {
    return Math.max(LEAST_CONFIRM_MARGIN_MICROS, 2 * (this.chargedElsewhere.get(accountId) ?? 0));
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
   * errs under the floor, where a verdict is read from the store.
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

  /** Puts a read state in the cache, less the charges noted during the read; what the balance fell by
   *  beyond the charges this node noted was charged by other nodes (top-ups only hide some of it). */
  private settle(accountId: number, state: AccountBillingState, notedMicros: number): void {
    if (state.balanceMicros !== null) state.balanceMicros -= notedMicros;
    const was = this.accounts.get(accountId)?.balanceMicros ?? null;
    if (was !== null && state.balanceMicros !== null) {
      const elsewhere = was - state.balanceMicros;
      if (elsewhere > (this.chargedElsewhere.get(accountId) ?? 0))
        this.chargedElsewhere.set(accountId, elsewhere);
    }
    this.accounts.set(accountId, state);
  }

  private forget(accountId: number): void {
    this.accounts.delete(accountId);
    this.chargedElsewhere.delete(accountId);
  }
}
