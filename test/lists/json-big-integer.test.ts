// The native JSON add (POST /v1/campaigns/{id}/lists/{id}/contacts) takes custom values and an external_id
// as JSON numbers. JSON.parse rounds an integer beyond ±2^53 (a 64-bit CRM id 9007199254740993 arrives as
// …992), so storing String(value) kept another id than the client sent, under a 200. Such a number is now a
// 400 naming the field and its row, whatever the phone policy, nothing of the request stored; the largest
// safe integer, and the same id sent as a string, are kept exactly.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "../api/helpers.ts";

let f: ApiFixture;
let base: string;
before(async () => {
  f = await apiFixture();
  const { id, listId } = await createCampaignViaApi(f, { name: "crm" });
  base = `/v1/campaigns/${id}/lists/${listId}`;
});
after(() => f.close());

/** The body as text: the numbers must reach the server as the client wrote them. */
const add = (contacts: string, query = "") =>
  f.call({
    method: "POST",
    url: `${base}/contacts${query}`,
    payload: `{"contacts": ${contacts}}`,
    headers: { "content-type": "application/json" },
  });
const stored = (phone?: string) => {
  const q = f.store.db.selectFrom("contacts").select(["external_id", "custom"]).orderBy("id");
  return (phone === undefined ? q : q.where("phone", "=", phone)).execute();
};

test("a custom value or external_id beyond 2^53 is a 400 naming it and its row, nothing stored", async () => {
  const cases = [
    ['{"phone": "+12125550102", "custom": {"dealId": 9007199254740993}}', "custom.dealId", ""],
    ['{"phone": "+12125550102", "custom": {"a": "x", "b": -18446744073709551615}}', "custom.b", ""],
    ['{"phone": "+12125550102", "external_id": 9223372036854775807}', "external_id", ""],
    [
      '{"phone": "+12125550102", "custom": {"dealId": 9007199254740993}}',
      "custom.dealId",
      "?phone_policy=flag",
    ],
  ] as const;
  for (const [second, field, query] of cases) {
    const res = await add(`[{"phone": "+12125550101"}, ${second}]`, query);
    assert.equal(res.statusCode, 400, `${second}: ${res.body}`);
    assert.deepEqual(
      [errorOf(res).code, errorOf(res).field, res.json().error.row],
      ["inexact_integer", field, 2],
      res.body,
    );
    assert.match(errorOf(res).message, new RegExp(`^row 2, ${field}: .*send it as a string`), res.body);
  }
  assert.deepEqual(await stored(), []);
});

test("the largest safe integer and a long id sent as a string are kept exactly", async () => {
  const res = await add(
    '[{"phone": "+12125550103", "external_id": 9007199254740991, "custom": {"max": 9007199254740991, "min": -9007199254740991, "dealId": "9007199254740993", "n": 1.5}}]',
  );
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().inserted, 1, res.body);
  const [row] = await stored("+12125550103");
  assert.equal(row.external_id, "9007199254740991");
  assert.deepEqual(JSON.parse(row.custom), {
    max: "9007199254740991",
    min: "-9007199254740991",
    dealId: "9007199254740993",
    n: "1.5",
  });
});
