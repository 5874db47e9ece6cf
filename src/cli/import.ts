// `outdial import --campaign ID FILE`: streams a CSV into a campaign of the local database (the one
// OUTDIAL_DATABASE_URL names), with a progress bar and the per-row report.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/config.ts";
import { importCsv } from "../lists/import.ts";
import { openStore } from "../store/db.ts";
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
  const campaignId = idOption("--campaign", values.campaign);
  const givenList = values.list === undefined ? null : idOption("--list", values.list);
  // Checked before anything is written: a failed import leaves no list behind.
  const phonePolicy = choice("--phone-policy", values["phone-policy"] ?? "skip", PHONE_POLICIES);
  const duplicatePolicy = choice(
    "--duplicate-policy",
    values["duplicate-policy"] ?? "allow",
    DUPLICATE_POLICIES,
  );
  const size = fs.statSync(file).size;
  const config = loadConfig();
  const store = await openStore({ url: config.databaseUrl });
  try {
    const campaign = await store.db
      .selectFrom("campaigns")
      .select(["id", "account_id"])
      .where("id", "=", campaignId)
      .executeTakeFirst();
    if (!campaign) throw new Error(`campaign ${values.campaign} not found`);
    let listId = givenList;
    const now = Date.now();
    const created = listId === null;
    if (listId === null) {
      const list = await store.db
        .insertInto("lists")
        .values({ account_id: campaign.account_id, campaign_id: campaign.id, name: file, created_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      listId = list.id;
    }
    const bar = progressBar("import", size, "bytes");
    const source = fs.createReadStream(file);
    let read = 0;
    source.on("data", (chunk) => {
      read += chunk.length;
      bar.update(read);
    });
    const report = await importCsv(
      store,
      {
        accountId: campaign.account_id,
        campaignId: campaign.id,
        listId,
        now,
        delimiter: values.delimiter,
        encoding: values.encoding,
        defaultCountry: values["default-country"],
        phonePolicy,
        duplicatePolicy,
      },
      source,
    ).catch(async (err) => {
      bar.stop();
      // The import wrote no contact (all or nothing); the list this command made for it goes too.
      if (created) await store.db.deleteFrom("lists").where("id", "=", listId).execute();
      throw err;
    });
    bar.stop();
    process.stdout.write(`${JSON.stringify({ listId, ...report }, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
