// phoneNormalization "RU" is "normalization to RU phone number format" (the seed). A number written with a
// '+' was taken as international as it stands, so "+8 (495) 123-45-67" (a Moscow number written with the
// common "+8" slip for 8 495 …) was kept as +84951234567, a valid Vietnamese number, reported as a clean
// add and dialed abroad. Under RU a '+' number that is not +7 is a normalization error, handled by
// normalizationErrorAction as any other: left out, or kept as written and flagged.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type NumberRules, normalizeNumber } from "../../../src/api/compat/twin24/candidates.ts";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";
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

async function candidatesOf(uuid: string) {
  const res = await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { data: { phone: string[]; normalizationError: boolean }[] }).data;
}

describe("RU normalization of a number written with '+'", () => {
  test("one that is not +7 will not normalize, saying which number it read", () => {
    for (const [raw, e164] of [
      ["+8 (495) 123-45-67", "+84951234567"],
      ["+1 212 555 0123", "+12125550123"],
    ]) {
      const n = normalizeNumber(raw, RU);
      assert.equal(n.keep, null, raw);
      if (n.keep === null)
        assert.equal(n.reason, `cannot be normalized to a RU number: ${e164} is not a +7 number`);
    }
    // Not kept flagged either: the lists module would read the text as +84… and store it unflagged.
    const flagging = { ...RU, normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" } as const;
    assert.equal(normalizeNumber("+8 (495) 123-45-67", flagging).keep, null);
  });

  test("a +7 one is taken as before; without normalization a foreign one is too", () => {
    assert.deepEqual(normalizeNumber("+7 (495) 123-45-67", RU), { keep: "+74951234567", flagged: false });
    assert.deepEqual(normalizeNumber("+84951234567", INTERNATIONAL), {
      keep: "+84951234567",
      flagged: false,
    });
  });

  test("IGNORE_NORMALIZATION_ERROR: '+8 495 …' is left out and reported, never dialed abroad", async () => {
    const uuid = await f.createTask(manualTask({ phoneNormalization: "RU" }));
    const report = (await f.addCandidates(uuid, [
      { phone: "+8 (495) 123-45-67", clientExternalId: "plus-eight" },
      { phone: "8 (495) 123-45-67", clientExternalId: "eight" },
    ])) as Report;
    assert.equal(report.added, 1);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field, e.code, e.value]),
      [
        [1, "phone[0]", "normalization_error", "+8 (495) 123-45-67"],
        [1, "phone", "no_number", undefined],
      ],
    );
    assert.match(
      report.errors[0].message,
      /^left out: cannot be normalized to a RU number: \+84951234567 is not a \+7 number$/,
    );
    assert.equal((await f.command(uuid, "start")).statusCode, 200);
    await f.run(120_000);
    assert.deepEqual(
      f.originated.map((o) => o.to),
      ["+74951234567"],
    );
  });

  test("SET_NORMALIZATION_ERROR_FLAG: it is left out too, not kept (and stored unflagged) as +84…", async () => {
    const uuid = await f.createTask(
      manualTask({ phoneNormalization: "RU", normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" }),
    );
    const report = (await f.addCandidates(uuid, [
      { phone: ["+8 (495) 123-45-67", "8 916 123-45-67"] },
      { phone: ["12", "8 916 123-45-68"] },
    ])) as Report;
    assert.equal(report.added, 2);
    assert.equal(report.flagged, 1);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field, e.code, e.value]),
      [
        [1, "phone[0]", "normalization_error", "+8 (495) 123-45-67"],
        [2, "phone[0]", "normalization_error", "12"],
      ],
    );
    assert.match(report.errors[0].message, /^left out: .*\+84951234567 is not a \+7 number$/);
    assert.match(report.errors[1].message, /^kept as written and flagged/);
    assert.deepEqual(
      (await candidatesOf(uuid)).map((c) => [c.phone, c.normalizationError]),
      [
        [["+79161234567"], false],
        [["12", "+79161234568"], true],
      ],
    );
  });
});
