// `outdial simulate CAMPAIGN.json CONTACTS.csv`: imports the contacts into a private in-memory database,
// runs the campaign on the virtual clock with the sim driver, and prints the report.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { type SimulationReport, simulateCampaign } from "../engine/simulation.ts";
import { type ImportReport, importCsv } from "../lists/import.ts";
import { sweepScratchFilesAtStart } from "../lists/sqlite-writer.ts";
import { withDefaults } from "../model/campaign-settings.ts";
import { insertAccount } from "../store/accounts.ts";
import { insertCampaign } from "../store/campaigns.ts";
import { openStore } from "../store/db.ts";
import { insertList } from "../store/lists.ts";
import { refuseExtraPositionals } from "./args.ts";
import { type CampaignFile, campaignStart, parseCampaignFile } from "./campaign-file.ts";
import { delimiterOption, type ImportTerms, inTermsOf } from "./import-terms.ts";
import { Interruption } from "./interruption.ts";
import { progressBar } from "./progress.ts";

/** The import's options and advice as the campaign file's csv fields (simulate has no import flags). */
function campaignFileTerms(campaignPath: string): ImportTerms {
  return {
    options: {
      encoding: `${campaignPath}: csv.encoding`,
      delimiter: `${campaignPath}: csv.delimiter`,
      default_country: `${campaignPath}: csv.defaultCountry`,
      duplicate_policy: `${campaignPath}: csv.duplicatePolicy`,
    },
    advice: {
      missing_phone_column: `outdial simulate does not map columns: rename the phone column to phone (or number, msisdn), or set csv.delimiter in ${campaignPath} if the fields are not separated by commas`,
      too_many_custom_fields:
        "outdial simulate does not map columns: remove the columns not to keep from the file",
      // In place of the import's hint, which may be the one for a NUL (UTF-16 text read as UTF-8).
      bad_encoding: `set the file's encoding as csv.encoding in ${campaignPath} (e.g. "csv": {"encoding": "windows-1251"}; for a NUL character, which every ASCII character of UTF-16 text holds: "utf-16le" or "utf-16be")`,
    },
  };
}

