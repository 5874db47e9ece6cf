// Composition root for a running outdial node: opens the store, the telephony driver and the engine,
// builds the HTTP app, listens, and shuts everything down in order on SIGTERM/SIGINT.
import dns from "node:dns";
import fs from "node:fs";
import os from "node:os";
import type { FastifyInstance } from "fastify";
import { ensureBootstrapKey } from "./api/plugins/auth.ts";
import { buildApp } from "./app.ts";
import { WallClock } from "./clock/clock.ts";
import { type Config, ConfigError, readTlsFiles, type TlsFiles } from "./config/config.ts";
import { Engine } from "./engine/engine.ts";
import { sweepScratchFilesAtStart } from "./lists/sqlite-writer.ts";
import { WebhookDelivery } from "./outbox/delivery.ts";
import { openStore, type Store } from "./store/db.ts";
import { sipDialogJournal } from "./store/sip-dialogs.ts";
import type { TelephonyDriver } from "./telephony/driver.ts";
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
  const https = await checkBeforeOpening(config);
  const clock = new WallClock();
  // To stderr until the app's logger exists.
  let connectionBroke = (err: Error): void => {
    process.stderr.write(`a database connection broke: ${err.message}\n`);
  };
  const store = await openStore({
    url: config.databaseUrl,
    onConnectionError: (err) => connectionBroke(err),
  });
  sweepScratchFilesAtStart(store.dialect, config.databaseUrl);
  // What is open so far: a start that fails halfway (a bad TLS file, the port in use) closes it again.
  const opened: {
    driver?: TelephonyDriver;
    engine?: Engine;
    delivery?: WebhookDelivery;
    app?: FastifyInstance;
  } = {};
  let closing: Promise<void> | null = null;
  const closeAll = () => {
    closing ??= (async () => {
      const { driver, engine, delivery, app } = opened;
      // No webhook send begins from now, and those in flight get the grace, not their own timeout (as long
      // again): then they are cut short, their events given back for the next node or start to send.
      delivery?.beginStop(config.shutdownGraceMs);
      // Requests under way get the grace period to finish, then their connections are closed (one slow
      // client must not keep the node alive after a stop signal).
      const httpClosed = app ? closeHttp(app, config.shutdownGraceMs) : undefined;
      // Meanwhile, not after the grace: dialing stops, the driver hangs up the calls still on the line and
      // how each ended is written. A supervisor's SIGKILL commonly comes as the grace would end (`docker
      // stop`: 10 s); calls left to another node's sweep would be recorded lost and their people called
      // again. A request served during the grace dials nothing (the dispatcher is stopped: a preview's
      // dial is given back), and an agent's hang-up finds the call ended or ending.
      const callsEnded = (async () => {
        // A failed write keeps the outcomes for the engine's shutdown, which writes them again and fails
        // the shutdown if it cannot; the driver hangs up the calls on the line all the same.
        await engine?.stopDialing().catch(() => {});
        await driver?.close();
        await engine?.dispatcher.flush().catch(() => {});
      })();
      try {
        const settled = await Promise.allSettled([callsEnded, httpClosed]);
        // Only then are the campaigns let go (their calls no longer count against anyone's limits), so a
        // node started right after this one dials at once; a lease taken by a request served during the
        // grace (a campaign started) goes too. Whatever failed above: the engine's shutdown alone stops its
        // timers (a live one kept the process from exiting), writes the kept outcomes and lets leases go.
        await engine?.shutdown();
        for (const r of settled) if (r.status === "rejected") throw r.reason;
      } finally {
        // Whatever failed above (a database gone away refused the last writes): the webhook delivery left
        // running kept leasing and sending from a node that had told its supervisor it stopped, and with
        // the store kept the process from ever exiting.
        try {
          await delivery?.stop();
        } finally {
          await store.close();
        }
      }
    })();
    return closing;
  };
  try {
    const driver = createDriver(
      config.driver,
      { clock },
      {
        seed: config.simSeed,
        scenario: config.simScenario,
        dialLogPath: config.simDialLog ?? undefined,
      },
      // The sip driver keeps its answered calls' dialogs in the store, under this node's id, so that a
      // restart hangs up those a killed run left on the line (and no other live node's at the same address).
      config.sip === null
        ? null
        : {
            ...config.sip,
            journal: sipDialogJournal(store.db, {
              id: config.nodeId,
              host: os.hostname(),
              now: () => clock.now(),
            }),
          },
    );
    opened.driver = driver;
    const engine = new Engine({
      store,
      clock,
      driver,
      nodeId: config.nodeId,
      leaseMs: config.leaseMs,
      onError: (err) => app.log.error({ err }, "dispatch pass failed"),
    });
    opened.engine = engine;
    // The node id before the driver: a sip driver's start hangs up the dialogs kept under the id, which
    // under an id another live process holds are that process's calls, on the line.
    await engine.claimNodeId();
    await driver.start?.();
    const delivery = new WebhookDelivery({
      store,
      clock,
      nodeId: config.nodeId,
      baseBackoffMs: config.webhookBackoffBaseMs,
      maxBackoffMs: config.webhookBackoffMaxMs,
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookAllowPrivate,
      keepDeliveredMs: config.webhookKeepDeliveredMs,
      keepDeadMs: config.webhookKeepDeadMs,
      onError: (err) => app.log.error({ err }, "webhook delivery pass failed"),
    });
    opened.delivery = delivery;
    engine.onEvents = () => delivery.eventsWritten();
    const app = await buildApp({ store, engine, clock, config, logger: true, https });
    connectionBroke = (err) => app.log.warn({ err }, "a database connection broke; the pool opens another");
    opened.app = app;
    // Brings back, too, a face's campaign given contacts just as a process died (engine/face-add-recovery.ts).
    await engine.run();
    delivery.start();
    const url = await app.listen({ host: config.host, port: config.port }).catch((err: unknown) => {
      throw listenRefused(err, config);
    });
    // Made once it listens: a first start that cannot (its port taken) must not make, and never show, the
    // owner's key, leaving every later start to find an account and print none.
    const bootstrapKey = await ensureBootstrapKey(store, clock.now());
    const server: RunningServer = { app, engine, store, url, close: closeAll };
    await opts.onReady?.(server, bootstrapKey);
    return server;
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
}

