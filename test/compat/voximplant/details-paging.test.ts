// GetCallListDetails on a list longer than one page of reads (1,000 tasks): the answer streams page by page,
// and offset and count cut it exactly across page boundaries, in every output format.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

const TASKS = 2_500;

describe("GetCallListDetails across pages", () => {
  let f: VoxFixture;
  let listId: number;
  let taskIds: number[];

  before(async () => {
    f = await voxFixture();
    const rows = Array.from({ length: TASKS }, (_, i) => `+1212555${String(i).padStart(4, "0")};Имя ${i}`);
    const out = await f.vox(
      "CreateCallList",
      listFields({ name: "long", file_content: `phone_number;first_name\n${rows.join("\n")}\n` }),
    );
    assert.equal(out.count, TASKS, JSON.stringify(out));
    listId = out.list_id;
    const stored = await f.store.db
      .selectFrom("contacts")
      .select("id")
      .where("campaign_id", "=", listId)
      .orderBy("id")
      .execute();
    taskIds = stored.map((r) => Number(r.id));
  });
  after(() => f.close());

  const details = (params: Record<string, string | number>) =>
    f.call({
      method: "GET",
      url: `/platform_api/GetCallListDetails?${new URLSearchParams(
        Object.entries({ list_id: listId, ...params }).map(([k, v]) => [k, String(v)]),
      )}`,
    });

  test("JSON: every task in order, then offset and count across the page boundaries", async () => {
    const all = (await details({ output: "json" })).json();
    assert.equal(all.count, TASKS);
    assert.deepEqual(
      all.result.map((t: { task_id: number }) => t.task_id),
      taskIds,
    );
    assert.equal(JSON.parse(all.result[1234].custom_data).first_name, "Имя 1234");

    const cut = (await details({ output: "json", offset: 999, count: 1002 })).json();
    assert.equal(cut.count, 1002);
    assert.deepEqual(
      cut.result.map((t: { task_id: number }) => t.task_id),
      taskIds.slice(999, 2001),
    );
    const tail = (await details({ output: "json", offset: 2400 })).json();
    assert.deepEqual(
      tail.result.map((t: { task_id: number }) => t.task_id),
      taskIds.slice(2400),
    );
    assert.deepEqual((await details({ output: "json", offset: TASKS })).json(), { result: [], count: 0 });
    assert.deepEqual((await details({ output: "json", count: 0 })).json(), { result: [], count: 0 });
  });

  test("CSV in windows-1251 with its delimiter, and XLS, cut the same way", async () => {
    const res = await details({ offset: 1000, count: 1500, encoding: "windows-1251", delimiter: "," });
    assert.equal(res.statusCode, 200);
    const text = iconv.decode(res.rawPayload, "windows-1251");
    const rows = parse(text, { columns: true, delimiter: "," }) as Record<string, string>[];
    assert.equal(rows.length, 1500);
    assert.deepEqual(
      rows.map((r) => Number(r.task_id)),
      taskIds.slice(1000, 2500),
    );
    assert.equal(JSON.parse(rows[0].custom_data).first_name, "Имя 1000");

    const xls = await details({ output: "xls", offset: 1, count: 2000 });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xls.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("call list");
    assert.ok(sheet);
    assert.equal(sheet.rowCount, 2001);
    assert.equal(sheet.getRow(2).getCell(2).value, String(taskIds[1]));
    assert.equal(sheet.getRow(2001).getCell(2).value, String(taskIds[2000]));
  });
});
