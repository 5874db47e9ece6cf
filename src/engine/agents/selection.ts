// Which ready agent takes an answered call: the lowest penalty first, then the campaign's strategy among
// those. Pure: the board passes the candidates, the memory of round-robin and a random source.
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

export function selectAgent<A extends SelectableAgent>(
  ready: readonly A[],
  strategy: AgentSelection,
  memory: RoundRobinMemory,
  random: () => number,
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
      // The next agent after the last one served, in queue order, wrapping round.
      const sorted = [...tier].sort((a, b) => a.order - b.order);
      // The last one served is usually on its call now, so the memory is its place in the queue.
      const lastOrder = memory.lastOrder ?? Number.NEGATIVE_INFINITY;
      chosen = sorted.find((a) => a.order > lastOrder) ?? sorted[0];
      break;
    }
  }
  rememberServed(memory, chosen);
  return chosen;
}

/** `agent` is given the call: round robin goes on from its place in the queue. Recorded for every strategy,
 *  so a campaign switched to round robin starts after the agent served last. */
export function rememberServed(memory: RoundRobinMemory, agent: SelectableAgent): void {
  memory.lastOrder = agent.order;
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

export interface RoundRobinMemory {
  /** Queue position of the agent served last. */
  lastOrder?: number;
}
