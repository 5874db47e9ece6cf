// `outdial <command>`: dispatches to one file per command.
import { parseArgs } from "node:util";
import { stopProgress } from "./progress.ts";

const USAGE = `outdial — outbound call-campaign engine

usage:
  outdial serve [--demo]                       run the API and the dialer (config from OUTDIAL_* env)
  outdial import --campaign ID [--list ID] FILE [--delimiter ;|tab] [--encoding windows-1251]
                 [--phone-policy skip|reject|flag] [--duplicate-policy skip|allow|reject] [--default-country RU]
                                               import a CSV into a campaign of the local database
                                               (both policies default to skip; columns are found by
                                               their header names: phone, external_id, time_zone, …)
  outdial simulate CAMPAIGN.json CONTACTS.csv [--seed N] [--max-hours H] [--agents N] [--json]
                                               run a campaign on the virtual clock and the sim driver
  outdial explain ID [--url URL] [--key KEY]   why campaign ID is or is not dialing right now
  outdial pacing ID [--limit N] [--url URL] [--key KEY]
                                               how agent campaign ID is being paced: its latest decisions
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes("--help") || rest.includes("-h"))) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    switch (command) {
      case "serve":
        return await (await import("./serve.ts")).serveCommand(rest);
      case "import":
        return await (await import("./import.ts")).importCommand(rest);
      case "simulate":
        return await (await import("./simulate.ts")).simulateCommand(rest);
      case "explain":
        return await (await import("./explain.ts")).explainCommand(rest);
      case "pacing":
        return await (await import("./pacing.ts")).pacingCommand(rest);
      case undefined:
        // No command is a usage error: the usage goes where errors go, so a script piping stdout sees none.
        process.stderr.write(USAGE);
        return 1;
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    stopProgress();
    process.stderr.write(`outdial ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export { parseArgs };
