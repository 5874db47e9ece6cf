// Audit xcally11: the CSV import guessed its delimiter from the raw text before the first "\n", while the
// parser skips empty lines and takes the first other line as the header. A semicolon file that begins with
// an empty line (a script's export, a stray line before the header) was read with ",": its header became
// the one column "Nome;telefono" and the import a 400 saying the file has no column "Nome". The guess is now
// made on the header itself: the first line that is not blank, a byte order mark no part of it, any line
// end the parser knows (CRLF, LF, a lone CR) ending a line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { guessDelimiter } from "../../../src/api/compat/xcally/upload.ts";
import { twin24Fixture } from "../twin24/helpers.ts";

test("the delimiter is guessed from the header, not from blank lines before it", () => {
  assert.equal(guessDelimiter("Nome;telefono\nAnna;+12125550124\n"), ";");
  assert.equal(guessDelimiter("name,phone\nAnna,+12125550124\n"), ",");
  assert.equal(guessDelimiter("\r\nNome;telefono\r\nAnna;+12125550124\r\n"), ";");
  assert.equal(guessDelimiter("\n\n \t\nNome;telefono\n"), ";", "whitespace-only lines are blank too");
  assert.equal(guessDelimiter("\uFEFF\nNome;telefono\n"), ";", "a byte order mark alone on its line");
  assert.equal(guessDelimiter("\rNome;telefono\rAnna;+12125550124"), ";", "a lone CR ends a line");
  // The header decides, not a later row with more of the other character.
  assert.equal(guessDelimiter('\nname,phone\n"Rossi; Anna",+12125550124\n'), ",");
  assert.equal(guessDelimiter(""), ",");
});

/** Uploads `csv` into a new list's account and imports it with `binding` (and `duplicates`): the answer. */
async function uploadAndImport(csv: string, binding: Record<string, string>, duplicates?: string[]) {
  const f = await twin24Fixture({ scenario: "all_human" });
  try {
    const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "L" } });
    assert.equal(list.statusCode, 201, list.body);
    const up = await f.call({
      method: "POST",
      url: "/api/cm/contacts/upload",
      headers: { "content-type": "text/csv" },
      payload: csv,
    });
    assert.equal(up.statusCode, 201, up.body);
    return await f.call({
      method: "POST",
      url: `/api/cm/contacts/upload/${up.json().id}`,
      payload: { binding, ListId: list.json().id, ...(duplicates ? { duplicates } : {}) },
    });
  } finally {
    await f.close();
  }
}

test("a semicolon CSV whose first line is empty imports by its header's columns", async () => {
  const imported = await uploadAndImport(
    "\r\nNome;telefono\r\nAnna;+12125550124\r\nBruno;+12125550125\r\n",
    { firstName: "Nome", phone: "telefono" },
    ["phone"],
  );
  assert.equal(imported.statusCode, 200, imported.body);
  assert.deepEqual(imported.json(), { created: 2, duplicates: 0, errors: [] });
});

test("a file the CSV parser refuses is a 400 naming the file (the path's {file}), not the body's id", async () => {
  const imported = await uploadAndImport('name,phone\nAn"na,+12125550124\n"Bruno,+12125550125\n', {
    firstName: "name",
    phone: "phone",
  });
  assert.equal(imported.statusCode, 400, imported.body);
  assert.equal(imported.json().error.field, "file", imported.body);
});

test("a binding to a column name the file has twice is a 400 naming it, not the first taken", async () => {
  const imported = await uploadAndImport("name,phone,phone\nAnna,,+12125550124\n", {
    firstName: "name",
    phone: "phone",
  });
  assert.equal(imported.statusCode, 400, imported.body);
  const error = imported.json().error;
  assert.equal(error.field, "binding.phone", imported.body);
  assert.match(error.message, /two columns named "phone" \(columns 2 and 3\)/);
});
