// POST addPhones refuses a "__proto__" key (Fastify's JSON parser guards against prototype poisoning), but
// answered "Body is not valid JSON" naming no field, while GET addPhone refuses the same payload parameter
// as "__proto__: a reserved name", naming it. Now POST names where the key is ("[0].payload.__proto__"), as
// GET does, and refuses "constructor": {"prototype": …} (the parser's other guard) the same way; nothing is
// stored, and JSON that is malformed is answered as before.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();

const post = face.addPhonesText;
const { contactCount } = face;

async function assertReserved(body: string, field: string, message: RegExp): Promise<void> {
  const before = await contactCount();
  const res = await post(body);
  assert.equal(res.statusCode, 400, res.body);
  assert.deepEqual(Object.keys(res.json().error).sort(), ["code", "field", "message"]);
  const { code, field: named, message: said } = res.json().error;
  assert.equal(code, "invalid_request");
  assert.equal(named, field, body);
  assert.match(said, message);
  assert.equal(await contactCount(), before, "nothing stored");
}

test("a payload key __proto__ is refused naming the field, as GET addPhone names the parameter", async () => {
  await assertReserved(
    '[{"phone":"79110000000","payload":{"name":"Alex","__proto__":"x"}}]',
    "[0].payload.__proto__",
    /^\[0\]\.payload\.__proto__: a reserved name, not taken as a payload parameter$/,
  );
  const get = await face.addPhone("phone=79110000000&__proto__=x");
  assert.match(get.json().error.message, /^__proto__: a reserved name, not taken as a payload parameter$/);
});

test("the key is named wherever it is: in a later job, in a job itself, as an object", async () => {
  await assertReserved(
    '[{"phone":"79110000000"},{"phone":"79110000001","payload":{"__proto__":{"admin":true}}}]',
    "[1].payload.__proto__",
    /^\[1\]\.payload\.__proto__: a reserved name/,
  );
  await assertReserved('[{"phone":"79110000000","__proto__":{}}]', "[0].__proto__", /reserved name/);
});

test("constructor.prototype, which the parser refuses too, is named the same way", async () => {
  await assertReserved(
    '[{"phone":"79110000000","payload":{"constructor":{"prototype":{"x":1}}}}]',
    "[0].payload.constructor.prototype",
    /^\[0\]\.payload\.constructor\.prototype: a reserved name/,
  );
});

test("malformed JSON is answered as before; a payload key constructor that is a text is taken", async () => {
  const malformed = await post('[{"phone":"79110000000","payload":{"__proto__":');
  assert.equal(malformed.statusCode, 400);
  assert.deepEqual(malformed.json().error, {
    code: "invalid_request",
    message: "Body is not valid JSON but content-type is set to 'application/json'",
  });
  const taken = await post('[{"phone":"79110000000","payload":{"constructor":"x","proto":"y"}}]');
  assert.equal(taken.statusCode, 200, taken.body);
});
