// The CSV export's headers are unique (ExportColumns), but the formula guard ran after that rule and could
// make two of them one again: custom fields "=total" and "'=total" both came out "'=total", and a reader by
// header name kept one column, the other field's values lost (audit reports11). A repeat made by the guard
// now gets "#2".
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parse } from "csv-parse/sync";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

test("CSV export: two custom fields never share a header, guarded ones included", async () => {
  const c = await createCampaignViaApi(f, { name: "headers" });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
    { phones: JSON.stringify(["+12125550199"]), custom: JSON.stringify({ "=total": "10", "'=total": "20" }) },
  ]);
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=csv` });
  assert.equal(res.statusCode, 200);
  const [header] = parse(res.body, { to_line: 1 }) as string[][];
  const repeated = header.filter((h, i) => header.indexOf(h) !== i);
  assert.deepEqual(repeated, [], `the header row was: ${header.join(" | ")}`);
  const [row] = parse(res.body, { columns: true, relax_column_count: true }) as Record<string, string>[];
  assert.deepEqual(
    Object.values(row)
      .filter((v) => v === "10" || v === "20")
      .sort(),
    ["10", "20"],
    "both fields' values are readable by header",
  );
});
