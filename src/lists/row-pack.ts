// Accepted rows crossing from the import worker to the main thread, which stages them while the worker
// parses on. Posting the tuple arrays themselves made the worker spend longer in the structured clone
// (every value tagged, every string flattened on its own) than the stage write it was meant to take off
// it; one string per batch is a single copy. Layout: a row's ROW_STRIDE values joined by US (0x1f),
// rows each ended by RS (0x1e), null written as nothing. That is unambiguous because no staged value
// holds a control character (custom fields and phone lists are JSON, control characters escaped; kept
// raw phones have them removed; an external_id with one is rejected; zones are names or offsets) and
// no staged text is empty (an empty external_id or zone is null).
import {
  DAILY_FROM,
  DAILY_TO,
  FLAGGED,
  PHONE_COUNT,
  PRIORITY,
  ROW,
  ROW_STRIDE,
  START_AT,
} from "./contact-rules.ts";

if (ROW_STRIDE !== 12) throw new Error("row-pack.ts packs 12 values a row");

/** The stage columns holding numbers (the rest are text). */
const NUMERIC = new Array<boolean>(ROW_STRIDE).fill(false);
for (const i of [ROW, DAILY_FROM, DAILY_TO, START_AT, PRIORITY, PHONE_COUNT, FLAGGED]) NUMERIC[i] = true;

export function packRows(tuples: readonly unknown[]): string {
  const v = tuples as readonly (string | number | null)[];
  let text = "";
  // One template a row (ROW_STRIDE = 12 values), not a concatenation a value.
  for (let i = 0; i < v.length; i += ROW_STRIDE) {
    text += `${v[i] ?? ""}\u001f${v[i + 1] ?? ""}\u001f${v[i + 2] ?? ""}\u001f${v[i + 3] ?? ""}\u001f${v[i + 4] ?? ""}\u001f${v[i + 5] ?? ""}\u001f${v[i + 6] ?? ""}\u001f${v[i + 7] ?? ""}\u001f${v[i + 8] ?? ""}\u001f${v[i + 9] ?? ""}\u001f${v[i + 10] ?? ""}\u001f${v[i + 11] ?? ""}\u001e`;
  }
  return text;
}

/** packRows' tuples again, numbers as numbers. */
export function unpackRows(text: string): unknown[] {
  const out: unknown[] = [];
  let at = 0;
  let column = 0;
  const n = text.length;
  while (at < n) {
    let end = at;
    while (end < n) {
      const c = text.charCodeAt(end);
      if (c === 0x1f || c === 0x1e) break;
      end++;
    }
    if (end === at) out.push(null);
    else if (NUMERIC[column]) out.push(Number(text.slice(at, end)));
    else out.push(text.slice(at, end));
    column = column + 1 === ROW_STRIDE ? 0 : column + 1;
    at = end + 1;
  }
  return out;
}
