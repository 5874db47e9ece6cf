// A call list file is read beforehand only as far as needed: its header (from the file's start, not the
// whole file parsed on the event loop: a file at the size limit held every call and every account for
// seconds), and its __task_uuid column when it has one, streamed in chunks, checked to the last row.
import assert from "node:assert/strict";
import { test } from "node:test";
import iconv from "iconv-lite";
import { readHeader } from "../../../src/api/compat/voximplant/csv.ts";
import { listFields, voxFixture } from "./helpers.ts";

test("the header is read from the file's start: what comes after is the import's to judge", () => {
  const rows = Array.from({ length: 60_000 }, (_, i) => `+1212${5_000_000 + i};Ann;x`);
  // Past the first mebibyte, a quote that never closes: the whole-file parse refused the header for it.
  const content = Buffer.from(`phone_number;first_name;__task_uuid\n${rows.join("\n")}\n"broken;Bob;y\n`);
  assert.ok(content.length > 1 << 20);
  const header = readHeader({ content });
  assert.equal(header.phoneColumn, "phone_number");
  assert.deepEqual(header.mapping.custom, ["first_name"]);
  assert.equal(header.uuidAt, 2);
});

test("a __task_uuid repeated far into the file (past the first chunks) is refused, naming the row", async () => {
  const f = await voxFixture();
  try {
    const rows = Array.from({ length: 6000 }, (_, i) => `+1212${5_000_000 + i};Ann;task-${i}`);
    rows.push("+12126000000;Bob;task-17"); // row 6001
    const made = await f.vox(
      "CreateCallList",
      listFields({ file_content: `phone_number;first_name;__task_uuid\n${rows.join("\n")}\n` }),
    );
    assert.equal(made.error?.code, 101, JSON.stringify(made));
    assert.match(made.error.msg, /row 6001, __task_uuid task-17 repeats an earlier row/);
  } finally {
    await f.close();
  }
});

test("file_content's bytes meet its encoding however they come, a multipart text field's too", async () => {
  const f = await voxFixture();
  const cp1251 = iconv.encode("phone;name\n+12125550141;Иван\n", "windows-1251");
  const nameOf = async (listId: number) =>
    JSON.parse((await f.vox("GetCallListDetails", { list_id: listId, output: "json" })).result[0].custom_data)
      .name;
  const fields = (name: string) =>
    Object.entries(listFields({ name, encoding: "windows-1251" })).filter(([k]) => k !== "file_content");
  try {
    // url-encoded (curl --data-urlencode): the escapes are the file's bytes.
    const escaped = [...cp1251].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
    const form = `${new URLSearchParams([["cmd", "CreateCallList"], ...fields("form").map(([k, v]) => [k, String(v)])])}&file_content=${escaped}`;
    const byForm = await f.call({
      method: "POST",
      url: "/platform_api",
      payload: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(byForm.json().count, 1, byForm.body);
    assert.equal(await nameOf(byForm.json().list_id), "Иван");
    // A multipart text field keeps its bytes (curl -F 'file_content=<f.csv'): an ASCII file (as the official
    // client sends it, encoding named or not) is kept, and a windows-1251 one is read in its encoding.
    const multipart = async (name: string, content: Buffer) => {
      const b = "XyZb";
      const parts = [["cmd", "CreateCallList"], ...fields(name)].map(([k, v]) =>
        Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
      );
      const body = Buffer.concat([
        ...parts,
        Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file_content"\r\n\r\n`),
        content,
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
      const res = await f.call({
        method: "POST",
        url: "/platform_api",
        payload: body,
        headers: { "content-type": `multipart/form-data; boundary=${b}` },
      });
      return res.json();
    };
    const ascii = await multipart("ascii", Buffer.from("phone;name\n+12125550142;Ivan\n"));
    assert.equal(ascii.count, 1, JSON.stringify(ascii));
    const cyrillic = await multipart("cyrillic", cp1251);
    assert.equal(cyrillic.count, 1, JSON.stringify(cyrillic));
    assert.equal(await nameOf(cyrillic.list_id), "Иван");
  } finally {
    await f.close();
  }
});

test("a file whose lines do not all end alike (CRLF header, LF rows) is scanned as the import reads it", async () => {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    // The __task_uuid scan kept the first line end as the only one: one record "u-1\n+1212…", refused.
    const file = "phone;__task_uuid\r\n+12125554001;u-1\n+12125554002;u-2\n";
    const out = await f.vox(
      "CreateCallList",
      listFields({ name: "mixed", file_content: file, application_id: 3 }),
    );
    assert.equal(out.count, 2, JSON.stringify(out));
    const dup = await f.vox("AppendToCallList", {
      list_id: out.list_id,
      file_content: "__task_uuid;phone\r\nu-9;+12125554003\nu-2;+12125554004\n",
    });
    assert.equal(
      dup.error?.code,
      101,
      `a repeated uuid on a later LF row is still found: ${JSON.stringify(dup)}`,
    );
  } finally {
    await f.close();
  }
});
