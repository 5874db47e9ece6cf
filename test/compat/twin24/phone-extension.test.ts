// A Twin24 number written with an extension ("+1 212 555 0123 ext. 5", "x5", ";ext=5", "+7 … доб. 5") or
// with a second number after ';' is not a number the dialer can call as written: it is refused as a number
// that will not normalize is (left out with normalization_error, or kept as written and flagged when the
// task says so), and a caller id (gornum, pool) holding one is a 400 naming numbers[i]. The face read such
// text with normalizePhone, which drops the extension: the main number was dialed and the extension, or
// the second number ("79161234567;79167654321" reads as 79161234567 extension 79167654321), lost without
// a word — where the native import already refuses both (invalid_phone).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type NumberRules, normalizeNumber } from "../../../src/api/compat/twin24/candidates.ts";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const INTERNATIONAL: NumberRules = {
  phoneNormalization: null,
  normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR",
  checkPhone: true,
};
const RU: NumberRules = { ...INTERNATIONAL, phoneNormalization: "RU" };

type Report = {
  added: number;
  flagged: number;
  errors: { row: number; field: string; code: string; message: string; value?: string }[];
};

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

describe("a number with an extension", () => {
  test("is left out, with the extension named, without normalization and with RU's +7", () => {
    const cases: [string, NumberRules, string][] = [
      ["+1 212 555 0123 ext. 5", INTERNATIONAL, "5"],
      ["12125550123 x5", INTERNATIONAL, "5"],
      ["+12125550123;ext=5", INTERNATIONAL, "5"],
      ["+7 916 123-45-67 доб. 5", RU, "5"],
      ["+79161234567#12", RU, "12"],
    ];
    for (const [raw, rules, ext] of cases) {
      const n = normalizeNumber(raw, rules);
      assert.equal(n.keep, null, raw);
      if (n.keep === null) assert.match(n.reason, new RegExp(`has an extension \\(${ext}\\)`), raw);
    }
  });

  test("is kept as written and flagged where the task keeps a number that will not normalize", () => {
    assert.deepEqual(normalizeNumber(" +12125550123 x5 ", { ...INTERNATIONAL, checkPhone: false }), {
      keep: "+12125550123 x5",
      flagged: true,
    });
    assert.deepEqual(
      normalizeNumber("+79161234567 доб. 5", {
        ...RU,
        normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG",
      }),
      { keep: "+79161234567 доб. 5", flagged: true },
    );
  });

  test("two numbers in one phone string are left out, not the second read as an extension", () => {
    const n = normalizeNumber("79161234567;79167654321", INTERNATIONAL);
    assert.equal(n.keep, null);
    if (n.keep === null) assert.match(n.reason, /2 numbers separated by ';'/);
  });

  test("a number without one is taken as before", () => {
    assert.deepEqual(normalizeNumber("+1 (212) 555-0123", INTERNATIONAL), {
      keep: "+12125550123",
      flagged: false,
    });
    assert.deepEqual(normalizeNumber("+7 916 123 45 67", RU), { keep: "+79161234567", flagged: false });
  });

  test("candidates: the number is listed at its phone[j], the candidate dialed on its other one", async () => {
    const uuid = await f.createTask(manualTask());
    const report = (await f.addCandidates(uuid, [
      { phone: ["+12125550123 ext. 5", "+12125550124"], clientExternalId: "a" },
      { phone: "79161234567;79167654321", clientExternalId: "b" },
    ])) as Report;
    assert.equal(report.added, 1);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field, e.code]),
      [
        [1, "phone[0]", "normalization_error"],
        [2, "phone[0]", "normalization_error"],
        [2, "phone", "no_number"],
      ],
    );
    assert.match(report.errors[0].message, /^left out: the number has an extension \(5\)/);
    const { campaignId } = await f.task(uuid);
    const stored = await f.store.db
      .selectFrom("contacts")
      .select(["external_id", "phones"])
      .where("campaign_id", "=", campaignId)
      .execute();
    assert.deepEqual(
      stored.map((c) => [c.external_id, JSON.parse(c.phones)]),
      [["a", ["+12125550124"]]],
    );
  });

  for (const kind of ["gornum", "pool"] as const) {
    test(`a ${kind} caller number is a 400 naming numbers[i]`, async () => {
      for (const bad of ["+74951234567 ext. 5", "74951234567;74951234568"]) {
        const res = await f.call({
          method: "POST",
          url: `/cis/api/v1/telephony/${kind}`,
          payload: { numbers: [bad] },
        });
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
        const error = (res.json() as { error: { message: string; field?: string } }).error;
        assert.equal(error.field, "numbers[0]", bad);
        assert.match(error.message, /^numbers\[0\]: (the number has an extension \(5\)|2 numbers)/, bad);
      }
    });
  }
});
