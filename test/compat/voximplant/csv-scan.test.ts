// A call list file is read beforehand only as far as needed: its header (from the file's start, not the
// whole file parsed on the event loop: a file at the size limit held every call and every account for
// seconds), and its __task_uuid column when it has one, streamed in chunks, checked to the last row.
import assert from "node:assert/strict";
import { test } from "node:test";
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

test("a text field is read as the text it is; one whose bytes were not UTF-8 (U+FFFD) is refused, not stored so", async () => {
  const f = await voxFixture();
  try {
    // The official client sends every file as a text field, encoding named or not: a whole text is kept.
    const kept = await f.vox(
      "CreateCallList",
      listFields({ name: "kept", encoding: "windows-1251", file_content: "phone;name\n+12125550141;Иван\n" }),
    );
    assert.equal(kept.count, 1, JSON.stringify(kept));
    const details = await f.vox("GetCallListDetails", { list_id: kept.list_id, output: "json" });
    assert.equal(JSON.parse(details.result[0].custom_data).name, "Иван");
    // windows-1251 bytes read as UTF-8 on their way in: nothing to recover them from.
    const lost = await f.vox(
      "CreateCallList",
      listFields({
        name: "lost",
        encoding: "windows-1251",
        file_content: "phone;name\n+12125550142;\uFFFD\uFFFD\n",
      }),
    );
    assert.equal(lost.error?.code, 101, JSON.stringify(lost));
    assert.match(lost.error.msg, /must be sent as a file/);
  } finally {
    await f.close();
  }
});
