// Agents for engine tests: rows and a campaign queue in the store, logged in through the engine's desk,
// optionally played by simulated agents (talk and wrap-up drawn from distributions).
import { type SimulatedAgentOptions, SimulatedAgents } from "../../src/engine/agents/simulated.ts";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import type { Harness } from "./engine-harness.ts";

/** Creates `count` agents in the campaign's queue (penalties from `penalties`, default 0) and returns their ids. */
export async function queueAgents(
  h: Harness,
  campaignId: number,
  count: number,
  penalties: number[] = [],
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const row = await createAgent(
      h.store.db,
      h.accountId,
      { name: `agent ${i + 1}`, userId: null, extension: null },
      h.clock.now(),
    );
    ids.push(row.id);
  }
  const refusal = await setCampaignAgents(
    h.store,
    h.accountId,
    campaignId,
    ids.map((agentId, i) => ({ agentId, penalty: penalties[i] ?? 0 })),
    h.clock.now(),
  );
  if (refusal) throw new Error(`queue refused: ${JSON.stringify(refusal)}`);
  return ids;
}

export function simulatedAgents(h: Harness, o: SimulatedAgentOptions): SimulatedAgents {
  return new SimulatedAgents(h.engine.agents, h.engine.board, h.clock, h.accountId, o);
}
