// Money for calls, in integer micro-USD so sums never drift: the per-minute rate of a destination (the
// longest matching prefix of its number, else the account's default), billed per started minute of an
// answered call. Pure; the store keeps balances and the ledger.

export const MICROS_PER_USD = 1_000_000;
/** Under this balance a metered account's campaigns do not start, and stop if running (Voximplant's rule). */
export const MIN_BALANCE_MICROS = MICROS_PER_USD;
export const LOW_BALANCE_REASON = "balance under 1 USD";

export interface RateTable {
  /** Micro-USD per minute when no prefix matches; null = calls are free. */
  defaultMicrosPerMinute: number | null;
  /** Destination prefixes (digits of the E.164 number, no '+'), longest first. */
  prefixes: { prefix: string; microsPerMinute: number }[];
}

export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}

export function sortRates(rates: { prefix: string; microsPerMinute: number }[]): RateTable["prefixes"] {
  return [...rates].sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
}

/** The destination's digits with their country code, as prefixes are written: an E.164 number's, or a
 *  number kept as written that says it is international ("+1 212 055 0100", "0044 20 7946 0000"). Null
 *  for one that does not ("8 (495) 123-45-67" is national: its digits are no country's prefix). */
function internationalDigits(phone: string): string | null {
  const text = phone.trim();
  if (text.startsWith("+")) return text.replace(/\D/g, "");
  if (text.startsWith("00")) return text.slice(2).replace(/\D/g, "");
  return null;
}

export function rateFor(table: RateTable, phone: string): number | null {
  const digits = internationalDigits(phone);
  if (digits !== null)
    for (const r of table.prefixes) if (digits.startsWith(r.prefix)) return r.microsPerMinute;
  return table.defaultMicrosPerMinute;
}

/** An answered call is billed per started minute of talk, at least one; an unanswered call is free. */
export function callCharge(table: RateTable, phone: string, answered: boolean, talkSec: number): number {
  if (!answered) return 0;
  const rate = rateFor(table, phone);
  if (!rate) return 0;
  return Math.max(1, Math.ceil(talkSec / 60)) * rate;
}
