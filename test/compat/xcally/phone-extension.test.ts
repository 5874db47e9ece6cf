// An Xcally contact whose phone is written with an extension ("+1 212 555 0123 ext. 5", "x5", ";ext=5") or
// holds two numbers separated by ';' is refused as an invalid phone is: a 400 naming the contact's phone
// (nothing of the request written), and in a CSV upload an error for the row, which is left out. The face
// read the phone with normalizePhone, which drops the extension: the contact was stored with the main
// number and the extension, or the second number ("+12125550123;12125550124" reads as +12125550123
// extension 12125550124), lost without a word — where the native import refuses both (invalid_phone).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { errorOf } from "../../api/helpers.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

let f: Twin24Fixture;
let listId: number;
before(async () => {
  f = await twin24Fixture();
  const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "L" } });
  assert.equal(list.statusCode, 201, list.body);
  listId = list.json().id;
});
after(() => f.close());

/** The phones of the contacts the face stored, in any list. */
const contactPhones = async () =>
  (
    await f.store.db
      .withTables<{ xcally_contacts: { phone: string } }>()
      .selectFrom("xcally_contacts")
      .select("phone")
      .execute()
  ).map((r) => r.phone);

test("a contact's phone with an extension or a second number is a 400 naming the field", async () => {
  const cases: [string, RegExp][] = [
    ["+1 212 555 0123 ext. 5", /has an extension \(5\)/],
    ["+12125550123 x5", /has an extension \(5\)/],
    ["+12125550123;ext=5", /has an extension \(5\)/],
    ["+12125550123;12125550124", /2 numbers separated by ';'/],
  ];
  for (const [phone, reason] of cases) {
    const one = await f.call({ method: "POST", url: "/api/cm/contacts", payload: { ListId: listId, phone } });
    assert.equal(one.statusCode, 400, `${phone}: ${one.body}`);
    assert.equal(errorOf(one).field, "phone", phone);
    assert.match(errorOf(one).message, reason, phone);
    const bulk = await f.call({
      method: "POST",
      url: `/api/cm/lists/${listId}/contacts`,
      payload: [{ phone: "+12125550199" }, { phone }],
    });
    assert.equal(bulk.statusCode, 400, `${phone}: ${bulk.body}`);
    assert.equal(errorOf(bulk).field, "[1].phone", phone);
  }
  assert.deepEqual(await contactPhones(), [], "nothing of a refused request is written");
});

test("a CSV row whose phone has an extension is reported and left out", async () => {
  const up = await f.call({
    method: "POST",
    url: "/api/cm/contacts/upload",
    headers: { "content-type": "text/csv" },
    payload: "name,phone\nAnn,+1 212 555 0123 ext. 5\nBob,+12125550124\n",
  });
  assert.equal(up.statusCode, 201, up.body);
  const imported = await f.call({
    method: "POST",
    url: `/api/cm/contacts/upload/${up.json().id}`,
    payload: { binding: { firstName: "name", phone: "phone" }, ListId: listId },
  });
  assert.equal(imported.statusCode, 200, imported.body);
  const answer = imported.json() as {
    created: number;
    errors: { row: number; field: string; message: string }[];
  };
  assert.equal(answer.created, 1);
  assert.deepEqual(
    answer.errors.map((e) => [e.row, e.field]),
    [[2, "phone"]],
  );
  assert.match(answer.errors[0].message, /^phone: the number has an extension \(5\)/);
  assert.deepEqual(await contactPhones(), ["+12125550124"]);
});
