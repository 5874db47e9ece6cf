// JAICP's payload is arbitrary data for the script ($dialer.getPayload), often a 64-bit CRM or order id that
// JAICP's own Jackson backend keeps exactly. JSON.parse rounds an integer beyond ±2^53, so the script would
// get another id than the client sent under a 200: such a payload is refused with a 400 naming where the
// number is, at any depth, nothing of the batch stored. The largest safe integer and the same id sent as a
// string are kept exactly.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();

/** The body as text: the numbers must reach the server as the client wrote them. */
const post = face.addPhonesText;
const contacts = face.contactCount;

test("a payload integer beyond 2^53 is a 400 naming it, at any depth, nothing stored", async () => {
  const before = await contacts();
  for (const [payload, field] of [
    ['{"dealId": 9007199254740993}', "[1].payload.dealId"],
    ['{"deal": {"ids": [1, -9223372036854775807]}}', "[1].payload.deal.ids[1]"],
    ['{"a": 18446744073709551615, "b": 9007199254740993}', "[1].payload.a"],
  ]) {
    const res = await post(`[{"phone": 79110000000}, {"phone": 79110000001, "payload": ${payload}}]`);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.field, field, res.body);
    assert.match(res.json().error.message, /send it as a string/, res.body);
  }
  assert.equal(await contacts(), before);
});

test("the largest safe integer and a long id sent as a string are kept exactly", async () => {
  const res = await post(
    '[{"phone": 79110000002, "payload": {"max": 9007199254740991, "dealId": "9007199254740993", "n": 1.5}}]',
  );
  assert.equal(res.statusCode, 200, res.body);
  const row = await face.f.store.db
    .selectFrom("contacts")
    .select("custom")
    .where("id", "=", res.json()[0])
    .executeTakeFirstOrThrow();
  assert.deepEqual(JSON.parse(row.custom), { max: 9007199254740991, dealId: "9007199254740993", n: 1.5 });
});
