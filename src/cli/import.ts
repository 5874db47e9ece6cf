// `outdial import --campaign ID FILE`: streams a CSV into a campaign of the local database (the one
// OUTDIAL_DATABASE_URL names), with a progress bar and the per-row report.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, maskUrlPassword } from "../config/config.ts";
import { type ImportReport, importCsv, importCsvIntoNewList } from "../lists/import.ts";
import { sweepScratchFilesAtStart } from "../lists/sqlite-writer.ts";
import { isPostgresUrl, openStore } from "../store/db.ts";
import { refuseExtraPositionals } from "./args.ts";
import { delimiterOption, type ImportTerms, inTermsOf } from "./import-terms.ts";
import { Interruption } from "./interruption.ts";
import { progressBar } from "./progress.ts";

const PHONE_POLICIES = ["reject", "skip", "flag"] as const;
const DUPLICATE_POLICIES = ["allow", "skip", "reject"] as const;

function choice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(", ")} (got "${value}")`);
  }
  return value as T;
}

/** An id option: a typo must say so, not run as "list NaN" or campaign 1.5. */
function idOption(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`${name} must be a positive whole number (got "${value}")`);
  return n;
}

/** The import's options and advice as flags: it names them as the HTTP API spells them. */
const CLI_TERMS: ImportTerms = {
  options: {
    encoding: "--encoding",
    delimiter: "--delimiter",
    default_country: "--default-country",
    phone_policy: "--phone-policy",
    duplicate_policy: "--duplicate-policy",
  },
  advice: {
    missing_phone_column:
      "outdial import does not map columns: rename the phone column to phone (or number, msisdn), or pass --delimiter if the fields are not separated by commas",
    too_many_custom_fields:
      "outdial import does not map columns: remove the columns not to keep from the file",
    // In place of the import's hint, which may be the one for a NUL (UTF-16 text read as UTF-8).
    bad_encoding:
      "pass the file's encoding with --encoding (e.g. --encoding windows-1251; for a NUL character, which every ASCII character of UTF-16 text holds: --encoding utf-16le or utf-16be)",
    payload_too_large: "OUTDIAL_MAX_IMPORT_BYTES sets the limit",
  },
};

/**
 * The database the import writes to must be there already. The default, ./data/outdial.db, is relative to
 * where the command runs: from another directory than the server's, opening it would make and migrate a new
 * empty database (folders and all) and answer "campaign 2 not found" of a campaign the API shows. An import
 * never wants a database made for it.
 */
function refuseMissingSqliteDatabase(databaseUrl: string): void {
  if (isPostgresUrl(databaseUrl) || fs.existsSync(databaseUrl)) return;
  const where = path.resolve(databaseUrl);
  throw new Error(
    `no database at ${maskUrlPassword(databaseUrl)}${where === databaseUrl ? "" : ` (${where})`}: ` +
      "set OUTDIAL_DATABASE_URL to the server's database, or run the import from the server's directory",
  );
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      campaign: { type: "string" },
      list: { type: "string" },
      delimiter: { type: "string" },
      encoding: { type: "string" },
      "phone-policy": { type: "string" },
      "duplicate-policy": { type: "string" },
      "default-country": { type: "string" },
    },
  });
  const file = positionals[0];
  if (!file || !values.campaign) throw new Error("usage: outdial import --campaign ID [--list ID] FILE");
  // Several files would each be all or nothing, and a failure halfway would leave some imported.
  refuseExtraPositionals(positionals, 1, "import takes one file (run it once per file)");
  const campaignId = idOption("--campaign", values.campaign);
  const givenList = values.list === undefined ? null : idOption("--list", values.list);
  // Checked before anything is read. Duplicates are skipped by default, as through the API: calling
  // someone twice is the costlier mistake.
  const phonePolicy = choice("--phone-policy", values["phone-policy"] ?? "skip", PHONE_POLICIES);
  const duplicatePolicy = choice(
    "--duplicate-policy",
    values["duplicate-policy"] ?? "skip",
    DUPLICATE_POLICIES,
  );
  const size = fs.statSync(file).size;
  const config = loadConfig();
  refuseMissingSqliteDatabase(config.databaseUrl);
  const store = await openStore({ url: config.databaseUrl });
  sweepScratchFilesAtStart(store.dialect, config.databaseUrl);
  const interruption = new Interruption();
  const interrupted = (what: string): number => {
    process.stderr.write(`outdial import: interrupted by ${interruption.signal}; ${what}\n`);
    return interruption.exitCode;
  };
  try {
    const campaign = await store.db
      .selectFrom("campaigns")
      .select(["id", "account_id"])
      .where("id", "=", campaignId)
      .executeTakeFirst();
    if (!campaign)
      throw new Error(`campaign ${campaignId} not found in database ${maskUrlPassword(config.databaseUrl)}`);
    const bar = progressBar("import", size, "bytes");
    const source = fs.createReadStream(file);
    // The import takes errors (ours included) from the stream once it reads it; until then this keeps an
    // early one from crashing the process before the import has failed and cleaned up. A signal stops the
    // import this way: it removes its scratch file and commits nothing. (The list it makes for the file is
    // made by the commit, so not even SIGKILL leaves one behind: importCsvIntoNewList.)
    source.on("error", () => {});
    interruption.whenSignalled(() => source.destroy(new Error("interrupted")));
    let read = 0;
    source.on("data", (chunk) => {
      read += chunk.length;
      bar.update(read);
    });
    const request = {
      accountId: campaign.account_id,
      campaignId: campaign.id,
      now: Date.now(),
      delimiter: delimiterOption(values.delimiter),
      encoding: values.encoding,
      defaultCountry: values["default-country"],
      phonePolicy,
      duplicatePolicy,
      maxBytes: config.maxImportBytes,
    };
    // Without --list, a list named after the file, made by the import's commit: a failed or killed import
    // (all or nothing) leaves none, and a file that stages no row makes none (listId null).
    const imported: Promise<{ listId: number | null; report: ImportReport }> =
      givenList === null
        ? importCsvIntoNewList(store, { ...request, newListName: file }, source)
        : importCsv(store, { ...request, listId: givenList }, source).then((report) => ({
            listId: givenList,
            report,
          }));
    const result = await imported.catch((err) => {
      bar.stop();
      if (interruption.signal) return null;
      throw inTermsOf(err, CLI_TERMS);
    });
    bar.stop();
    if (result === null) return interrupted("nothing was imported");
    const { listId, report } = result;
    // A file that brought no contact, and none the campaign has already (every row invalid, or no row at
    // all), is a failure a script's `outdial import … && …` must see.
    const broughtNothing =
      report.inserted === 0 && !report.errors.some((e) => e.code.startsWith("duplicate_"));
    process.stdout.write(`${JSON.stringify({ listId, ...report }, null, 2)}\n`);
    // The signal came once the whole file was read: the contacts were committed and are kept (a server on
    // the same database may be calling them already).
    if (interruption.signal)
      return interrupted(
        `the import had finished; ${listId === null ? "nothing was imported" : `list ${listId} is kept`}`,
      );
    if (broughtNothing) {
      const why = report.rows === 0 ? "it has no rows" : `none of its ${report.rows} rows is valid`;
      process.stderr.write(`outdial import: nothing imported from ${file}: ${why}\n`);
      return 1;
    }
    return 0;
  } finally {
    interruption.dispose();
    await store.close();
  }
}
