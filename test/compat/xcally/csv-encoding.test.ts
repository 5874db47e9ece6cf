// The Xcally CSV upload: each row held to the fields' lengths, `duplicates` checked on bound fields and only
// on rows with values in them, and the file read in its own encoding, named by ?encoding= or the
// Content-Type charset, or told by a byte order mark; bytes the encoding cannot hold and unknown encodings
// are 400s naming `encoding`. Other bodies: JSON even when sent as a form (curl -d), and text holding a NUL
// character refused with a 400 naming the field (PostgreSQL cannot store it). A contact sent as JSON reads
// back as the same row of a file would: cf_ values as text (Motion's cf_ columns are text), values trimmed,
// blank ones empty, and `duplicates` matching across the two.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import iconv from "iconv-lite";
import { type ApiFixture, apiFixture, errorOf } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const HEADER = "Имя;Город;телефон";

for (const dialect of dialects())
  describe(`Xcally CSV upload encodings [${dialect.name}]`, () => {
    let f: ApiFixture;
    let listId: number;
    before(async () => {
      f = await apiFixture(dialect.open);
      const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "encodings" } });
      listId = list.json().id;
    });
    after(() => f.close());

    const upload = (bytes: Buffer, contentType = "application/x-www-form-urlencoded", query = "") =>
      f.call({
        method: "POST",
        url: `/api/cm/contacts/upload${query}`,
        headers: { "content-type": contentType },
        payload: bytes,
      });

    /** Uploads the file, imports it into the list and returns the contacts it created. */
    async function imported(bytes: Buffer, contentType?: string, query?: string) {
      const up = await upload(bytes, contentType, query);
      assert.equal(up.statusCode, 201, up.body);
      assert.equal(up.json().size, bytes.length);
      const res = await f.call({
        method: "POST",
        url: `/api/cm/contacts/upload/${up.json().id}`,
        payload: { binding: { firstName: "Имя", phone: " телефон", cf_1: "Город" }, ListId: listId },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().errors, []);
      const rows = (
        await f.call({ method: "GET", url: `/api/cm/contacts?ListId=${listId}&limit=1000` })
      ).json().rows as { firstName: string; phone: string; cf_1: string }[];
      return rows.slice(-res.json().created).map((c) => [c.firstName, c.cf_1, c.phone]);
    }

    const csv = (name: string, city: string, phone: string) => `${HEADER}\n${name};${city};${phone}\n`;

    test("a file whose lines do not all end alike (CRLF header, LF rows) gives one contact a row", async () => {
      // csv-parse kept the first line end as the only one: every row folded into the first contact.
      const rows = await imported(
        Buffer.from(
          `${HEADER}\r\nАнна;Москва;+14155550621\nБорис;Рим;+14155550622\rВера;Рига;+14155550623\n`,
        ),
      );
      assert.deepEqual(rows, [
        ["Анна", "Москва", "+14155550621"],
        ["Борис", "Рим", "+14155550622"],
        ["Вера", "Рига", "+14155550623"],
      ]);
    });

    test("a cell longer than the field allows is reported for its row, which is left out", async () => {
      const text = `${HEADER}\n${"Я".repeat(256)};Москва;+14155550611\nЕва;${"x".repeat(4001)};+14155550612\nИра;Рим;+14155550613\n`;
      const up = await upload(Buffer.from(text), "text/csv; charset=utf-8");
      assert.equal(up.statusCode, 201, up.body);
      const res = await f.call({
        method: "POST",
        url: `/api/cm/contacts/upload/${up.json().id}`,
        payload: { binding: { firstName: "Имя", phone: " телефон", cf_1: "Город" }, ListId: listId },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().created, 1);
      assert.deepEqual(res.json().errors, [
        { row: 2, field: "firstName", message: "longer than 255 characters" },
        { row: 3, field: "cf_1", message: "longer than 4000 characters" },
      ]);
    });

    test("a reported row is the line of the file its record starts on, past blank lines and multi-line cells", async () => {
      for (const eol of ["\n", "\r\n"]) {
        const text = [
          HEADER, // line 1
          `Ann;"Main St 1${eol}side door${eol}${eol}ring twice";+14155550621`, // lines 2-5
          "", // line 6
          "Bob;Рим;not-a-phone", // line 7
          `Cid;"two${eol}lines";12`, // lines 8-9
          `${"Я".repeat(256)};Рим;+14155550622`, // line 10
          "",
        ].join(eol);
        const up = await upload(Buffer.from(text), "text/csv; charset=utf-8");
        assert.equal(up.statusCode, 201, up.body);
        const res = await f.call({
          method: "POST",
          url: `/api/cm/contacts/upload/${up.json().id}`,
          payload: { binding: { firstName: "Имя", phone: " телефон", cf_1: "Город" }, ListId: listId },
        });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().created, 1);
        assert.deepEqual(
          res.json().errors.map((e: { row: number; field: string }) => [e.row, e.field]),
          [
            [7, "phone"],
            [8, "phone"],
            [10, "firstName"],
          ],
          JSON.stringify(eol),
        );
      }
    });

    test("duplicates: a field the binding does not fill is a 400; a row with its key fields empty is no duplicate", async () => {
      const list = (await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "dups" } })).json()
        .id;
      await f.call({
        method: "POST",
        url: `/api/cm/lists/${list}/contacts`,
        payload: [{ phone: "+12125550299" }],
      });
      const binding = { firstName: "Nome", phone: "telefono" };
      const importAs = (file: string, duplicates: string[]) =>
        f.call({
          method: "POST",
          url: `/api/cm/contacts/upload/${file}`,
          payload: { binding, ListId: list, duplicates },
        });
      const uploaded = async (text: string) => {
        const up = await upload(Buffer.from(text));
        assert.equal(up.statusCode, 201, up.body);
        return up.json().id as string;
      };
      const file = await uploaded("Nome;telefono\nAnn;+12125550201\nBob;+12125550202\n");
      const unbound = await importAs(file, ["phone", "cf_1"]);
      assert.equal(unbound.statusCode, 400, unbound.body);
      assert.equal(errorOf(unbound).field, "duplicates[1]");
      assert.match(errorOf(unbound).message, /cf_1/);
      assert.equal(
        (await importAs(file, ["phone"])).json().created,
        2,
        "the file stays for a corrected body",
      );
      // Motion's "duplicates" keeps a contact from being added again; a missing value matches nothing.
      const noNames = await uploaded("Nome;telefono\n;+12125550301\n;+12125550302\n;+12125550303\n");
      const none = await importAs(noNames, ["firstName"]);
      assert.equal(none.statusCode, 200, none.body);
      assert.deepEqual([none.json().created, none.json().duplicates], [3, 0]);
      const named = await uploaded("Nome;telefono\nAnn;+12125550401\n;+12125550402\nAnn;+12125550403\n");
      const some = await importAs(named, ["firstName"]);
      assert.deepEqual([some.json().created, some.json().duplicates], [1, 2], "Ann is in the list already");
      const total = (await f.call({ method: "GET", url: `/api/cm/contacts?ListId=${list}` })).json().count;
      assert.equal(total, 1 + 2 + 3 + 1);
    });

    test("windows-1251 named by ?encoding=, KOI8-R by the Content-Type charset", async () => {
      const cp1251 = iconv.encode(csv("Анна", "Москва", "+14155550601"), "windows-1251");
      assert.deepEqual(await imported(cp1251, undefined, "?encoding=windows-1251"), [
        ["Анна", "Москва", "+14155550601"],
      ]);
      const koi8 = iconv.encode(csv("Борис", "Тверь", "+14155550602"), "koi8-r");
      assert.deepEqual(await imported(koi8, "text/csv; charset=KOI8-R"), [
        ["Борис", "Тверь", "+14155550602"],
      ]);
    });

    test("UTF-16 and UTF-8 byte order marks are honoured without a declaration", async () => {
      const utf16 = Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        iconv.encode(csv("Вера", "Омск", "+14155550603"), "utf-16le"),
      ]);
      assert.deepEqual(await imported(utf16), [["Вера", "Омск", "+14155550603"]]);
      const utf8 = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(csv("Галя", "Сочи", "+14155550604")),
      ]);
      assert.deepEqual(await imported(utf8), [["Галя", "Сочи", "+14155550604"]]);
    });

    test("bytes that are not in the encoding, and an unknown encoding, are 400s naming encoding", async () => {
      const cp1251 = iconv.encode(csv("Дина", "Уфа", "+14155550605"), "windows-1251");
      const undeclared = await upload(cp1251);
      assert.equal(undeclared.statusCode, 400);
      assert.equal(errorOf(undeclared).field, "encoding");
      assert.match(errorOf(undeclared).message, /not valid UTF-8/);
      const unknown = await upload(cp1251, undefined, "?encoding=klingon");
      assert.equal(unknown.statusCode, 400);
      assert.equal(errorOf(unknown).field, "encoding");
      const stored = await f.store.db
        .withTables<{ xcally_uploads: { name: string } }>()
        .selectFrom("xcally_uploads")
        .select("name")
        .execute();
      assert.equal(stored.length, 0, "nothing kept of a refused upload");
    });
  });

