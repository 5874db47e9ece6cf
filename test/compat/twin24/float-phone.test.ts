// A Twin24 candidate's number written as a spreadsheet's float ("4930123456.0") was read by
// asInternational, which drops dots, as +49301234560 (and under RU normalization refused as 11 digits):
// another person's valid number, dialed. It is now the number the text stands for.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type NumberRules, normalizeNumber } from "../../../src/api/compat/twin24/candidates.ts";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const INTERNATIONAL: NumberRules = {
  phoneNormalization: null,
  normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR",
  checkPhone: true,
};
const RU: NumberRules = { ...INTERNATIONAL, phoneNormalization: "RU" };

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(() => f.close());

test("a float-formatted number normalizes to the number it stands for", () => {
  assert.deepEqual(normalizeNumber("4930123456.0", INTERNATIONAL), { keep: "+4930123456", flagged: false });
  assert.deepEqual(normalizeNumber("+43664123456.0", INTERNATIONAL), {
    keep: "+43664123456",
    flagged: false,
  });
  assert.deepEqual(normalizeNumber("9161234567.0", RU), { keep: "+79161234567", flagged: false });
  assert.deepEqual(normalizeNumber("+79161234567,0", RU), { keep: "+79161234567", flagged: false });
});

test("candidates: a float-formatted number is stored as the number it stands for", async () => {
  const uuid = await f.createTask(manualTask());
  const report = (await f.addCandidates(uuid, [
    { phone: "4930123456.0", clientExternalId: "a" },
    { phone: ["+43664123456.0"], clientExternalId: "b" },
  ])) as { added: number; errors: unknown[] };
  assert.deepEqual({ added: report.added, errors: report.errors }, { added: 2, errors: [] });
  const { campaignId } = await f.task(uuid);
  const stored = await f.store.db
    .selectFrom("contacts")
    .select(["external_id", "phones"])
    .where("campaign_id", "=", campaignId)
    .orderBy("id")
    .execute();
  assert.deepEqual(
    stored.map((c) => [c.external_id, JSON.parse(c.phones)]),
    [
      ["a", ["+4930123456"]],
      ["b", ["+43664123456"]],
    ],
  );
});