export function formatReport(r: SimulationReport): string {
  const hours = r.simulatedMs / 3_600_000;
  const pct = (n: number) => `${((100 * n) / Math.max(1, r.attempts)).toFixed(1)}%`;
  const lines = [
    `contacts            ${r.contacts}`,
    `attempts            ${r.attempts}`,
    ...Object.entries(r.byOutcome)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `  ${k.padEnd(18)}${String(v).padStart(8)}  ${pct(v)}`),
    `contacts by status  ${Object.entries(r.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `success rate        ${(100 * r.successRate).toFixed(1)}% of contacts`,
    `calls per hour      ${r.callsPerHour.toFixed(0)} (over ${(r.dialingMs / 3_600_000).toFixed(2)} h of dialing: stretches of over 15 min with no call up left out)`,
    `simulated duration  ${hours.toFixed(2)} h (${Math.round(r.simulatedMs / 1000)} s)`,
    `campaign status     ${r.campaignStatus}`,
    `wall time           ${(r.wallMs / 1000).toFixed(2)} s (${r.attemptsPerSec.toFixed(0)} attempts/s)`,
  ];
  const a = r.agents;
  // AMD false positives are estimated from machine verdicts: fractional counts, shown to one decimal.
  const count = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  if (a) {
    lines.push(
      `agents              ${a.count}`,
      `  occupancy         ${(100 * a.occupancy).toFixed(1)}% ((talk + wrap-up) / logged-in time on shift)`,
      `  on shift          ${a.onShiftHours.toFixed(1)} agent-hours (stretches of over 15 min with no call up are off shift)`,
      `  abandonment       ${(100 * a.abandonRate).toFixed(2)}% (${count(a.abandoned)} of ${count(a.liveAnswers)} live answers${Number.isInteger(a.abandoned) ? "" : ", AMD false positives estimated"})`,
      `  live connects     ${a.liveConnectsPerAgentHour.toFixed(1)} per agent-hour`,
      `  wait between calls ${a.meanWaitSec.toFixed(1)} s mean`,
    );
    const fp = a.amdFalsePositives;
    if (fp.machineVerdicts > 0) {
      lines.push(
        `  AMD false positives ${count(fp.estimated)} estimated in the rate, ${fp.known} people the simulation hung up on (of ${fp.machineVerdicts} machine verdicts)`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: "string" },
      "max-hours": { type: "string" },
      json: { type: "boolean" },
      agents: { type: "string" },
    },
  });
  const [campaignPath, csvPath] = positionals;
  if (!campaignPath || !csvPath) throw new Error("usage: outdial simulate CAMPAIGN.json CONTACTS.csv");
  refuseExtraPositionals(positionals, 2, "simulate takes one campaign file and one CSV file");
  // Checked now, not after the import: a typo must not cost the minutes a large CSV takes to read.
  const seedFlag =
    values.seed !== undefined ? numberOption("--seed", values.seed, 0, MAX_SEED, true) : undefined;
  const maxSimMs =
    values["max-hours"] !== undefined
      ? numberOption("--max-hours", values["max-hours"], 0.001, 100_000, false) * 3_600_000
      : undefined;
  const file = parseCampaignFile(fs.readFileSync(campaignPath, "utf8"), campaignPath);
  const settings = withDefaults(file.settings ?? {});
  if (file.scenario !== undefined)
    settings.scenario = typeof file.scenario === "string" ? file.scenario : null;
  const agents = agentsOption(values.agents, file.agents);
  // A robot campaign never hands a call to an agent: its agents would sit idle and report zeros.
  if (agents !== null && settings.dialMethod === "robot") {
    throw new Error(
      `agents need a campaign that dials for them: ${campaignPath} dials "robot"; set settings.dialMethod to preview, progressive, power or predictive`,
    );
  }
  // And the other way round: a campaign that dials for agents places no call without one, and the run
  // would idle to its time limit (30 simulated days) and report nothing.
  if (agents === null && settings.dialMethod !== "robot") {
    throw new Error(
      `${campaignPath} dials "${settings.dialMethod}", which calls for agents, and has none: set agents.count in the file or pass --agents N`,
    );
  }
  // parseCampaignFile has checked startAt, and the settings against it.
  const startAt = campaignStart(file);

  const store = await openStore({ url: ":memory:" });
  sweepScratchFilesAtStart(store.dialect, ":memory:");
  try {
    const accountId = await insertAccount(store.db, "simulation", startAt);
    const campaign = await insertCampaign(store.db, {
      accountId,
      name: file.name ?? "simulation",
      settings,
      now: startAt,
    });
    const list = await insertList(store.db, {
      accountId,
      campaignId: campaign.id,
      name: csvPath,
      now: startAt,
    });
    const size = fs.statSync(csvPath).size;
    const importBar = progressBar("import  ", size, "bytes");
    const source = fs.createReadStream(csvPath);
    // The import takes errors (ours included) from the stream once it reads it; until then this keeps an
    // early one from crashing the process before the import has failed and cleaned up.
    source.on("error", () => {});
    // The scratch file of an in-memory database's import is in the temp directory, which no outdial
    // database lives in: a process killed the default way would leave it there (tens of MB) until an
    // outdial start sweeps it. A signal stops the import instead, which removes it.
    const interruption = new Interruption();
    let report: ImportReport;
    try {
      interruption.whenSignalled(() => source.destroy(new Error("interrupted")));
      let read = 0;
      source.on("data", (chunk) => {
        read += chunk.length;
        importBar.update(read);
      });
      const imported = await importCsv(
        store,
        {
          accountId,
          campaignId: campaign.id,
          listId: list.id,
          now: startAt,
          delimiter: delimiterOption(file.csv?.delimiter),
          encoding: file.csv?.encoding,
          defaultCountry: file.csv?.defaultCountry,
          phonePolicy: "skip",
          // As `outdial import` and the HTTP import: a repeated phone is one person, not two to call.
          duplicatePolicy: file.csv?.duplicatePolicy ?? "skip",
        },
        source,
      ).catch((err) => {
        if (interruption.signal) return null;
        throw inTermsOf(err, campaignFileTerms(campaignPath));
      });
      importBar.stop();
      // Also when the signal came as the import finished: the user asked for no simulation.
      if (imported === null || interruption.signal) {
        process.stderr.write(
          `outdial simulate: interrupted by ${interruption.signal}; nothing was simulated\n`,
        );
        return interruption.exitCode;
      }
      report = imported;
    } finally {
      // The simulation keeps no file: Ctrl-C during it may end the process at once, as before.
      interruption.dispose();
    }
    // A campaign without contacts waits for some (as a running one does for an import): here nothing
    // would ever come, and the run would idle to its time limit.
    if (report.inserted === 0) {
      const first = report.errors[0] ? ` (first skipped: ${JSON.stringify(report.errors[0])})` : "";
      throw new Error(
        `no contacts to simulate: ${csvPath} has ${report.rows} data rows and none was imported${first}`,
      );
    }
    if (report.skipped)
      process.stderr.write(
        `import: ${report.skipped} rows skipped (first: ${JSON.stringify(report.errors[0])})\n`,
      );
    const simBar = progressBar(
      "simulate",
      report.inserted * Math.max(1, settings.maxAttemptsPerContact),
      "attempts",
    );
    const result = await simulateCampaign({
      store,
      accountId,
      campaignId: campaign.id,
      seed: seedFlag ?? file.seed ?? 1,
      scenario: file.scenario ?? null,
      startAt,
      agents,
      maxSimMs,
      onProgress: (n) => simBar.update(n),
      progressEvery: 1000,
    });
    simBar.stop();
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
    return 0;
  } finally {
    await store.close();
  }
}

/** The largest seed, as --seed and a campaign file's seed take it (0 to 2^32 - 1). */
const MAX_SEED = 2 ** 32 - 1;

/** A numeric option's value, or an error naming it (a typo must not run as seed 0 or without a limit). */
function numberOption(name: string, flag: string, min: number, max: number, whole: boolean): number {
  const n = Number(flag);
  if (flag.trim() === "" || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max) {
    throw new Error(`${name} must be a ${whole ? "whole " : ""}number from ${min} to ${max} (got "${flag}")`);
  }
  return n;
}

/** `--agents N` overrides the file's agent count (keeping its talk and wrap-up times). */
function agentsOption(
  flag: string | undefined,
  fromFile: CampaignFile["agents"],
): CampaignFile["agents"] | null {
  if (flag === undefined) return fromFile ?? null;
  return { ...(fromFile ?? {}), count: numberOption("--agents", flag, 1, 10_000, true) };
}