for (const dialect of dialects())
  describe(`Xcally request bodies [${dialect.name}]`, () => {
    let f: ApiFixture;
    let listId: number;
    before(async () => {
      f = await apiFixture(dialect.open);
      listId = (await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "bodies" } })).json()
        .id;
    });
    after(() => f.close());
    const stored = async () =>
      (
        await f.store.db
          .withTables<{ xcally_contacts: { list_id: number } }>()
          .selectFrom("xcally_contacts")
          .select("list_id")
          .execute()
      ).length;

    test("a NUL character in a text field is a 400 naming it, and nothing of the request is stored", async () => {
      const list = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "x\u0000" } });
      assert.equal(list.statusCode, 400, list.body);
      assert.equal(errorOf(list).field, "name");
      const batch = Array.from({ length: 600 }, (_, i) => ({
        firstName: i === 550 ? "Ann\u0000" : `n${i}`,
        phone: `+1212555${1000 + i}`,
      }));
      const bulk = await f.call({ method: "POST", url: `/api/cm/lists/${listId}/contacts`, payload: batch });
      assert.equal(bulk.statusCode, 400, bulk.body);
      assert.equal(errorOf(bulk).field, "[550].firstName");
      const one = await f.call({
        method: "POST",
        url: "/api/cm/contacts",
        payload: { phone: "+12125550100", ListId: listId, cf_2: "a\u0000" },
      });
      assert.equal(one.statusCode, 400, one.body);
      assert.equal(errorOf(one).field, "cf_2");
      const file = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload: "name;phone\nAnn\u0000;+12125550101\n",
      });
      assert.equal(file.statusCode, 400, file.body);
      assert.equal(await stored(), 0);
    });

    test("the seed's curl -d (JSON sent as a form) is read as JSON; a form that is not JSON is a 400 saying so", async () => {
      const form = { "content-type": "application/x-www-form-urlencoded" };
      const res = await f.call({
        method: "POST",
        url: "/api/cm/contacts",
        headers: form,
        payload: `{"firstName": "John", "lastName": "doe", "phone": "+12125550123", "ListId": ${listId}, "cf_1": "some text"}`,
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(
        [res.json().firstName, res.json().phone, res.json().cf_1],
        ["John", "+12125550123", "some text"],
      );
      const list = await f.call({
        method: "POST",
        url: "/api/cm/lists",
        headers: { "content-type": "text/plain" },
        payload: '{"name": "list1", "description": "A brief description of my list"}',
      });
      assert.equal(list.statusCode, 201, list.body);
      const notJson = await f.call({
        method: "POST",
        url: "/api/cm/contacts",
        headers: form,
        payload: `phone=%2B12125550124&ListId=${listId}`,
      });
      assert.equal(notJson.statusCode, 400, notJson.body);
      assert.equal(errorOf(notJson).field, "body");
      assert.match(errorOf(notJson).message, /must be JSON/);
      assert.equal(await stored(), 1);
    });

    /** A fresh list; `contacts` added to it as JSON, then `csv` uploaded and imported into it. */
    async function jsonThenCsv(name: string, contacts: object[], csv: string, duplicates: string[] = []) {
      const list = (await f.call({ method: "POST", url: "/api/cm/lists", payload: { name } })).json().id;
      const added = await f.call({
        method: "POST",
        url: `/api/cm/lists/${list}/contacts`,
        payload: contacts,
      });
      assert.equal(added.statusCode, 201, added.body);
      const up = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload: csv,
      });
      assert.equal(up.statusCode, 201, up.body);
      const binding = { firstName: "name", lastName: "surname", phone: "phone", cf_1: "code", cf_2: "flag" };
      const imported = await f.call({
        method: "POST",
        url: `/api/cm/contacts/upload/${up.json().id}`,
        payload: { binding, ListId: list, duplicates },
      });
      assert.equal(imported.statusCode, 200, imported.body);
      const rows = (await f.call({ method: "GET", url: `/api/cm/contacts?ListId=${list}` })).json().rows;
      return { list, added: added.json(), imported: imported.json(), rows };
    }
    const fields = (c: Record<string, unknown>) =>
      [c.firstName, c.lastName, c.phone, c.cf_1, c.cf_2].map((v) => (v === undefined ? "(absent)" : v));

    test("cf_ fields are text, as Motion's columns: a JSON number or boolean reads back as the CSV's string", async () => {
      const { added, imported, rows } = await jsonThenCsv(
        "cf text",
        [{ firstName: "Ann", phone: "+12125550701", cf_1: 42, cf_2: true }],
        "name;surname;phone;code;flag\nBob;;+12125550702;42;true\n",
      );
      assert.deepEqual([added[0].cf_1, added[0].cf_2], ["42", "true"], "the POST's answer");
      assert.equal(imported.created, 1);
      assert.deepEqual(rows.map(fields), [
        ["Ann", null, "+12125550701", "42", "true"],
        ["Bob", null, "+12125550702", "42", "true"],
      ]);
      const one = await f.call({
        method: "POST",
        url: "/api/cm/contacts",
        payload: { phone: "+12125550703", ListId: listId, cf_1: 1.5, cf_2: false, cf_3: null },
      });
      assert.equal(one.statusCode, 201, one.body);
      assert.deepEqual(fields(one.json()), [null, null, "+12125550703", "1.5", "false"]);
      assert.equal(
        Object.hasOwn(one.json(), "cf_3"),
        false,
        "a null cf_ field is no value, as an empty cell",
      );
      // A contact stored with a JSON-typed value before cf_ fields were kept as text reads back as text.
      const db = f.store.db.withTables<{
        xcally_contacts: { id: number; custom: string; list_id: number };
      }>();
      await db
        .updateTable("xcally_contacts")
        .set({ custom: '{"cf_1":7,"cf_2":false}' })
        .where("id", "=", one.json().id)
        .execute();
      const read = (await f.call({ method: "GET", url: `/api/cm/contacts?ListId=${listId}&limit=1000` }))
        .json()
        .rows.find((c: { id: number }) => c.id === one.json().id);
      assert.deepEqual([read.cf_1, read.cf_2], ["7", "false"]);
    });

    test("JSON values are trimmed as CSV cells are, and a blank one is empty as a blank cell is", async () => {
      const { added, imported, rows } = await jsonThenCsv(
        "trimmed",
        [
          { firstName: "  Ann ", lastName: "\tLee\t", phone: " +12125550711 ", cf_1: " A-1 ", cf_2: "  " },
          { firstName: "   ", lastName: "", phone: "+12125550712", cf_1: "" },
        ],
        "name;surname;phone;code;flag\n  Ann ;\tLee\t; +12125550713 ; A-1 ;  \n   ;;+12125550714;;\n",
      );
      assert.deepEqual(
        fields(added[0]),
        ["Ann", "Lee", "+12125550711", "A-1", "(absent)"],
        "the POST's answer",
      );
      assert.equal(imported.created, 2);
      assert.deepEqual(rows.map(fields), [
        ["Ann", "Lee", "+12125550711", "A-1", "(absent)"],
        [null, null, "+12125550712", "(absent)", "(absent)"],
        ["Ann", "Lee", "+12125550713", "A-1", "(absent)"],
        [null, null, "+12125550714", "(absent)", "(absent)"],
      ]);
    });

    test("duplicates: a CSV row matches a contact added as JSON with the same value padded or typed", async () => {
      const { imported } = await jsonThenCsv(
        "dup json",
        [
          { firstName: " Ann ", phone: "+12125550721", cf_1: 42 },
          { firstName: "Bob", phone: "+12125550722", cf_1: " 7 " },
        ],
        "name;surname;phone;code;flag\nAnn;;+12125550723;1;\nCid;;+12125550724;7;\nDan;;+12125550725;42;\n",
        ["firstName"],
      );
      assert.deepEqual([imported.created, imported.duplicates], [2, 1], "Ann is in the list already");
      const byCode = await jsonThenCsv(
        "dup code",
        [{ phone: "+12125550731", cf_1: " 7 " }],
        "name;surname;phone;code;flag\nCid;;+12125550732;7;\n",
        ["cf_1"],
      );
      assert.deepEqual([byCode.imported.created, byCode.imported.duplicates], [0, 1]);
      // A contact stored untrimmed and typed (before JSON values were trimmed) still matches the cell.
      await f.store.db
        .withTables<{ xcally_contacts: { id: number; custom: string } }>()
        .updateTable("xcally_contacts")
        .set({ custom: '{"cf_1":" 8 "}' })
        .where("id", "=", byCode.added[0].id)
        .execute();
      const up = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload: "phone;code\n+12125550733;8\n+12125550734; 7\n",
      });
      const legacy = await f.call({
        method: "POST",
        url: `/api/cm/contacts/upload/${up.json().id}`,
        payload: { binding: { phone: "phone", cf_1: "code" }, ListId: byCode.list, duplicates: ["cf_1"] },
      });
      assert.deepEqual([legacy.json().created, legacy.json().duplicates], [1, 1]);
    });
  });
