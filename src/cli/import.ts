// `outdial import --campaign ID FILE`: streams a CSV into a campaign of the local database (the one
// OUTDIAL_DATABASE_URL names), with a progress bar and the per-row report.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/config.ts";
import { importCsv } from "../lists/import.ts";
import { openStore } from "../store/db.ts";
import { progressBar } from "./progress.ts";

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
  const config = loadConfig();
  const store = await openStore({ url: config.databaseUrl });
  try {
    const campaign = await store.db
      .selectFrom("campaigns")
      .select(["id", "account_id"])
      .where("id", "=", Number(values.campaign))
      .executeTakeFirst();
    if (!campaign) throw new Error(`campaign ${values.campaign} not found`);
    let listId = values.list ? Number(values.list) : null;
    const now = Date.now();
    if (listId === null) {
      const list = await store.db
        .insertInto("lists")
        .values({ account_id: campaign.account_id, campaign_id: campaign.id, name: file, created_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      listId = list.id;
    }
    const size = fs.statSync(file).size;
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
        phonePolicy: values["phone-policy"] ?? "skip",
        duplicatePolicy: values["duplicate-policy"] ?? "allow",
      } as never,
      source,
    );
    bar.stop();
    process.stdout.write(`${JSON.stringify({ listId, ...report }, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
