// The native /v1 API: every route plugin, registered in one place.
import type { FastifyInstance } from "fastify";
import type { AgentSnapshot } from "../../engine/agents/board.ts";
import { installNativeTextGuard } from "../plugins/text-guard.ts";
import { agentActionRoutes } from "./agent-actions.ts";
import { agentCallbackRoutes } from "./agent-callbacks.ts";
import { agentDispositionRoutes } from "./agent-disposition.ts";
import { agentReportRoutes } from "./agent-report.ts";
import { agentRoutes } from "./agents.ts";
import { apiKeyRoutes } from "./api-keys.ts";
import { attemptRoutes } from "./attempts.ts";
import { billingRoutes } from "./billing.ts";
import { campaignAbandonmentRoutes } from "./campaign-abandonment.ts";
import { campaignLifecycleRoutes } from "./campaign-lifecycle.ts";
import { campaignPacingRoutes } from "./campaign-pacing.ts";
import { campaignReportRoutes } from "./campaign-report.ts";
import { campaignTokenRoutes } from "./campaign-tokens.ts";
import { campaignRoutes } from "./campaigns.ts";
import { contactRoutes } from "./contacts.ts";
import { credentialRoutes } from "./credentials.ts";
import type { AgentLiveState, NativeApiDeps } from "./deps.ts";
import { dncRoutes } from "./dnc.ts";
import { exportRoutes } from "./export/routes.ts";
import { healthRoutes } from "./health.ts";
import { listRoutes } from "./lists.ts";
import { queueRoutes } from "./queues.ts";
import { scenarioRoutes } from "./scenarios.ts";
import { webhookRoutes } from "./webhooks.ts";

export type { NativeApiDeps } from "./deps.ts";

function liveStates(snapshots: Map<number, AgentSnapshot>): Map<number, AgentLiveState> {
  const out = new Map<number, AgentLiveState>();
  for (const [id, s] of snapshots) {
    out.set(id, {
      state: s.state,
      since: s.since ?? 0,
      campaignId: s.campaignId,
      pauseReason: s.pauseReason,
    });
  }
  return out;
}

export async function nativeApi(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  installNativeTextGuard(app);
  await app.register(healthRoutes, deps);
  await app.register(campaignRoutes, deps);
  await app.register(campaignLifecycleRoutes, deps);
  await app.register(listRoutes, deps);
  await app.register(contactRoutes, deps);
  await app.register(attemptRoutes, deps);
  await app.register(exportRoutes, deps);
  await app.register(apiKeyRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(credentialRoutes, deps);
  await app.register(billingRoutes, deps);
  await app.register(campaignTokenRoutes, deps);
  await app.register(scenarioRoutes, deps);
  await app.register(dncRoutes, deps);
  // Agents' live states come from the engine unless the caller wires its own.
  const withAgents: NativeApiDeps = {
    ...deps,
    agentStates: deps.agentStates ?? ((accountId) => liveStates(deps.engine.agents.states(accountId))),
  };
  await app.register(agentRoutes, withAgents);
  await app.register(agentActionRoutes, withAgents);
  await app.register(agentDispositionRoutes, withAgents);
  await app.register(agentCallbackRoutes, deps);
  await app.register(agentReportRoutes, deps);
  await app.register(campaignReportRoutes, deps);
  await app.register(campaignPacingRoutes, deps);
  await app.register(campaignAbandonmentRoutes, deps);
  await app.register(queueRoutes, withAgents);
}
