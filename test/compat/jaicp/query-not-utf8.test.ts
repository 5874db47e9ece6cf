// GET addPhone takes every query parameter but phone and gmtZone as payload for the script. Fastify's query
// parser keeps a parameter whose percent-escapes are not UTF-8 as the escape text itself, so a CRM that
// encodes in windows-1251 (1C, older PHP: "Алекс" is %C0%EB%E5%EA%F1) or writes a lone surrogate as CESU-8
// (%ED%A0%80) had "%C0%EB%E5%EA%F1" stored as the subscriber's name under a 200. Such a parameter (value or
// name) is now a 400 naming it, with nothing stored; UTF-8 escapes, '+' and a stray '%' read as before.
// A payload parameter named "__proto__" is refused too, as addPhones' JSON parser refuses that key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();
const { addPhone, contactCount } = face;

async function assertRefused(query: string, field: string, mentions: RegExp): Promise<void> {
  const before = await contactCount();
  const res = await addPhone(query);
  assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
  const error = res.json().error;
  assert.equal(error.code, "invalid_request");
  assert.equal(error.field, field, query);
  assert.match(error.message, mentions);
  assert.equal(await contactCount(), before, `${query}: nothing stored`);
}

for (const [what, escaped] of [
  ["windows-1251 'Алекс'", "%C0%EB%E5%EA%F1"],
  ["a lone surrogate as CESU-8", "%ED%A0%80"],
  ["UTF-8 cut short", "%D0%90%D0"],
] as const) {
  test(`a payload value of ${what} is a 400 naming the parameter, not stored as escape text`, async () => {
    await assertRefused(`phone=79110000000&name=${escaped}`, "name", /name: not UTF-8/);
  });
}

test("phone and gmtZone are read the same way: named when their bytes are not UTF-8", async () => {
  await assertRefused("phone=%C0%EB", "phone", /phone: not UTF-8/);
  await assertRefused("phone=79110000000&gmtZone=%C0", "gmtZone", /gmtZone: not UTF-8/);
});

test("a parameter name that is not UTF-8 is refused, named as sent", async () => {
  await assertRefused("phone=79110000000&%C0%EB=x", "%C0%EB", /not UTF-8/);
});

test("UTF-8 escapes, '+' as a space and a '%' that escapes nothing are taken as before", async () => {
  const res = await addPhone(
    "phone=79110000000&name=%D0%90%D0%BB%D0%B5%D0%BA%D1%81&note=a+b&rate=50%ZZ&sign=%F0%9F%93%9E",
  );
  assert.equal(res.statusCode, 200, res.body);
  const row = await face.f.store.db
    .selectFrom("contacts")
    .select("custom")
    .where("id", "=", Number(res.body))
    .executeTakeFirstOrThrow();
  assert.deepEqual(JSON.parse(row.custom), { name: "Алекс", note: "a b", rate: "50%ZZ", sign: "📞" });
});

test("a payload parameter named __proto__ is refused on GET, as the same key is by POST addPhones", async () => {
  await assertRefused("phone=79110000000&__proto__=x", "__proto__", /__proto__: a reserved name/);
  await assertRefused("phone=79110000000&%5F%5Fproto%5F%5F=x", "__proto__", /reserved name/);
  const before = await contactCount();
  const posted = await face.addPhonesText('[{"phone":"79110000000","payload":{"__proto__":"x"}}]');
  assert.equal(posted.statusCode, 400, posted.body);
  assert.equal(await contactCount(), before);
});
