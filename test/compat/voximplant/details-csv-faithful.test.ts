// GetCallListDetails' CSV (its default output) holds the values its JSON output holds. It went through the
// native export's spreadsheet-formula guard (inertCell), which put an apostrophe before a task_uuid's
// leading '-' ("-abc:1" came out "'-abc:1") and after each ',' before a '+' in custom_data (a task's numbers
// "+12125550100,+12125550101" came out "+12125550100,'+12125550101"): a client matching task_uuid or reading
// custom_data's numbers got values it never sent. The CSV is an answer clients parse, not a spreadsheet:
// every value is written as it is, quoted where it holds the delimiter, a quote or a line break.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "csv-parse/sync";
import { listFields, voxFixture } from "./helpers.ts";

const FILE =
  "phone_number;__task_uuid;note\n" +
  '"+12125550100,+12125550101";-abc:1;"=1+2; \'quoted\' ""x"""\n' +
  '+12125550102;--2:b;"two\nlines"\n';

for (const delimiter of [undefined, ",", "||"]) {
  test(`the CSV (delimiter ${delimiter ?? "default ;"}) is the JSON output, value for value`, async () => {
    const f = await voxFixture();
    try {
      const out = await f.vox("CreateManualCallList", listFields({ file_content: FILE }));
      assert.equal(out.count, 2, JSON.stringify(out));
      const json = await f.vox("GetCallListDetails", { list_id: out.list_id, output: "json" });
      assert.equal(
        json.result[0].custom_data,
        '{"phone_number":"+12125550100,+12125550101","note":"=1+2; \'quoted\' \\"x\\""}',
      );
      const query = delimiter === undefined ? "" : `&delimiter=${encodeURIComponent(delimiter)}`;
      const res = await f.call({
        method: "GET",
        url: `/platform_api/GetCallListDetails?list_id=${out.list_id}${query}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      const rows = parse(res.body, { columns: true, delimiter: delimiter ?? ";" }) as Record<
        string,
        string
      >[];
      const asText = (task: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(task).map(([k, v]) => [k, v === null ? "" : String(v)]));
      assert.deepEqual(rows, json.result.map(asText));
    } finally {
      await f.close();
    }
  });
}
