// An Xcally contact whose phone is a spreadsheet's float ("4930123456.0", as a numeric column with an empty
// cell is exported) was read by asInternational, which drops dots, as +49301234560: another person's valid
// number, stored and dialed. It is now the number the cell stands for, in a CSV upload and in a JSON body.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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

const contactPhones = async () =>
  (
    await f.store.db
      .withTables<{ xcally_contacts: { id: number; phone: string } }>()
      .selectFrom("xcally_contacts")
      .select("phone")
      .orderBy("id")
      .execute()
  ).map((r) => r.phone);

test("a CSV upload's float-formatted phones are the numbers they stand for", async () => {
  const up = await f.call({
    method: "POST",
    url: "/api/cm/contacts/upload",
    headers: { "content-type": "text/csv" },
    payload: "name,phone\nAnn,4930123456.0\nBob,+43664123456.0\n",
  });
  assert.equal(up.statusCode, 201, up.body);
  const imported = await f.call({
    method: "POST",
    url: `/api/cm/contacts/upload/${up.json().id}`,
    payload: { binding: { firstName: "name", phone: "phone" }, ListId: listId },
  });
  assert.equal(imported.statusCode, 200, imported.body);
  assert.deepEqual(imported.json(), { created: 2, duplicates: 0, errors: [] });
  assert.deepEqual(await contactPhones(), ["+4930123456", "+43664123456"]);
});

test("a JSON contact's float-formatted phone is the number it stands for", async () => {
  const res = await f.call({
    method: "POST",
    url: "/api/cm/contacts",
    payload: { ListId: listId, phone: "4930123459.0" },
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().phone, "+4930123459");
  assert.ok((await contactPhones()).includes("+4930123459"));
});
