// POST /v1/dnc reads 10,000 numbers with every field at its limit as UTF-8 text (reasons of 500 Cyrillic
// characters: about 12 MB; the route once took 8 MiB and refused them whole), and refuses a body over its
// explicit 16 MiB limit with 413 payload_too_large, writing nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DNC_LIMITS } from "../../src/api/native/dnc-input.ts";
import { apiFixture, errorOf } from "./helpers.ts";

const reason = "Просил больше не звонить. ".repeat(20).slice(0, 500);

function body(n: number, reasonText: string): string {
  const expires = "2027-12-31T00:00:00.000+03:00";
  const items = Array.from({ length: n }, (_, i) => {
    const phone = `+7 916 ${String(1_000_000 + i).padStart(7, "0")}`.padEnd(64, " ");
    return JSON.stringify({ phone, reason: reasonText, expires_at: expires });
  });
  return `{"numbers":[${items.join(",")}],"source":"crm"}`;
}

test("10,000 numbers with their fields at their limits are read and listed; over 16 MiB is a 413", async () => {
  const f = await apiFixture();
  try {
    const full = body(DNC_LIMITS.maxNumbers, reason);
    assert.equal([...reason].length, 500);
    assert.ok(Buffer.byteLength(full) > 8 * 1024 * 1024, `${Buffer.byteLength(full)} bytes`);
    const post = (payload: string) =>
      f.call({ method: "POST", url: "/v1/dnc", headers: { "content-type": "application/json" }, payload });
    const res = await post(full);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.deepEqual(
      [res.json().rows, res.json().added, res.json().skipped],
      [DNC_LIMITS.maxNumbers, DNC_LIMITS.maxNumbers, 0],
    );
    const entry = (await f.call({ method: "GET", url: "/v1/dnc/79161000042" })).json();
    assert.deepEqual([entry.phone, entry.reason], ["+79161000042", reason]);

    // The same numbers with each reason written as \uXXXX escapes: within the schema, over the limit.
    await f.store.db.deleteFrom("dnc_numbers").execute();
    const escaped = JSON.stringify(reason)
      .slice(1, -1)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const over = body(DNC_LIMITS.maxNumbers, "R").replaceAll('"reason":"R"', `"reason":"${escaped}"`);
    assert.ok(Buffer.byteLength(over) > 16 * 1024 * 1024);
    const refused = await post(over);
    assert.equal(refused.statusCode, 413, refused.body.slice(0, 300));
    assert.equal(errorOf(refused).code, "payload_too_large");
    const left = await f.store.db.selectFrom("dnc_numbers").select("id").execute();
    assert.equal(left.length, 0, "a refused request writes nothing");
  } finally {
    await f.close();
  }
});
