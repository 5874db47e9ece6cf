// Numbers as JSON.parse leaves them. An integer beyond ±2^53 (a 64-bit CRM or order id) is already rounded
// when a route sees it: stored, it would be another id than the client sent, under a 200. Every way a JSON
// number becomes a contact's data (the JAICP payload, the native JSON add and contact edit, Twin24's
// variables, Xcally's cf_ fields) refuses it with this advice, as text that cannot be stored is refused.

/** What such a refusal says after the field it names. */
export const INEXACT_INTEGER_ADVICE = `an integer beyond ±${Number.MAX_SAFE_INTEGER} is not read exactly from JSON; send it as a string`;

/**
 * The path of the first integer in `value` that JSON.parse could not read exactly, or undefined. `path`
 * names `value` itself; members are named `path.key` and `path[i]`. A stack, not recursion: a body of
 * 16 MiB may nest a million levels deep.
 */
export function inexactInteger(value: unknown, path: string): string | undefined {
  const stack: [unknown, string][] = [[value, path]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, at] = next;
    if (typeof item === "number" && Number.isInteger(item) && !Number.isSafeInteger(item)) return at;
    if (item === null || typeof item !== "object") continue;
    const entries = Array.isArray(item)
      ? item.map((member, i): [unknown, string] => [member, `${at}[${i}]`])
      : Object.entries(item).map(([key, member]): [unknown, string] => [member, `${at}.${key}`]);
    // Pushed last first, so the one named is the first as the client wrote them (one at a time: spreading
    // a list of millions would overflow the call stack).
    for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i]);
  }
  return undefined;
}
