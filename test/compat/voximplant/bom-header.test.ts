// A call list file with a byte order mark: the import honours the mark whatever encoding was declared
// (lists/byte-decoder: Excel's "CSV UTF-8" is often sent as windows-1251), so the face's own reading of the
// header and of the __task_uuid column must too. It read them in the declared encoding (UTF-8 if none), and
// named columns the import never saw: UTF-16 files and Excel's UTF-8 sent as windows-1251 were refused with
// 101 "no column "п»їname"".
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import iconv from "iconv-lite";
import { listFields, multipartBody, type VoxFixture, voxFixture } from "./helpers.ts";

let f: VoxFixture;
before(async () => {
  f = await voxFixture();
});
after(() => f.close());

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
const UTF16BE_BOM = Buffer.from([0xfe, 0xff]);

/** CreateCallList with the file as a multipart file part (its bytes as they are): the answer. */
async function createList(content: Buffer, encoding?: string) {
  const fields = Object.entries(listFields({ name: "bom", ...(encoding ? { encoding } : {}) }))
    .filter(([k]) => k !== "file_content")
    .map(([k, v]) => [k, String(v)]);
  const { payload, headers } = await multipartBody({
    cmd: "CreateCallList",
    ...Object.fromEntries(fields),
    file_content: new Blob([new Uint8Array(content)], { type: "text/csv" }),
  });
  const res = await f.call({ method: "POST", url: "/platform_api", payload, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** The list's contacts: phone, the file's name column, __task_uuid. */
async function stored(listId: number) {
  const rows = await f.store.db
    .selectFrom("contacts")
    .select(["phone", "custom", "external_id"])
    .where("campaign_id", "=", listId)
    .orderBy("id")
    .execute();
  return rows.map((r) => [r.phone, JSON.parse(r.custom).name, r.external_id]);
}

const text = "name;phone;__task_uuid\r\nИван;+79161234567;t-1\r\nПётр;+79161234568;t-2\r\n";
const expected = [
  ["+79161234567", "Иван", "t-1"],
  ["+79161234568", "Пётр", "t-2"],
];

test("UTF-16LE with its byte order mark, no encoding named", async () => {
  const out = await createList(Buffer.concat([UTF16LE_BOM, iconv.encode(text, "utf16le")]));
  assert.equal(out.count, 2, JSON.stringify(out));
  assert.deepEqual(await stored(out.list_id), expected);
});

test("UTF-16BE with its byte order mark, no encoding named", async () => {
  const out = await createList(Buffer.concat([UTF16BE_BOM, iconv.encode(text, "utf16be")]));
  assert.equal(out.count, 2, JSON.stringify(out));
  assert.deepEqual(await stored(out.list_id), expected);
});

test("Excel's CSV UTF-8 (with its byte order mark) sent with encoding=windows-1251", async () => {
  const out = await createList(Buffer.concat([UTF8_BOM, Buffer.from(text)]), "windows-1251");
  assert.equal(out.count, 2, JSON.stringify(out));
  assert.deepEqual(await stored(out.list_id), expected);
});

test("a __task_uuid repeated in a UTF-16 file is found by the scan, naming its row", async () => {
  const repeated = `${text}Анна;+79161234569;t-1\r\n`;
  const out = await createList(Buffer.concat([UTF16LE_BOM, iconv.encode(repeated, "utf16le")]));
  assert.equal(out.error?.code, 101, JSON.stringify(out));
  assert.match(out.error.msg, /row 3, __task_uuid t-1 repeats an earlier row/);
});
