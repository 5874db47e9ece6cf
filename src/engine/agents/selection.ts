// Which ready agent takes an answered call: the lowest penalty first, then the campaign's strategy among
// those. Pure: the board passes the candidates, the memory of round-robin, a random source and where an
// agent served before stands in the queue now.
import type { AgentSelection } from "../../model/campaign-settings.ts";

export interface SelectableAgent {
  readonly id: number;
  readonly penalty: number;
  /** When the agent last became ready (ms): the longest idle is the earliest. */
  readonly readySince: number;
  /** Calls taken since login. */
  readonly callsTaken: number;
  /** Position in the campaign's queue (membership order, then id) for linear hunting. */
  readonly order: number;
}

/** The agent's position in the campaign's queue now; undefined once it has left it or logged out. */
export type QueuePosition = (agentId: number) => number | undefined;

export function selectAgent<A extends SelectableAgent>(
  ready: readonly A[],
  strategy: AgentSelection,
  memory: RoundRobinMemory,
  random: () => number,
  positionNow?: QueuePosition,
): A | null {
  if (ready.length === 0) return null;
  let best = Number.POSITIVE_INFINITY;
  for (const a of ready) if (a.penalty < best) best = a.penalty;
  const tier = ready.filter((a) => a.penalty === best);
  let chosen: A;
  switch (strategy) {
    case "longest_idle":
      chosen = minBy(tier, (a) => a.readySince);
      break;
    case "fewest_calls":
      // Ties go to the longest idle, so equal workloads still rotate.
      chosen = minBy(tier, (a) => a.callsTaken * 1e15 + a.readySince);
      break;
    case "linear":
      chosen = minBy(tier, (a) => a.order);
      break;
    case "random":
      chosen = tier[Math.min(tier.length - 1, Math.floor(random() * tier.length))];
      break;
    case "round_robin": {
      // The next agent after the last one of this tier served, in queue order, wrapping round.
      const sorted = [...tier].sort((a, b) => a.order - b.order);
      const from = rotationStart(memory, best, positionNow);
      chosen = sorted.find((a) => a.order >= from) ?? sorted[0];
      break;
    }
  }
  rememberServed(memory, chosen);
  return chosen;
}

/** `agent` is given the call: its tier's round robin goes on after it. Recorded for every strategy, so a
 *  campaign switched to round robin starts after the agent served last. */
export function rememberServed(memory: RoundRobinMemory, agent: SelectableAgent): void {
  memory.lastServed ??= new Map();
  memory.lastServed.set(agent.penalty, { id: agent.id, order: agent.order });
}

/** The queue position the tier's rotation goes on from (the first ready agent there or after). The agent
 *  served last is usually on its call, not among the candidates: still in the queue, the place after it
 *  as the queue stands now (a change may have moved it); gone from the board (`positionNow` undefined), its
 *  old place, which the agent behind it moved up to if it left the queue, and which is empty if it only
 *  logged out. Without `positionNow`, the places remembered are taken to hold. Before any, the start. */
function rotationStart(memory: RoundRobinMemory, penalty: number, positionNow?: QueuePosition): number {
  const last = memory.lastServed?.get(penalty);
  if (!last) return Number.NEGATIVE_INFINITY;
  const now = positionNow ? positionNow(last.id) : last.order;
  return now === undefined ? last.order : now + 1;
}

function minBy<A>(items: readonly A[], key: (a: A) => number): A {
  let best = items[0];
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i]);
    if (k < bestKey) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

/** One campaign's round robin. Each penalty tier rotates on its own: calls the preferred agents take must not
 *  restart the overflow tier's turn at its first agent. */
export interface RoundRobinMemory {
  /** By penalty: the agent of that tier served last, and its queue position then. */
  lastServed?: Map<number, { id: number; order: number }>;
}
