// The CSV upload guesses its delimiter from the header (it has no delimiter option). It counted ';' against
// ',' over the whole header line, quoted names included: a semicolon file (a European Excel export) with a
// comma inside a quoted name was read as comma-separated and could not be imported at all. Only the
// delimiters outside quotes count now.
import assert from "node:assert/strict";
import { test } from "node:test";
import { guessDelimiter } from "../../../src/api/compat/xcally/upload.ts";
import { twin24Fixture } from "../twin24/helpers.ts";

test("delimiters inside quoted header names are not counted", () => {
  assert.equal(guessDelimiter('"Name, first";"Name, last";phone\nAnn;Lee;+79161234567\n'), ";");
  assert.equal(guessDelimiter('"a;b;c",phone\n'), ",", "and the other way round");
  // "" is a quote inside a quoted name, not its end: the commas after it are still quoted.
  assert.equal(guessDelimiter('"say ""hi"", all, of, you";phone\n'), ";");
  // A quoted name holding a line break: the header goes on past it.
  assert.equal(guessDelimiter('"Name,\nfirst";"x,y";phone;mail\n'), ";");
  assert.equal(guessDelimiter('\r\n"a,b";"c,d";phone\r\n'), ";", "after a blank line");
});

test("such a file uploads and imports its rows by the quoted names", async () => {
  const f = await twin24Fixture({ scenario: "all_human" });
  try {
    const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "L" } });
    assert.equal(list.statusCode, 201, list.body);
    const up = await f.call({
      method: "POST",
      url: "/api/cm/contacts/upload",
      headers: { "content-type": "text/csv" },
      payload: '"Name, first";"Name, last";phone\r\nAnn;Lee;+12125550124\r\nBob;Ray;+12125550125\r\n',
    });
    assert.equal(up.statusCode, 201, up.body);
    const imported = await f.call({
      method: "POST",
      url: `/api/cm/contacts/upload/${up.json().id}`,
      payload: {
        binding: { phone: "phone", firstName: "Name, first", lastName: "Name, last" },
        ListId: list.json().id,
      },
    });
    assert.equal(imported.statusCode, 200, imported.body);
    assert.deepEqual(imported.json(), { created: 2, duplicates: 0, errors: [] });
    const contacts = await f.call({ method: "GET", url: `/api/cm/contacts?ListId=${list.json().id}` });
    assert.equal(contacts.statusCode, 200, contacts.body);
    const rows: { firstName: string; lastName: string; phone: string }[] = contacts.json().rows;
    assert.deepEqual(
      rows.map((c) => [c.firstName, c.lastName, c.phone]),
      [
        ["Ann", "Lee", "+12125550124"],
        ["Bob", "Ray", "+12125550125"],
      ],
    );
  } finally {
    await f.close();
  }
});