/**
 * What the configuration names that only a start can check, checked before the database is opened and
 * migrated: a bad TLS file, a host that does not resolve or a dial log that cannot be written is refused
 * naming its variable, and leaves nothing behind. Returns the TLS files' contents.
 */
async function checkBeforeOpening(config: Config): Promise<TlsFiles | undefined> {
  const https = readTlsFiles(config);
  try {
    await dns.promises.lookup(config.host);
  } catch (err) {
    throw new ConfigError(
      "OUTDIAL_HOST",
      `does not resolve to an address (${config.host}): ${messageOf(err)}`,
    );
  }
  // The sim driver opens it the same way (append, created if missing) once the store is open.
  if (config.driver === "sim" && config.simDialLog !== null) {
    try {
      fs.closeSync(fs.openSync(config.simDialLog, "a"));
    } catch (err) {
      throw new ConfigError("OUTDIAL_SIM_DIAL_LOG", `cannot be appended to: ${messageOf(err)}`);
    }
  }
  return https;
}

/** A failed listen named by the variable to change: the address for one not on this host, else the port
 *  (taken, or privileged); node's own message ("listen EADDRINUSE …") is kept at the end. */
function listenRefused(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const where = `${config.host} port ${config.port}`;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new ConfigError("OUTDIAL_HOST", `is not an address of this host (${where}): ${messageOf(err)}`);
  if (code === "EADDRINUSE" || code === "EACCES")
    return new ConfigError("OUTDIAL_PORT", `cannot be listened on (${where}): ${messageOf(err)}`);
  return err;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Closes the HTTP server: requests under way may finish within `graceMs`, then every connection is cut. */
async function closeHttp(app: FastifyInstance, graceMs: number): Promise<void> {
  const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}
