// Composition root for a running outdial node: opens the store, the telephony driver and the engine,
// builds the HTTP app, listens, and shuts everything down in order on SIGTERM/SIGINT.
import fs from "node:fs";
import type { FastifyInstance } from "fastify";
import { ensureBootstrapKey } from "./api/plugins/auth.ts";
import { buildApp } from "./app.ts";
import { WallClock } from "./clock/clock.ts";
import type { Config } from "./config/config.ts";
import { Engine } from "./engine/engine.ts";
import { removeStaleScratchFiles } from "./lists/sqlite-writer.ts";
import { WebhookDelivery } from "./outbox/delivery.ts";
import { openStore, type Store } from "./store/db.ts";
import { createDriver } from "./telephony/index.ts";

export interface RunningServer {
  app: FastifyInstance;
  engine: Engine;
  store: Store;
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  opts: { onReady?(s: RunningServer, bootstrapKey: string | null): Promise<void> | void } = {},
): Promise<RunningServer> {
  const clock = new WallClock();
  const store = await openStore({ url: config.databaseUrl });
  if (store.dialect === "sqlite" && config.databaseUrl !== ":memory:") {
    for (const name of removeStaleScratchFiles(config.databaseUrl))
      process.stderr.write(`removed ${name}, left by an import whose process died\n`);
  }
  const driver = createDriver(
    config.driver,
    { clock },
    {
      seed: config.simSeed,
      scenario: config.simScenario,
      dialLogPath: config.simDialLog ?? undefined,
    },
  );
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: config.nodeId,
    leaseMs: config.leaseMs,
    onError: (err) => app.log.error({ err }, "dispatch pass failed"),
  });
  const delivery = new WebhookDelivery({
    store,
    clock,
    nodeId: config.nodeId,
    baseBackoffMs: config.webhookBackoffBaseMs,
    maxBackoffMs: config.webhookBackoffMaxMs,
    timeoutMs: config.webhookTimeoutMs,
    allowPrivateNetworks: config.webhookAllowPrivate,
    onError: (err) => app.log.error({ err }, "webhook delivery pass failed"),
  });
  engine.onEvents = () => delivery.wake();
  const https =
    config.tlsCert && config.tlsKey
      ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }
      : undefined;
  const app = await buildApp({ store, engine, clock, config, logger: true, https });
  const bootstrapKey = await ensureBootstrapKey(store, clock.now());
  let closing: Promise<void> | null = null;
  const closeAll = () => {
    closing ??= (async () => {
      await app.close();
      // Stopping the engine releases its campaign leases, so a node started again right after a failed
      // start (port in use, bad TLS file) dials at once instead of waiting for the leases to run out.
      await engine.shutdown();
      await delivery.stop();
      await driver.close();
      await store.close();
    })();
    return closing;
  };
  let address: string;
  try {
    await engine.run();
    delivery.start();
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
  const server: RunningServer = { app, engine, store, url: address, close: closeAll };
  try {
    await opts.onReady?.(server, bootstrapKey);
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
  return server;
}
