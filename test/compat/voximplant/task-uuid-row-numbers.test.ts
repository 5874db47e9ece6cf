// The __task_uuid scan and the import must number a file's rows alike: a row of empty cells (";", a
// spreadsheet's blank line) is no row to the import, but the scan counted it, so the same line of the same
// file was "row 3" in one refusal and "row 2" in the other.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { listFields, multipartBody, type VoxFixture, voxFixture } from "./helpers.ts";

let f: VoxFixture;
before(async () => {
  f = await voxFixture();
});
after(() => f.close());

async function refusal(file: string): Promise<string> {
  const out = await f.vox("CreateCallList", listFields({ file_content: file }));
  assert.equal(out.error?.code, 101, JSON.stringify(out));
  return out.error.msg;
}

const rowOf = (message: string) => /row (\d+)/.exec(message)?.[1];

test("a bad __task_uuid after a row of empty cells is named by the import's row number", async () => {
  // The 4th line is wrong in both files: its phone in one (the import's refusal), its __task_uuid in the
  // other (the scan's).
  const badPhone = await refusal("phone;__task_uuid\n+79161234567;a\n;\nbad;b\n");
  const badUuid = await refusal("phone;__task_uuid\n+79161234567;a\n;\n+79161234568;b b\n");
  assert.equal(rowOf(badPhone), "2", badPhone);
  assert.match(badUuid, /row 2, __task_uuid must be/);
});

test("a repeated __task_uuid after whitespace-only cells is named by the import's row number", async () => {
  const repeated = await refusal("phone;__task_uuid\n+79161234567;a\n ; \n;\n+79161234568;a\n");
  assert.match(repeated, /row 2, __task_uuid a repeats an earlier row/);
});

test("a row cut short by bytes not valid in the encoding is the import's to refuse, not the scan's", async () => {
  // Read up to the bad byte, the last row's __task_uuid is "task-1", as the first row's: the scan judged
  // that cut record and called it a repeat, where the file's fault is its bytes.
  const content = Buffer.concat([
    Buffer.from("phone;__task_uuid\n+79161234567;task-1\n+79161234568;task-1"),
    Buffer.from([0xff]),
    Buffer.from("0\n"),
  ]);
  const fields = Object.entries(listFields()).filter(([k]) => k !== "file_content");
  const { payload, headers } = await multipartBody({
    cmd: "CreateCallList",
    ...Object.fromEntries(fields.map(([k, v]) => [k, String(v)])),
    file_content: new Blob([new Uint8Array(content)], { type: "text/csv" }),
  });
  const out = (await f.call({ method: "POST", url: "/platform_api", payload, headers })).json();
  assert.equal(out.error?.code, 101, JSON.stringify(out));
  assert.match(out.error.msg, /row 2 \(line 3\) has bytes that are not valid UTF-8/);
});
