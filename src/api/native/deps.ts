// What every native route plugin is given: the store, the engine's control surface and the clock.
import type { Clock } from "../../clock/clock.ts";
import type { EngineControl } from "../../engine/types.ts";
import type { Store } from "../../store/db.ts";

export interface NativeApiDeps {
  store: Store;
  engine: EngineControl;
  clock: Clock;
}

/** Keyset paging: ask the store for one row more than the page to learn whether another page follows. */
export function keysetPage<T extends { id: number }, V>(
  rows: T[],
  limit: number,
  view: (row: T) => V,
): { data: V[]; next_after_id: number | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { data: page.map(view), next_after_id: more ? page[page.length - 1].id : null };
}
