// A cf_ field sent as a JSON integer beyond 2^53 (a 64-bit CRM id) was stored rounded, another id than
// sent, under a 201: it is a 400 naming the field, nothing added. The largest safe integer is kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { twin24Fixture } from "../twin24/helpers.ts";

test("a cf_ integer JSON cannot carry exactly is a 400 naming it; the largest safe one is kept", async () => {
  const f = await twin24Fixture({ scenario: "always_busy" });
  try {
    const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "L" } });
    assert.equal(list.statusCode, 201, list.body);
    const url = `/api/cm/lists/${list.json().id}/contacts`;
    const big = '[{"phone": "+12125550123", "cf_1": 9007199254740993}]';
    const refused = await f.call({
      method: "POST",
      url,
      payload: big,
      headers: { "content-type": "application/json" },
    });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(refused.body, /cf_1/);
    assert.equal(
      (
        await f.store.db
          .selectFrom("xcally_contacts" as never)
          .selectAll()
          .execute()
      ).length,
      0,
    );
    const safe = await f.call({
      method: "POST",
      url,
      payload: [{ phone: "+12125550123", cf_1: Number.MAX_SAFE_INTEGER }],
    });
    assert.equal(safe.statusCode, 201, safe.body);
    assert.equal(safe.json()[0].cf_1, String(Number.MAX_SAFE_INTEGER));
  } finally {
    await f.close();
  }
});
