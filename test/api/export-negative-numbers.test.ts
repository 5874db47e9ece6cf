// The CSV export's formula guard let a number through only without ',' '.' or '%': a negative amount with a
// decimal comma (-150,50), thousands separators (-1,234.50) or a percentage (-5%) got an apostrophe, while
// its positive twin did not (audit reports11); so did one in exponent or leading-dot form (-5e3, -1.5E-7,
// -.5: reports13). Digits and punctuation alone, and an exponent's e, call nothing: they stay as they are.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parse } from "csv-parse/sync";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

test("CSV export: negative amounts and percentages are written as they are, like positive ones", async () => {
  const c = await createCampaignViaApi(f, { name: "amounts" });
  const values = {
    ru: "-150,50",
    us: "-1,234.50",
    pct: "-5%",
    pos_ru: "150,50",
    pos_us: "1,234.50",
    pos_pct: "5%",
    exp: "-5e3",
    small: "-1.5E-7",
    dot: "-.5",
    pos_exp: "5e3",
    pos_small: "1.5E-7",
    pos_dot: ".5",
  };
  await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
    { phones: JSON.stringify(["+12125550199"]), custom: JSON.stringify(values) },
  ]);
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=csv` });
  assert.equal(res.statusCode, 200);
  const [row] = parse(res.body, { columns: true }) as Record<string, string>[];
  const got = Object.fromEntries(Object.keys(values).map((k) => [k, row[k]]));
  assert.deepEqual(got, values, `the CSV was:\n${res.body}`);
});
