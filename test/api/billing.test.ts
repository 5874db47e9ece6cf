// The balance API: top-ups with their ledger, rates by prefix, validation and roles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { apiFixture } from "./helpers.ts";

test("balance, top-ups, rates and the ledger through the API", async () => {
  const f = await apiFixture();
  try {
    const fresh = await f.call({ method: "GET", url: "/v1/balance" });
    assert.deepEqual(fresh.json(), {
      metered: false,
      balance_usd: null,
      default_rate_per_minute_usd: null,
      rates: [],
    });

    const topped = await f.call({
      method: "POST",
      url: "/v1/balance/top-up",
      payload: { amountUsd: 12.345678, note: "card" },
    });
    assert.equal(topped.statusCode, 200, topped.body);
    assert.equal(topped.json().metered, true);
    assert.equal(topped.json().balance_usd, 12.345678);
    await f.call({ method: "POST", url: "/v1/balance/top-up", payload: { amountUsd: 0.654322 } });
    assert.equal((await f.call({ method: "GET", url: "/v1/balance" })).json().balance_usd, 13);

    const rates = await f.call({
      method: "PUT",
      url: "/v1/balance/rates",
      payload: {
        defaultPerMinuteUsd: 0.1,
        rates: [
          { prefix: "1", perMinuteUsd: 0.01 },
          { prefix: "7495", perMinuteUsd: 0.05 },
        ],
      },
    });
    assert.equal(rates.statusCode, 200, rates.body);
    assert.deepEqual(rates.json().rates, [
      { prefix: "7495", per_minute_usd: 0.05 },
      { prefix: "1", per_minute_usd: 0.01 },
    ]);
    assert.equal(rates.json().default_rate_per_minute_usd, 0.1);

    const ledger = await f.call({ method: "GET", url: "/v1/balance/transactions" });
    assert.deepEqual(
      ledger
        .json()
        .data.map((t: { kind: string; amount_usd: number; note: string | null }) => [
          t.kind,
          t.amount_usd,
          t.note,
        ]),
      [
        ["top_up", 12.345678, "card"],
        ["top_up", 0.654322, null],
      ],
    );

    for (const [payload, field] of [
      [{ amountUsd: 0 }, "body.amountUsd"],
      [{ amountUsd: -5 }, "body.amountUsd"],
      [{ amountUsd: "10" }, "body.amountUsd"],
    ] as const) {
      const r = await f.call({ method: "POST", url: "/v1/balance/top-up", payload });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.field, field);
    }
    const badPrefix = await f.call({
      method: "PUT",
      url: "/v1/balance/rates",
      payload: { defaultPerMinuteUsd: null, rates: [{ prefix: "+7", perMinuteUsd: 0.05 }] },
    });
    assert.equal(badPrefix.statusCode, 400);
    assert.equal(badPrefix.json().error.field, "body.rates[0].prefix");

    const developer = await f.keyWithRole("developer");
    assert.equal((await f.call({ method: "GET", url: "/v1/balance", key: developer })).statusCode, 200);
    assert.equal(
      (await f.call({ method: "POST", url: "/v1/balance/top-up", key: developer, payload: { amountUsd: 1 } }))
        .statusCode,
      403,
    );
    const other = await f.newAccount("other");
    assert.equal((await f.call({ method: "GET", url: "/v1/balance", key: other.key })).json().metered, false);
  } finally {
    await f.close();
  }
});

test("amounts finer than a micro-USD are refused naming the field, not rounded (a positive rate made free)", async () => {
  const f = await apiFixture();
  try {
    const cases: [string, string, object, string][] = [
      [
        "PUT",
        "/v1/balance/rates",
        { defaultPerMinuteUsd: null, rates: [{ prefix: "1", perMinuteUsd: 0.0000004 }] },
        "body.rates[0].perMinuteUsd",
      ],
      ["PUT", "/v1/balance/rates", { defaultPerMinuteUsd: 0.0100005, rates: [] }, "body.defaultPerMinuteUsd"],
      ["POST", "/v1/balance/top-up", { amountUsd: 10.0000014 }, "body.amountUsd"],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await f.call({ method: method as "PUT" | "POST", url, payload });
      assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
      assert.equal(res.json().error.field, field);
      assert.match(res.json().error.message, /micro-USD/);
    }
    assert.equal(
      (await f.call({ method: "GET", url: "/v1/balance" })).json().metered,
      false,
      "nothing stored",
    );
    // Six decimals are exact, whatever binary floating point makes of them.
    const ok = await f.call({
      method: "PUT",
      url: "/v1/balance/rates",
      payload: { defaultPerMinuteUsd: 0.015, rates: [{ prefix: "44", perMinuteUsd: 0.123457 }] },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().rates, [{ prefix: "44", per_minute_usd: 0.123457 }]);
    assert.equal(ok.json().default_rate_per_minute_usd, 0.015);
  } finally {
    await f.close();
  }
});

test("10,000 rates are taken; a repeated prefix is a 400 naming it", async () => {
  const f = await apiFixture();
  try {
    const rates = Array.from({ length: 10_000 }, (_, i) => ({
      prefix: String(10_000 + i),
      perMinuteUsd: 0.01,
    }));
    const res = await f.call({
      method: "PUT",
      url: "/v1/balance/rates",
      payload: { defaultPerMinuteUsd: null, rates },
    });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    rates[9_999] = { ...rates[17] };
    const dup = await f.call({
      method: "PUT",
      url: "/v1/balance/rates",
      payload: { defaultPerMinuteUsd: null, rates },
    });
    assert.equal(dup.statusCode, 400);
    assert.equal(dup.json().error.field, "body.rates[9999].prefix");
  } finally {
    await f.close();
  }
});
