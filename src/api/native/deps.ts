// What every native route plugin is given: the store, the engine's control surface and the clock.
import type { Clock } from "../../clock/clock.ts";
import type { EngineControl } from "../../engine/types.ts";
import type { Store } from "../../store/db.ts";

export interface NativeApiDeps {
  store: Store;
  engine: EngineControl;
  clock: Clock;
  /** The engine's live state of the given agents of the account; an agent missing from the map (or no
   *  hook at all) reads as logged out. */
  agentStates?: (
    accountId: number,
    agentIds: number[],
  ) => Map<number, AgentLiveState> | Promise<Map<number, AgentLiveState>>;
  /** Told after an agent or a queue (a campaign's own, a named one, a campaign's queueId) was created,
   *  changed or deleted; absent, the engine's agentsChanged (see tellAgentsChanged). */
  agentsChanged?: (accountId: number) => void | Promise<void>;
}

/** Tells whoever follows the account's queues that they changed: the deps' hook, else the engine. Awaited
 *  by the routes, so that their answer comes once agents taken out of a queue while ready are logged out. */
export async function tellAgentsChanged(deps: NativeApiDeps, accountId: number): Promise<void> {
  if (deps.agentsChanged) await deps.agentsChanged(accountId);
  else await deps.engine.agentsChanged(accountId);
}

export interface AgentLiveState {
  /** logged_out | ready | reserved | on_call | wrap_up | paused */
  state: string;
  /** Since when, ms epoch. */
  since: number;
  /** The campaign the agent is reserved for, on a call of, or wrapping up. */
  campaignId: number | null;
  pauseReason: string | null;
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
