// Multipart text fields keep their bytes. The multipart parser read every text field as UTF-8, putting
// U+FFFD where the bytes were not, so a windows-1251 file sent as a text field with no `encoding`
// (curl -F 'file_content=<f.csv') was answered result:true and stored with every Cyrillic letter lost, and
// a list name in windows-1251 was stored garbled. Now every part reaches the face as bytes: file_content is
// read in its `encoding` (UTF-8 by default, refused when the bytes are not in it, as the raw body is) and
// every other parameter as UTF-8, or refused with 101 naming it.
import assert from "node:assert/strict";
import { test } from "node:test";
import iconv from "iconv-lite";
import { listFields, voxFixture } from "./helpers.ts";

/** A multipart body of text fields (no filename, no Content-Type), as curl -F sends them. */
function multipart(fields: Record<string, string | number | Buffer>) {
  const b = "XyZb0undary";
  const parts = Object.entries(fields).flatMap(([k, v]) => [
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`),
    Buffer.isBuffer(v) ? v : Buffer.from(String(v)),
    Buffer.from("\r\n"),
  ]);
  return {
    method: "POST" as const,
    url: "/platform_api",
    payload: Buffer.concat([...parts, Buffer.from(`--${b}--\r\n`)]),
    headers: { "content-type": `multipart/form-data; boundary=${b}` },
  };
}

const cp1251File = () => iconv.encode("phone;имя\n+12125550101;Анна\n", "windows-1251");

test("a windows-1251 file_content text field without `encoding` is refused (101), nothing stored", async () => {
  const f = await voxFixture();
  try {
    const res = await f.call(
      multipart({ ...listFields(), cmd: "CreateCallList", file_content: cp1251File() }),
    );
    assert.equal(res.json().error?.code, 101, res.body);
    assert.deepEqual(await f.store.db.selectFrom("contacts").select("id").execute(), []);
    assert.deepEqual((await f.vox("GetCallLists", {})).result, [], "a refused CreateCallList leaves no list");
  } finally {
    await f.close();
  }
});

test("a windows-1251 file_content text field with its `encoding` named is read in it", async () => {
  const f = await voxFixture();
  try {
    const res = await f.call(
      multipart({
        ...listFields(),
        cmd: "CreateCallList",
        encoding: "windows-1251",
        file_content: cp1251File(),
      }),
    );
    assert.equal(res.json().count, 1, res.body);
    const [task] = (await f.vox("GetCallListDetails", { list_id: res.json().list_id, output: "json" }))
      .result;
    assert.equal(JSON.parse(task.custom_data).имя, "Анна");
  } finally {
    await f.close();
  }
});

test("a text parameter whose bytes are not UTF-8 is refused (101) naming it; UTF-8 ones are kept", async () => {
  const f = await voxFixture();
  try {
    const bad = await f.call(
      multipart({ ...listFields(), cmd: "CreateCallList", name: iconv.encode("Весна", "windows-1251") }),
    );
    assert.equal(bad.json().error?.code, 101, bad.body);
    assert.match(bad.json().error.msg, /'name' parameter is not UTF-8/);
    assert.deepEqual((await f.vox("GetCallLists", {})).result, []);
    const good = await f.call(multipart({ ...listFields(), cmd: "CreateCallList", name: "Весна" }));
    assert.equal(good.json().count, 2, good.body);
    const lists = (await f.vox("GetCallLists", {})).result;
    assert.deepEqual(
      lists.map((l: { list_name: string }) => l.list_name),
      ["Весна"],
    );
  } finally {
    await f.close();
  }
});

test("url-encoded values keep their bytes too: a percent-escaped windows-1251 name is refused naming it", async () => {
  const f = await voxFixture();
  try {
    const escaped = [...iconv.encode("Весна", "windows-1251")].map((b) => `%${b.toString(16)}`).join("");
    const fields = new URLSearchParams(
      Object.entries({ ...listFields(), cmd: "CreateCallList" }).map(([k, v]) => [k, String(v)]),
    );
    fields.delete("name");
    const res = await f.call({
      method: "POST",
      url: "/platform_api",
      payload: `${fields}&name=${escaped}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(res.json().error?.code, 101, res.body);
    assert.match(res.json().error.msg, /'name' parameter is not UTF-8/);
  } finally {
    await f.close();
  }
});
