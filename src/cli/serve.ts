// `outdial serve [--demo]`: runs the node. With --demo (what `npm start` does) it also creates, once, a
// demo campaign on the sim driver and prints its progress every few seconds so a newcomer can watch; on
// any other driver --demo is refused.
import { parseArgs } from "node:util";
import { loadConfig, maskUrlPassword } from "../config/config.ts";
import { startServer } from "../server.ts";
import { DASHBOARD_PATH } from "../web/dashboard.ts";
import { ensureDemoCampaign } from "./demo.ts";

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { demo: { type: "boolean" } } });
  const config = loadConfig();
  // A reader of stdout that went away (a log shipper or `| tee` that died, `| head`) must not take the node
  // down: its next write would raise EPIPE as an unhandled 'error', and a SIGTERM then killed the node before
  // its calls were ended and recorded. pino's own lines are dropped the same way.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  // Before anything is opened: on a real trunk the demo would dial its made-up numbers for real.
  if (values.demo && config.driver !== "sim") throw new Error(demoRefusal(config.driver));
  // Taken from before the start: a SIGTERM right after "listening" (onReady runs before startServer
  // returns) would otherwise kill the node the default way, with no shutdown.
  let stop: ((signal: string) => void) | null = null;
  let early: string | null = null;
  const onSignal = (signal: string) => {
    if (stop) stop(signal);
    else early ??= signal;
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  const server = await startServer(config, {
    onReady: async (s, bootstrapKey) => {
      const out = process.stdout;
      // One write: whoever reads "listening" (a supervisor, a test) finds the key in the same chunk.
      const database = maskUrlPassword(config.databaseUrl);
      let banner = `outdial listening on ${s.url} (database ${database}, driver ${config.driver})\n`;
      banner += `  dashboard: ${s.url}${DASHBOARD_PATH}   API docs: ${s.url}/docs   OpenAPI: ${s.url}/v1/openapi.json\n`;
      if (bootstrapKey) {
        banner += `\nFirst start: created account "default" and its owner API key (shown only now, keep it):\n\n`;
        banner += `  export OUTDIAL_API_KEY=${bootstrapKey}\n\n`;
      }
      out.write(banner);
      if (values.demo) {
        const demo = await ensureDemoCampaign(s.store, s.engine, Date.now());
        out.write(
          `demo campaign ${demo.campaignId} "${demo.name}" is ${demo.status}: ${demo.contacts} contacts on the sim driver\n`,
        );
        out.write(
          `  watch it at ${s.url}${DASHBOARD_PATH} (with ${bootstrapKey ? "the key above" : "your API key"}), or: curl -s -H "Authorization: Bearer $OUTDIAL_API_KEY" ${s.url}/v1/campaigns/${demo.campaignId}/explain\n`,
        );
        const timer = setInterval(async () => {
          const counts = await s.engine.dispatch.countByStatus(demo.campaignId).catch(() => null);
          if (!counts) return;
          const line = Object.entries(counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ");
          out.write(
            `[demo] ${new Date().toISOString().slice(11, 19)} in flight ${s.engine.dispatcher.inFlight} | ${line}\n`,
          );
        }, 5000);
        timer.unref();
      }
    },
  });
  // A supervisor must learn of a shutdown that failed (calls perhaps left unrecorded): exit 1 then.
  return await new Promise<number>((resolve) => {
    stop = (signal: string) => {
      process.stdout.write(`${signal}: shutting down\n`);
      server.close().then(
        () => resolve(0),
        (err) => {
          process.stderr.write(`shutdown failed: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    if (early !== null) stop(early);
  });
}

/** Why --demo is refused on `driver`, and what to run instead. */
function demoRefusal(driver: string): string {
  return (
    `--demo dials made-up numbers and runs only on the sim driver, not on OUTDIAL_DRIVER=${driver}; ` +
    "drop --demo (run `outdial serve`, not `npm start`) to serve without the demo campaign"
  );
}
