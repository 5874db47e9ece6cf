// An Xcally contact's phone of bare digits was read country code first: a US number written without +1
// ("6462345678", Manhattan) became +6462345678, New Zealand, stored with a 201 and dialed abroad (while
// "2122345678" was refused), and a Russian number after its trunk '8' ("84951234567") became Vietnam's
// +84…. Digits that are also such a national number are now a 400 naming the field (a row error in a CSV
// upload) that says to write the country code; digits that are a number only as international still pass.
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

const contactPhones = async () =>
  (
    await f.store.db
      .withTables<{ xcally_contacts: { id: number; phone: string } }>()
      .selectFrom("xcally_contacts")
      .select("phone")
      .orderBy("id")
      .execute()
  ).map((r) => r.phone);

/** Each refused phone, with what the reason must offer: the national reading, and the international one
 *  where the digits are also a valid number abroad. */
const REFUSED: [phone: string | number, advice: RegExp][] = [
  ["6462345678", /\+6462345678 \(NZ\).*\+16462345678, a US number.*'\+1…' or '\+64…'/],
  [6462345678, /\+16462345678, a US number.*'\+1…' or '\+64…'/],
  ["(646) 234-5678", /\+16462345678, a US number/],
  ["3232345678", /\+3232345678 \(BE\).*\+13232345678, a US number/],
  ["4692345678", /\+4692345678 \(SE\).*\+14692345678, a US number/],
  ["5302345678", /\(CU\).*\+15302345678, a US number.*'\+1…' or '\+53…'/],
  ["4165551234", /\+14165551234, a CA number/],
  [
    "2122345678",
    /read as \+12122345678, a US number written without its country code \(.*no valid number\).*'\+1…'\): "2122345678"$/,
  ],
  ["84951234567", /\+84951234567 \(VN\).*\+74951234567, a RU number.*'\+7…' or '\+84…'/],
  ["8 495 123-45-67", /\+74951234567, a RU number/],
];

test("digits that are also a US or Russian national number are a 400 naming the field", async () => {
  for (const [phone, advice] of REFUSED) {
    const one = await f.call({ method: "POST", url: "/api/cm/contacts", payload: { ListId: listId, phone } });
    assert.equal(one.statusCode, 400, `${phone}: ${one.body}`);
    assert.equal(errorOf(one).field, "phone", String(phone));
    assert.match(errorOf(one).message, /write (the number|it) with its country code/, String(phone));
    assert.match(errorOf(one).message, advice, String(phone));
    const bulk = await f.call({
      method: "POST",
      url: `/api/cm/lists/${listId}/contacts`,
      payload: [{ phone: "+12125550199" }, { phone }],
    });
    assert.equal(bulk.statusCode, 400, `${phone}: ${bulk.body}`);
    assert.equal(errorOf(bulk).field, "[1].phone", String(phone));
  }
  assert.deepEqual(await contactPhones(), [], "nothing of a refused request is written");
});

test("digits that are a number only as international, or written with '+' or '00', are still taken", async () => {
  const before = await contactPhones();
  const taken: [phone: string, e164: string][] = [
    ["79161234567", "+79161234567"],
    ["4930123456", "+4930123456"],
    ["12125550101", "+12125550101"],
    ["+6462345678", "+6462345678"],
    ["00 84 95 123 45 67", "+84951234567"],
  ];
  for (const [phone, e164] of taken) {
    const res = await f.call({ method: "POST", url: "/api/cm/contacts", payload: { ListId: listId, phone } });
    assert.equal(res.statusCode, 201, `${phone}: ${res.body}`);
    assert.equal(res.json().phone, e164, phone);
  }
  assert.deepEqual(await contactPhones(), [...before, ...taken.map(([, e164]) => e164)]);
});

test("a CSV row whose digits are also a national number is reported and left out", async () => {
  const before = await contactPhones();
  const up = await f.call({
    method: "POST",
    url: "/api/cm/contacts/upload",
    headers: { "content-type": "text/csv" },
    payload: "name,phone\nAnn,6462345678\nBob,79167654321\nEve,8 495 123-45-67\n",
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
    [
      [2, "phone"],
      [4, "phone"],
    ],
  );
  assert.match(
    answer.errors[0].message,
    /^phone: digits without '\+' read as two numbers: .*'\+1…' or '\+64…'/,
  );
  assert.match(answer.errors[1].message, /^phone: .*'\+7…' or '\+84…'/);
  assert.deepEqual(await contactPhones(), [...before, "+79167654321"]);
});
