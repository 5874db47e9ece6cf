// The native /v1 API: every route plugin, registered in one place.
import type { FastifyInstance } from "fastify";
import { apiKeyRoutes } from "./api-keys.ts";
import { attemptRoutes } from "./attempts.ts";
import { billingRoutes } from "./billing.ts";
import { campaignLifecycleRoutes } from "./campaign-lifecycle.ts";
import { campaignTokenRoutes } from "./campaign-tokens.ts";
import { campaignRoutes } from "./campaigns.ts";
import { contactRoutes } from "./contacts.ts";
import { credentialRoutes } from "./credentials.ts";
import type { NativeApiDeps } from "./deps.ts";
import { exportRoutes } from "./export/routes.ts";
import { healthRoutes } from "./health.ts";
import { listRoutes } from "./lists.ts";
import { scenarioRoutes } from "./scenarios.ts";
import { webhookRoutes } from "./webhooks.ts";

export type { NativeApiDeps } from "./deps.ts";

export async function nativeApi(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  await app.register(healthRoutes);
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
}
