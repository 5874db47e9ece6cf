// A call job's payload becomes its contact's custom fields, and a contact has at most 100 of them
// (DEFAULT_LIMITS.maxCustomFields: the JSON add, the CSV import, a contact's edit and Twin24's variables all
// hold to it). addPhones refuses a payload of more with a 400 naming it; addPhone, whose payload is its
// query parameters besides phone and gmtZone, refuses more of those with a 400 naming the query. Nothing is
// stored from a refused request; exactly 100 is taken.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_LIMITS } from "../../../src/lists/types.ts";
import { jaicpFace } from "./helpers.ts";

const MAX = DEFAULT_LIMITS.maxCustomFields;

const face = jaicpFace();

const post = face.addPhones;
const get = face.addPhone;
const fields = (n: number, prefix: string) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, "x"]));
const customOf = async (id: number) =>
  JSON.parse(
    (
      await face.f.store.db
        .selectFrom("contacts")
        .select("custom")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).custom,
  );
const contacts = face.contactCount;

test("addPhones: a payload of more than 100 fields is a 400 naming it; 100 are taken", async () => {
  const before = await contacts();
  const over = await post([{ phone: 79110000000 }, { phone: 79110000001, payload: fields(MAX + 1, "f") }]);
  assert.equal(over.statusCode, 400, over.body);
  assert.equal(over.json().error.field, "[1].payload", over.body);
  assert.match(over.json().error.message, new RegExp(`at most ${MAX} field`), over.body);
  assert.equal(await contacts(), before, "nothing of the refused batch is stored");

  const full = await post([{ phone: 79110000002, payload: fields(MAX, "f") }]);
  assert.equal(full.statusCode, 200, full.body);
  assert.equal(Object.keys(await customOf(full.json()[0])).length, MAX);
});

test("addPhone: over 100 payload parameters is a 400 naming the query; 100, phone and gmtZone are taken", async () => {
  const before = await contacts();
  const query = (n: number) => new URLSearchParams(fields(n, "g")).toString();
  const over = await get(`phone=79110000003&${query(MAX + 1)}`);
  assert.equal(over.statusCode, 400, over.body);
  assert.equal(over.json().error.field, "query", over.body);
  assert.match(
    over.json().error.message,
    new RegExp(`at most ${MAX} payload parameters .*\\(${MAX + 1} given\\)`),
  );
  assert.equal(await contacts(), before);

  const full = await get(`phone=79110000004&gmtZone=Z&${query(MAX)}`);
  assert.equal(full.statusCode, 200, full.body);
  assert.equal(Object.keys(await customOf(Number(full.body))).length, MAX);
});
