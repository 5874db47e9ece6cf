// PATCH /v1/contacts/{id} takes custom values and an external_id as JSON numbers, validated as the JSON add
// validates them. JSON.parse rounds an integer beyond ±2^53 (a 64-bit CRM id 9007199254740993 arrives as
// …992), so the edit stored another id than the client sent, under a 200. Such a number is now a 400 naming
// the field, the contact left as it was; the largest safe integer is kept exactly.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf, insertContacts } from "./helpers.ts";

let f: ApiFixture;
let id: number;
before(async () => {
  f = await apiFixture();
  const { id: campaignId, listId } = await createCampaignViaApi(f, { name: "edits" });
  [id] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    {
      external_id: "crm-1",
      phones: JSON.stringify(["+12125550101"]),
      custom: JSON.stringify({ plan: "gold" }),
    },
  ]);
});
after(() => f.close());

/** The body as text: the numbers must reach the server as the client wrote them. */
const patch = (body: string) =>
  f.call({
    method: "PATCH",
    url: `/v1/contacts/${id}`,
    payload: body,
    headers: { "content-type": "application/json" },
  });
const stored = () =>
  f.store.db
    .selectFrom("contacts")
    .select(["external_id", "custom"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

test("a custom value or external_id beyond 2^53 is a 400 naming it, the contact unchanged", async () => {
  const before = await stored();
  for (const [body, field] of [
    ['{"custom": {"note": "x", "dealId": 9007199254740993}}', "body.custom.dealId"],
    ['{"custom": {"dealId": -9223372036854775808}}', "body.custom.dealId"],
    ['{"external_id": 18446744073709551615}', "body.external_id"],
  ]) {
    const res = await patch(body);
    assert.equal(res.statusCode, 400, `${body}: ${res.body}`);
    assert.deepEqual([errorOf(res).code, errorOf(res).field], ["inexact_integer", field], res.body);
    assert.match(errorOf(res).message, /send it as a string/, res.body);
  }
  assert.deepEqual(await stored(), before, "nothing was written");
});

test("the largest safe integer and a long id sent as a string are kept exactly", async () => {
  const res = await patch(
    '{"external_id": 9007199254740991, "custom": {"max": 9007199254740991, "dealId": "9007199254740993"}}',
  );
  assert.equal(res.statusCode, 200, res.body);
  const row = await stored();
  assert.equal(row.external_id, "9007199254740991");
  assert.deepEqual(JSON.parse(row.custom), {
    plan: "gold",
    max: "9007199254740991",
    dealId: "9007199254740993",
  });
});
