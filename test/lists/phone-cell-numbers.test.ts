// A phone cell holding several numbers separated by ';' ("89161234567;89167654321", the shape outdial's own
// results export writes a contact's phones in) gives the contact each of them, in order, and a do-not-call
// import lists each. libphonenumber-js reads ";<digits>" as an extension, and its E.164 form drops that: the
// second number was lost without a word (inserted 1, errors []), and in a do-not-call file the second
// number, which had asked not to be called, stayed callable. A real extension ("ext. 5", "x5", ";ext=5")
// is no number the dialer can dial either: an invalid_phone naming it, under the phone policy (flag keeps
// the text as written), the same in a contact import, a JSON add and a do-not-call import.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { addContacts } from "../../src/lists/import.ts";
import { type ApiFixture, apiFixture } from "../api/helpers.ts";
import { dialects } from "../helpers/stores.ts";
import { contactRows, fixture, run, target } from "./helpers.ts";

const storedPhones = async (f: Awaited<ReturnType<typeof fixture>>) =>
  (await contactRows(f)).map((c) => JSON.parse(c.phones) as string[]);

describe("a phone cell with several numbers", () => {
  for (const { country, cell, numbers } of [
    { country: "RU", cell: "89161234567;89167654321", numbers: ["+79161234567", "+79167654321"] },
    { country: "RU", cell: "+79161234567; 8 916 765-43-21", numbers: ["+79161234567", "+79167654321"] },
    { country: "US", cell: "4155550100;4155550101;", numbers: ["+14155550100", "+14155550101"] },
  ]) {
    test(`"${cell}" (${country}) is a contact with each number, in order`, async () => {
      const f = await fixture();
      const report = await run(f, `name,phone\nAnn,${cell}\n`, { defaultCountry: country });
      assert.deepEqual([report.inserted, report.errors], [1, []]);
      assert.deepEqual(await storedPhones(f), [numbers]);
    });
  }

  test("an export's phones read back, beside a second phone column", async () => {
    const f = await fixture();
    const csv = "phone,phone2\n+79161234567;+79167654321,+79031234567\n";
    const report = await run(f, csv);
    assert.equal(report.inserted, 1, JSON.stringify(report));
    assert.deepEqual(await storedPhones(f), [["+79161234567", "+79167654321", "+79031234567"]]);
  });

  test("a bad number among them is reported as itself", async () => {
    const f = await fixture();
    const report = await run(f, "phone\n+79161234567;12\n");
    assert.equal(report.inserted, 0);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.code, e.value]),
      [[1, "invalid_phone", "12"]],
    );
  });

  test("more numbers than a contact may hold is too_many_phones", async () => {
    const f = await fixture();
    const cell = Array.from({ length: 21 }, (_, i) => `+1415555${String(i).padStart(4, "0")}`).join(";");
    const report = await run(f, `phone\n${cell}\n`);
    assert.deepEqual(
      report.errors.map((e) => e.code),
      ["too_many_phones"],
    );
  });
});

describe("a number with an extension", () => {
  for (const cell of ["+1 212 555 0123 ext. 5", "+12125550123 x5", "+12125550123;ext=5"]) {
    test(`"${cell}" is an invalid_phone naming the extension, never the number without it`, async () => {
      const f = await fixture();
      const report = await run(f, `phone\n"${cell}"\n+12125550124\n`);
      assert.equal(report.inserted, 1);
      assert.equal(report.errors.length, 1, JSON.stringify(report));
      const [issue] = report.errors;
      assert.deepEqual(
        [issue.row, issue.field, issue.code, issue.value],
        [1, "phone", "invalid_phone", cell],
      );
      assert.match(issue.message, /extension \(5\)/);
    });
  }

  test("phone_policy=flag keeps it as written and says why", async () => {
    const f = await fixture();
    const report = await run(f, "phone\n+1 212 555 0123 ext. 5\n", { phonePolicy: "flag" });
    assert.deepEqual([report.inserted, report.flagged], [1, 1]);
    assert.match(report.errors[0].message, /extension \(5\).*kept as written and flagged/);
    assert.deepEqual(await storedPhones(f), [["+1 212 555 0123 ext. 5"]]);
  });

  test("a JSON add reports it too", async () => {
    const f = await fixture();
    const report = await addContacts(f.store, target(f), [
      { phone: "+1 212 555 0123 ext. 5" },
      { phone: "+12125550124" },
    ]);
    assert.equal(report.inserted, 1);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.code]),
      [[1, "invalid_phone"]],
    );
    assert.match(report.errors[0].message, /extension \(5\)/);
  });
});

for (const dialect of dialects()) {
  describe(`do-not-call import of a cell with several numbers [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const importCsv = (csv: string, query = "") =>
      f.call({
        method: "POST",
        url: `/v1/dnc/import?default_country=RU${query}`,
        headers: { "content-type": "text/csv" },
        payload: csv,
      });
    const listed = async () =>
      ((await f.call({ method: "GET", url: "/v1/dnc?limit=1000" })).json().data as { phone: string }[])
        .map((e) => e.phone)
        .sort();

    test("each number of an 'a;b' cell is listed", async () => {
      await f.store.db.deleteFrom("dnc_numbers").execute();
      const res = await importCsv("phone\n89161234567;89167654321\n");
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().added, res.json().errors], [2, []]);
      assert.deepEqual(await listed(), ["+79161234567", "+79167654321"]);
    });

    test("a number with an extension is reported, or under flag listed as a flagged contact holds it", async () => {
      await f.store.db.deleteFrom("dnc_numbers").execute();
      const skipped = await importCsv("phone\n+1 212 555 0123 ext. 5\n");
      assert.equal(skipped.statusCode, 200, skipped.body);
      const { added, errors } = skipped.json();
      assert.equal(added, 0);
      assert.deepEqual(
        errors.map((e: { code: string }) => e.code),
        ["invalid_phone"],
      );
      assert.match(errors[0].message, /extension \(5\)/);
      const flagged = await importCsv("phone\n+1 212 555 0123 ext. 5\n", "&phone_policy=flag");
      assert.equal(flagged.json().added, 1, flagged.body);
      assert.deepEqual(await listed(), ["+1 212 555 0123 ext. 5"]);
    });
  });
}
