// A Twin24 number kept as written and flagged (phoneNormalization RU with SET_NORMALIZATION_ERROR_FLAG, or
// checkPhone false) is reported once, by the face at its own phone[j]. The lists module notes the same
// number again ("phone", invalid_phone, with the native API's "use +code or a default country"), and the
// answer listed both. A candidate the lists module did not store (a duplicate, a bad zone) has no number
// kept, so it is not said to have one (`flagged` is 0 and so are the "kept" issues); whatever else the
// module says, an invalid_phone it raises on its own included, is passed on.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { batchErrors, prepareCandidates } from "../../../src/api/compat/twin24/candidates.ts";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

type Report = {
  added: number;
  flagged: number;
  errors: { row: number; field: string; code: string; message: string; value?: string }[];
};

const FLAG_RULES = [
  [
    "RU + SET_NORMALIZATION_ERROR_FLAG",
    { phoneNormalization: "RU", normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" },
  ],
  ["no normalization, checkPhone false", { checkPhone: false }],
] as const;

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

const rowsFields = (report: Report) => report.errors.map((e) => [e.row, e.field, e.code]);

describe("a number kept flagged", () => {
  for (const [name, patch] of FLAG_RULES) {
    test(`${name}: is reported once, at its own index`, async () => {
      const uuid = await f.createTask(manualTask(patch));
      const report = (await f.addCandidates(uuid, [
        // Written as both rules read it as valid: international, and RU's 11 digits from 7.
        { phone: ["79161234567", "12"] },
        { phone: ["34", "+79031234567", "56"] },
      ])) as Report;
      assert.equal(report.added, 2);
      assert.equal(report.flagged, 2);
      assert.deepEqual(rowsFields(report), [
        [1, "phone[1]", "normalization_error"],
        [2, "phone[0]", "normalization_error"],
        [2, "phone[2]", "normalization_error"],
      ]);
      assert.deepEqual(
        report.errors.map((e) => e.value),
        ["12", "34", "56"],
      );
    });
  }

  test("is not said to be kept when the candidate was not stored; the reason why is passed on", async () => {
    const uuid = await f.createTask(manualTask(FLAG_RULES[0][1]));
    await f.addCandidates(uuid, [{ phone: "+79161234567" }]);
    const report = (await f.addCandidates(uuid, [
      // Its first number is stored already: set aside as a duplicate.
      { phone: ["89161234567", "12"] },
      { phone: ["+79031234567", "34"], timezone: "Mars/Base" },
      { phone: ["+79261234567", "56"] },
    ])) as Report;
    assert.equal(report.added, 1);
    assert.equal(report.flagged, 1);
    assert.deepEqual(rowsFields(report), [
      [1, "phone", "duplicate_phone"],
      [2, "timezone", "invalid_time_zone"],
      [3, "phone[1]", "normalization_error"],
    ]);
  });
});

describe("batchErrors", () => {
  const rules = {
    phoneNormalization: "RU",
    normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG",
    checkPhone: true,
  } as const;

  test("passes on an invalid_phone of the lists module's that the face did not report", () => {
    const prepared = prepareCandidates([{ phone: ["89161234567", " 12 "] }, { phone: "89031234567" }], rules);
    assert.deepEqual(
      prepared.kept.map((k) => [k.row, k.text]),
      [[1, "12"]],
    );
    const note = (row: number, message: string, value: string) => ({
      row,
      field: "phone",
      code: "invalid_phone",
      message,
      value,
    });
    const restated = note(1, "not a phone number; kept as written and flagged", "12");
    const otherNumber = note(2, "not a phone number; kept as written and flagged", "+79031234567");
    const otherReason = note(1, "not a phone number; too long to keep as written", "12");
    const errors = batchErrors(prepared, [restated, otherNumber]);
    assert.deepEqual(
      errors.map((e) => [e.row, e.field, e.code, e.value]),
      [
        [1, "phone[1]", "normalization_error", " 12 "],
        [2, "phone", "invalid_phone", "+79031234567"],
      ],
    );
    // Not a note on a number kept: the module did not store the candidate, and says why.
    assert.deepEqual(batchErrors(prepared, [otherReason]), [otherReason]);
  });
});
