// What an export's columns are called and what they may hold: JSON names each custom field as CSV and XLSX
// do (two different fields never share a name); a field named "__proto__" shows in its own contact only;
// an XLSX wider than Excel's 16,384 columns is refused before the download starts, with the API's error;
// a text longer than an Excel cell is cut and says so (the Voximplant face's custom_data).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { listFields, type VoxFixture, voxFixture } from "../compat/voximplant/helpers.ts";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

for (const dialect of dialects())
  describe(`export columns [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("last_talk_sec and last_agent_id are those of the last call made, not of a preview being read", async () => {
      const c = await createCampaignViaApi(f, { name: "held", settings: { dialMethod: "preview" } });
      const agent = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "reader" } });
      assert.equal(agent.statusCode, 201, agent.body);
      const now = f.clock.now();
      const at = { accountId: f.accountId, campaignId: c.id, listId: c.listId };
      const [contactId] = await insertContacts(f.store, at, [
        { status: "in_progress", attempts: 2, last_outcome: "human", last_attempt_at: now - 1000 },
      ]);
      const call = { ...at, contactId, outcome: "human", talkSec: 40, success: 0 };
      await insertAttempt(f.store, {
        ...call,
        seq: 1,
        startedAt: now - 3_600_000,
        answeredAt: now - 3_590_000,
      });
      const held = await insertAttempt(f.store, {
        ...at,
        contactId,
        seq: 2,
        startedAt: now - 1000,
        endedAt: null,
      });
      await f.store.db
        .updateTable("attempts")
        .set({
          reserved: JSON.stringify({ attempts: 1, phoneIndex: 0, phoneAttempts: "[1]" }),
          agent_id: agent.json().id,
        })
        .where("id", "=", held)
        .execute();
      const r = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=json` });
      assert.equal(r.statusCode, 200, r.body);
      const [row] = r.json();
      assert.equal(row.last_outcome, "human");
      assert.equal(row.last_talk_sec, 40);
      assert.equal(row.last_agent_id ?? null, null, "the agent reading the preview has made no call yet");
    });

    test("JSON names a custom field as the CSV does, and never two fields alike", async () => {
      const c = await createCampaignViaApi(f, { name: "names" });
      const at = { accountId: f.accountId, campaignId: c.id, listId: c.listId };
      await insertContacts(f.store, at, [
        { phones: '["+12125550101"]', custom: JSON.stringify({ "custom.status": "A's own field" }) },
        {
          phones: '["+12125550102"]',
          custom: `{"status": "B's status", "__proto__": "B's odd one"}`,
        },
        { phones: '["+12125550103"]', custom: "{}" },
      ]);
      const exported = (format: string) =>
        f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=${format}` });
      const csv = parse((await exported("csv")).body, { columns: true }) as Record<string, string>[];
      assert.equal(csv[1]["custom.status#2"], "B's status");
      const json = (await exported("json")).json() as Record<string, unknown>[];
      assert.equal(json[0]["custom.status"], "A's own field");
      assert.equal(json[1]["custom.status"], undefined, "B's field is not under A's field's name");
      assert.equal(json[1]["custom.status#2"], "B's status");
      assert.equal(Object.getOwnPropertyDescriptor(json[1], "__proto__")?.value, "B's odd one");
      assert.equal(Object.hasOwn(json[2], "__proto__"), false, "a field only its own contact has");
      const protoCell = (row: Record<string, string>) =>
        Object.getOwnPropertyDescriptor(row, "__proto__")?.value;
      assert.equal(protoCell(csv[1]), "B's odd one");
      assert.equal(protoCell(csv[2]), "", "the CSV cell of a contact without it is empty, not {}");
      assert.equal(protoCell(csv[0]), "");
    });

    test("an XLSX of more columns than a sheet holds is a 400 naming the way out", async () => {
      const c = await createCampaignViaApi(f, { name: "wide" });
      const at = { accountId: f.accountId, campaignId: c.id, listId: c.listId };
      // 170 contacts with 100 fields of their own each (the most a contact may have): 17,000 columns.
      const specs = Array.from({ length: 170 }, (_, i) => ({
        phones: JSON.stringify([`+1212555${String(i).padStart(4, "0")}`]),
        custom: JSON.stringify(
          Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`c${i}_${k}`, "v"])),
        ),
      }));
      await insertContacts(f.store, at, specs);
      const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=xlsx` });
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      assert.equal(res.json().error.code, "too_many_columns");
      assert.equal(res.json().error.field, "querystring.format");
      const csv = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=csv` });
      assert.equal(csv.statusCode, 200);
      assert.equal(csv.body.split("\n")[0].split(",").length, 13 + 17_000);
    });
  });

/** The custom_data cell of each row of a Voximplant list made from `file`, read from its XLS download. */
async function customDataCells(f: VoxFixture, file: string, rows: number): Promise<string[]> {
  const out = await f.vox("CreateCallList", listFields({ name: "wide", file_content: file }));
  assert.equal(out.count, rows, JSON.stringify(out));
  const res = await f.call({
    method: "GET",
    url: `/platform_api/GetCallListDetails?list_id=${out.list_id}&output=xls`,
  });
  assert.equal(res.statusCode, 200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  return Array.from({ length: rows }, (_, i) => {
    const cells = wb.worksheets[0].getRow(i + 2).values as unknown[];
    const long = cells.filter((v): v is string => typeof v === "string" && v.includes('"f0"'));
    assert.equal(long.length, 1, "the custom_data cell");
    return long[0];
  });
}

describe("an XLS cell over Excel's 32,767 characters", () => {
  test("Voximplant's custom_data of 40 fields of 1,000 characters is cut, and says so", async () => {
    const f = await voxFixture();
    try {
      const cols = Array.from({ length: 40 }, (_, i) => `f${i}`);
      const file = `phone_number;${cols.join(";")}\n+12125550101;${cols.map(() => "a".repeat(1000)).join(";")}\n`;
      const [long] = await customDataCells(f, file, 1);
      assert.equal(long.length, 32_767);
      assert.match(long, /… \[cut: 40\d{3} characters\]$/);
    } finally {
      await f.close();
    }
  });

  test("a cut keeps an emoji whole and counts characters, not UTF-16 units", async () => {
    const f = await voxFixture();
    try {
      // Two rows whose texts are one unit apart: whichever parity the cut falls on, one of them would
      // end inside an emoji's pair.
      const cols = Array.from({ length: 40 }, (_, i) => `f${i}`);
      const emoji = "😀".repeat(450);
      const row = (lead: string) => `+1212555010${lead.length + 1};${lead}${cols.map(() => emoji).join(";")}`;
      const file = `phone_number;${cols.join(";")}\n${row("")}\n${row("a")}\n`;
      for (const [i, long] of (await customDataCells(f, file, 2)).entries()) {
        const r = i + 1;
        assert.ok(long.length <= 32_767 && long.length >= 32_766, `row ${r}: ${long.length} units`);
        assert.ok(
          !long.includes("\uFFFD"),
          `row ${r} ends in half an emoji: ${JSON.stringify(long.slice(-40))}`,
        );
        const [, count] = /… \[cut: (\d+) characters\]$/.exec(long) ?? [];
        // 40 fields of 450 emoji each, and the JSON around them: some 18,000 characters, not 36,000 units.
        assert.ok(Number(count) > 18_000 && Number(count) < 19_000, `row ${r}: cut: ${count} characters`);
      }
    } finally {
      await f.close();
    }
  });
});
