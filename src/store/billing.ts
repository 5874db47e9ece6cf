// Balances, rates and the ledger. A top-up and its ledger row commit together; call charges are written by
// the dispatch stores with the attempt's outcome (see FinishedAttempt.charge).
import type { Kysely } from "kysely";
import { type RateTable, sortRates } from "../model/billing.ts";
import { atomically } from "./atomic.ts";
import type { Store } from "./db.ts";
import type { BalanceTransactionRow, Database } from "./schema.ts";

export interface AccountBillingState {
  /** null = the account is not metered. */
  balanceMicros: number | null;
  rates: RateTable;
}

/** Balances and rate tables of the given accounts. */
export async function loadBilling(
  db: Kysely<Database>,
  accountIds: number[],
): Promise<Map<number, AccountBillingState>> {
  const out = new Map<number, AccountBillingState>();
  if (accountIds.length === 0) return out;
  const accounts = await db
    .selectFrom("accounts")
    .select(["id", "balance_micros", "default_rate_micros"])
    .where("id", "in", accountIds)
    .execute();
  const rates = await db
    .selectFrom("rates")
    .select(["account_id", "prefix", "rate_micros"])
    .where("account_id", "in", accountIds)
    .execute();
  for (const a of accounts) {
    const own = rates.filter((r) => r.account_id === a.id);
    out.set(a.id, {
      balanceMicros: a.balance_micros,
      rates: {
        defaultMicrosPerMinute: a.default_rate_micros,
        prefixes: sortRates(own.map((r) => ({ prefix: r.prefix, microsPerMinute: r.rate_micros }))),
      },
    });
  }
  return out;
}

/** The balance the store holds now (null: unmetered; undefined: no such account): one row by its key, for
 *  the checks of an account near its floor, which make it at each dispatch pass. */
export async function loadBalance(
  db: Kysely<Database>,
  accountId: number,
): Promise<number | null | undefined> {
  const row = await db
    .selectFrom("accounts")
    .select("balance_micros")
    .where("id", "=", accountId)
    .executeTakeFirst();
  return row?.balance_micros;
}

/** What a top-up did: added, or found its idempotency key already used (`earlier` is that top-up, which
 *  may differ from this one: the caller decides whether that is a replay or a key reused). */
export type TopUpResult =
  | { added: true; balanceMicros: number }
  | { added: false; earlier: { amountMicros: number; note: string | null } };

/** Adds to the balance (an unmetered account becomes metered from 0) with its ledger row. With a key, a
 *  top-up whose key the account has used before adds nothing: the ledger row and the balance change
 *  commit together, so a retry after a lost answer, or two at once, credit the account once. */
export async function topUp(
  store: Store,
  accountId: number,
  micros: number,
  note: string | null,
  now: number,
  idempotencyKey: string | null = null,
): Promise<TopUpResult> {
  const db = store.db;
  const [ledgered] = await atomically(
    store,
    [
      db
        .insertInto("balance_transactions")
        .values({
          account_id: accountId,
          kind: "top_up",
          amount_micros: micros,
          attempt_id: null,
          note,
          created_at: now,
          idempotency_key: idempotencyKey,
        })
        .onConflict((oc) => oc.columns(["account_id", "idempotency_key"]).doNothing())
        .compile(),
    ],
    {
      thenIfChanged: [
        db
          .updateTable("accounts")
          .set((eb) => ({ balance_micros: eb(eb.fn.coalesce("balance_micros", eb.val(0)), "+", micros) }))
          .where("id", "=", accountId)
          .compile(),
      ],
    },
  );
  if (ledgered === 0 && idempotencyKey !== null) {
    const earlier = await db
      .selectFrom("balance_transactions")
      .select(["amount_micros", "note"])
      .where("account_id", "=", accountId)
      .where("idempotency_key", "=", idempotencyKey)
      .executeTakeFirstOrThrow();
    return { added: false, earlier: { amountMicros: Number(earlier.amount_micros), note: earlier.note } };
  }
  const row = await db
    .selectFrom("accounts")
    .select("balance_micros")
    .where("id", "=", accountId)
    .executeTakeFirst();
  return { added: true, balanceMicros: row?.balance_micros ?? 0 };
}

/** Replaces the account's rate table. */
export async function setRates(
  store: Store,
  accountId: number,
  table: { defaultMicrosPerMinute: number | null; prefixes: { prefix: string; microsPerMinute: number }[] },
): Promise<void> {
  const db = store.db;
  await atomically(store, [
    db
      .updateTable("accounts")
      .set({ default_rate_micros: table.defaultMicrosPerMinute })
      .where("id", "=", accountId)
      .compile(),
    db.deleteFrom("rates").where("account_id", "=", accountId).compile(),
    ...(table.prefixes.length
      ? [
          db
            .insertInto("rates")
            .values(
              table.prefixes.map((r) => ({
                account_id: accountId,
                prefix: r.prefix,
                rate_micros: r.microsPerMinute,
              })),
            )
            .compile(),
        ]
      : []),
  ]);
}

export async function listTransactions(
  db: Kysely<Database>,
  accountId: number,
  q: { afterId?: number; limit: number },
): Promise<BalanceTransactionRow[]> {
  let query = db
    .selectFrom("balance_transactions")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .limit(q.limit + 1);
  if (q.afterId !== undefined) query = query.where("id", ">", q.afterId);
  return query.execute();
}
