// The Voximplant face over HTTP (inject): the ways parameters arrive (cmd in a multipart or url-encoded body,
// /platform_api/<Method> with query or form, file_content as the raw body), every CreateCallList parameter
// and control column as stored, and every error in Voximplant's shape.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import iconv from "iconv-lite";
import { createQueue } from "../../../src/store/queues.ts";
import { apiFixture } from "../../api/helpers.ts";
import { listFields, multipartBody, type VoxFixture, voxFixture } from "./helpers.ts";

let f: VoxFixture;
before(async () => {
  f = await voxFixture();
});
after(() => f.close());

const campaign = (id: number) =>
  f.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const contacts = (id: number) =>
  f.store.db.selectFrom("contacts").selectAll().where("campaign_id", "=", id).orderBy("id").execute();
const vendor = async (id: number) => JSON.parse((await campaign(id)).settings).vendor.voximplant;

describe("how parameters arrive", () => {
  test("POST /platform_api, multipart with cmd and file_content as a file part", async () => {
    const { payload, headers } = await multipartBody({
      cmd: "CreateCallList",
      ...Object.fromEntries(
        Object.entries(listFields({ name: "multipart" }))
          .filter(([k]) => k !== "file_content")
          .map(([k, v]) => [k, String(v)]),
      ),
      file_content: new Blob(["phone;name\n+12125550111;Zed\n"], { type: "text/csv" }),
    });
    const res = await f.call({ method: "POST", url: "/platform_api", payload, headers });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.result, true);
    assert.equal(body.count, 1);
    assert.equal(typeof body.list_id, "number");
    assert.match(body.batch_id, /^[0-9a-f-]{36}$/);
  });

  test("url-encoded with cmd; /platform_api/<Method> with query parameters and with a form", async () => {
    const a = await f.vox("CreateCallList", listFields({ name: "urlencoded" }));
    assert.equal(a.count, 2);
    const q = new URLSearchParams({ list_id: String(a.list_id) }).toString();
    const viaQuery = await f.call({ method: "GET", url: `/platform_api/GetCallLists?${q}` });
    assert.equal(viaQuery.json().result[0].list_name, "urlencoded");
    const viaForm = await f.call({
      method: "POST",
      url: "/platform_api/GetCallLists",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: q,
    });
    assert.equal(viaForm.json().total_count, 1);
  });

  test("file_content as the raw request body, the rest in the query", async () => {
    const qs = new URLSearchParams(
      Object.fromEntries(
        Object.entries(listFields({ name: "raw" }))
          .filter(([k]) => k !== "file_content")
          .map(([k, v]) => [k, String(v)]),
      ),
    );
    const res = await f.call({
      method: "POST",
      url: `/platform_api/CreateCallList?${qs}`,
      headers: { "content-type": "text/csv" },
      payload: "phone;x\n+12125550121;1\n+12125550122;2\n+12125550123;3\n",
    });
    assert.equal(res.json().count, 3);
  });

  test("file_content over the size limit is refused as a multipart text field too, never imported cut", async () => {
    const small = await apiFixture(undefined, { OUTDIAL_MAX_IMPORT_BYTES: "2000" });
    try {
      const rows = ["phone_number;first_name"];
      for (let i = 0; Buffer.byteLength(rows.join("\n")) < 2100; i++) rows.push(`+1212555${1000 + i};N${i}`);
      const file = rows.join("\n");
      const fields = Object.entries(listFields({ name: "big" })).filter(([k]) => k !== "file_content");
      const { payload, headers } = await multipartBody({
        cmd: "CreateCallList",
        ...Object.fromEntries(fields.map(([k, v]) => [k, String(v)])),
        file_content: file,
      });
      const res = await small.call({ method: "POST", url: "/platform_api", payload, headers });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().error?.code, 101, res.body);
      assert.match(res.json().error.msg, /too large/);
      const raw = await small.call({
        method: "POST",
        url: `/platform_api/CreateCallList?${new URLSearchParams(fields.map(([k, v]) => [k, String(v)]))}`,
        headers: { "content-type": "text/csv" },
        payload: file,
      });
      assert.equal(raw.json().error?.code, 101, "the raw body the same");
      const n = await small.store.db.selectFrom("contacts").select("id").execute();
      assert.equal(n.length, 0);
    } finally {
      await small.close();
    }
  });

  test("method names are matched case-insensitively, as in the path of the docs", async () => {
    const res = await f.call({ method: "GET", url: "/platform_api/getcalllists?count=1" });
    assert.equal(res.json().count, 1);
  });

  test("/platform_api/<Method>/ with a trailing slash answers as without it", async () => {
    for (const method of ["GET", "POST"] as const) {
      const res = await f.call({ method, url: "/platform_api/GetCallLists/?count=1" });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().count, 1, res.body);
    }
  });
});

describe("CreateCallList parameters and control columns", () => {
  test("every optional parameter is stored; numbers map onto the campaign's settings", async () => {
    const csv =
      "phone_number,first_name,__start_execution_time,__end_execution_time,__start_at,__task_uuid\n" +
      '+12125550131,"Ann, Jr.",09:00:00,17:30:00,1767614400,task-1:a\n' +
      "+12125550132,Bob,,,,\n";
    const queue = await createQueue(f.store.db, f.accountId, "pds", f.clock.now());
    const out = await f.vox(
      "CreateCallList",
      listFields({
        name: "all params",
        priority: 5,
        max_simultaneous: 3,
        num_attempts: 4,
        interval_seconds: 90,
        queue_id: queue.id,
        avg_waiting_sec: 30,
        delimiter: ",",
        reference_ip: "203.0.113.7",
        server_location: "eu",
        task_priority_strategy: "repeated_attempts",
        application_id: 44,
        file_content: csv,
      }),
    );
    assert.equal(out.result, true);
    assert.equal(out.count, 2);
    const row = await campaign(out.list_id);
    assert.equal(row.name, "all params");
    const settings = JSON.parse(row.settings);
    assert.equal(settings.priority, 5);
    assert.equal(settings.maxConcurrent, 3);
    assert.equal(settings.maxAttemptsPerContact, 4);
    assert.equal(settings.retryIntervalSec, 90);
    assert.equal(settings.attemptOrder, "repeated_attempts");
    assert.equal(settings.queueId, queue.id);
    assert.equal(settings.dialMethod, "predictive", "a queue means PDS");
    assert.equal(settings.abandonAfterSec, 2, "avg_waiting_sec 30 held to the 2-second rule");
    assert.equal(settings.scenario, null, "rule_id names no sim scenario: kept in vendor data only");
    assert.deepEqual(settings.vendor.voximplant, {
      type: "AUTOMATIC",
      rule_id: 7,
      application_id: 44,
      queue_id: queue.id,
      avg_waiting_sec: 30,
      reference_ip: "203.0.113.7",
      server_location: "eu",
      task_priority_strategy: "repeated_attempts",
      interval_seconds: 90,
      num_attempts: 4,
      max_simultaneous: 3,
      phone_column: "phone_number",
    });
    const [a, b] = await contacts(out.list_id);
    assert.equal(a.phone, "+12125550131");
    assert.deepEqual(JSON.parse(a.custom), { first_name: "Ann, Jr." });
    assert.equal(a.daily_from_sec, 9 * 3600);
    assert.equal(a.daily_to_sec, 17 * 3600 + 30 * 60);
    assert.equal(Number(a.start_at), 1767614400 * 1000);
    assert.equal(a.external_id, "task-1:a");
    assert.equal(b.daily_from_sec, null);
    assert.equal(b.start_at, null);
    assert.equal(b.external_id, null);
    assert.equal((await campaign(out.list_id)).status, "running", "CreateCallList starts processing at once");
  });

  test("encoding and escape: a windows-1251 file with a backslash escape", async () => {
    const csv = 'phone;name\n+12125550141;"Иван \\"Ваня\\""\n';
    const { payload, headers } = await multipartBody({
      cmd: "CreateCallList",
      ...Object.fromEntries(
        Object.entries(listFields({ name: "cp1251" }))
          .filter(([k]) => k !== "file_content")
          .map(([k, v]) => [k, String(v)]),
      ),
      encoding: "windows-1251",
      escape: "\\",
      file_content: new Blob([new Uint8Array(iconv.encode(csv, "windows-1251"))]),
    });
    const res = (await f.call({ method: "POST", url: "/platform_api", payload, headers })).json();
    assert.equal(res.count, 1, JSON.stringify(res));
    const [c] = await contacts(res.list_id);
    assert.deepEqual(JSON.parse(c.custom), { name: 'Иван "Ваня"' });
  });

  test("the default delimiter is ';'", async () => {
    const out = await f.vox(
      "CreateCallList",
      listFields({ name: "semicolons", file_content: "a;phone;b\nx;+12125550151;y\n" }),
    );
    const [c] = await contacts(out.list_id);
    assert.equal(c.phone, "+12125550151");
    assert.deepEqual(JSON.parse(c.custom), { a: "x", b: "y" });
    assert.equal((await vendor(out.list_id)).phone_column, "phone");
  });

  test("AppendToCallList by list_id and by list_name, with its own delimiter", async () => {
    const out = await f.vox("CreateCallList", listFields({ name: "append target" }));
    const a = await f.vox("AppendToCallList", {
      list_id: out.list_id,
      file_content: "phone,k\n+12125550161,v\n",
      delimiter: ",",
    });
    assert.deepEqual([a.result, a.count, a.list_id], [true, 1, out.list_id]);
    assert.equal(typeof a.batch_id, "string");
    const b = await f.vox("AppendToCallList", {
      list_name: "append target",
      file_content: "phone;__task_uuid\n+12125550162;u-1\n",
    });
    assert.equal(b.count, 1);
    assert.equal((await contacts(out.list_id)).length, 4);
    // __task_uuid is unique within the list, across appends too.
    const again = await f.vox("AppendToCallList", {
      list_id: out.list_id,
      file_content: "phone;__task_uuid\n+12125550163;u-1\n",
    });
    assert.equal(again.error.code, 101);
    assert.match(again.error.msg, /u-1/);
  });
});

describe("errors: HTTP 200 with {error: {code, msg}}", () => {
  const expectError = async (
    res: { statusCode: number; json(): { error: { code: number; msg: string } } },
    code: number,
    msg?: RegExp,
  ) => {
    assert.equal(res.statusCode, 200);
    const e = res.json().error;
    assert.equal(e.code, code, JSON.stringify(e));
    assert.equal(typeof e.msg, "string");
    if (msg) assert.match(e.msg, msg);
  };

  test("100 when authorization fails: no credentials, an unknown key, a forged JWT", async () => {
    await expectError(
      await f.call({ method: "GET", url: "/platform_api/GetCallLists", key: null }),
      100,
      /Authorization failed/,
    );
    await expectError(
      await f.call({ method: "GET", url: "/platform_api/GetCallLists", key: "od_nope" }),
      100,
    );
    const jwt = `${Buffer.from('{"alg":"RS256","kid":"nokey"}').toString("base64url")}.${Buffer.from('{"iss":1}').toString("base64url")}.sig`;
    await expectError(await f.call({ method: "GET", url: "/platform_api/GetCallLists", key: jwt }), 100);
  });

  test("104 when the role may not call the method (a supervisor creating a list); reading is allowed", async () => {
    const supervisor = await f.keyWithRole("supervisor");
    const res = await f.vox("CreateCallList", listFields({ name: "nope" }), supervisor);
    assert.equal(res.error.code, 104);
    assert.equal((await f.vox("GetCallLists", {}, supervisor)).result.length > 0, true);
    const manager = await f.keyWithRole("call_list_manager");
    assert.equal((await f.vox("CreateCallList", listFields({ name: "by manager" }), manager)).result, true);
  });

  test("102 without cmd, 103 for an unknown command", async () => {
    await expectError(
      await f.call({
        method: "POST",
        url: "/platform_api",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "a=1",
      }),
      102,
    );
    assert.equal((await f.vox("DeleteEverything", {})).error.code, 103);
    await expectError(
      await f.call({ method: "GET", url: "/platform_api/NoSuchMethod" }),
      103,
      /NoSuchMethod/,
    );
    // Deeper paths are unknown commands too, in Voximplant's shape rather than a native 404.
    await expectError(await f.call({ method: "GET", url: "/platform_api/x/y" }), 103, /x\/y/);
    // So are other HTTP methods, on the face's root too.
    await expectError(await f.call({ method: "PUT", url: "/platform_api/GetCallLists" }), 103, /PUT/);
    await expectError(await f.call({ method: "DELETE", url: "/platform_api" }), 103, /DELETE/);
    // A URL the router cannot read is an invalid argument, still in Voximplant's shape.
    await expectError(await f.call({ method: "GET", url: "/platform_api/%ZZ" }), 101, /not a valid url/);
    // The method may come in the query of a GET to the root, as with a POST.
    await expectError(await f.call({ method: "GET", url: "/platform_api" }), 102);
    const lists = await f.call({ method: "GET", url: "/platform_api?cmd=GetCallLists" });
    assert.equal(lists.statusCode, 200);
    assert.ok(Array.isArray((lists.json() as { result: unknown }).result), lists.body);
  });

  test("101 for a multipart body the parser cannot read: cut short, or without a boundary", async () => {
    const cut = '--XYZ\r\nContent-Disposition: form-data; name="cmd"\r\n\r\nGetCallLists';
    for (const [type, payload] of [
      ["multipart/form-data; boundary=XYZ", cut],
      ["multipart/form-data", "abc"],
    ]) {
      const res = await f.call({
        method: "POST",
        url: "/platform_api",
        headers: { "content-type": type },
        payload,
      });
      await expectError(res, 101, /multipart|boundary/i);
    }
  });

  test("101 for missing or invalid arguments", async () => {
    const cases: [Record<string, string | number>, RegExp][] = [
      [{ rule_id: "" }, /rule_id/],
      [{ priority: "" }, /priority/],
      [{ priority: 2 ** 31 + 1 }, /priority/],
      [{ max_simultaneous: 0 }, /max_simultaneous/],
      [{ num_attempts: 0 }, /num_attempts/],
      [{ num_attempts: 6 }, /num_attempts/],
      [{ num_attempts: "two" }, /num_attempts/],
      [{ name: "" }, /name/],
      [{ name: "a/b" }, /name/],
      [{ name: "a\\b" }, /name/],
      [{ name: "n".repeat(256) }, /name/],
      [{ file_content: "" }, /file_content/],
      [{ interval_seconds: -1 }, /interval_seconds/],
      [{ reference_ip: "not-an-ip" }, /reference_ip/],
      [{ task_priority_strategy: "newest" }, /task_priority_strategy/],
      [{ encoding: "klingon-8" }, /encoding/],
      [{ file_content: "phone;__task_uuid\n+12125550171;has space\n" }, /__task_uuid/],
      [{ file_content: `phone;__task_uuid\n+12125550172;${"x".repeat(41)}\n` }, /__task_uuid/],
      [{ file_content: "phone;__task_uuid\n+12125550173;a\n+12125550174;a\n" }, /__task_uuid/],
      [
        {
          file_content: "phone;__start_execution_time;__end_execution_time\n+12125550175;25:00:00;10:00:00\n",
        },
        /__start_execution_time/,
      ],
      [{ file_content: "phone;__start_at\n+12125550176;yesterday\n" }, /start_at/],
      [{ file_content: "phone\nnot a phone\n" }, /phone/],
    ];
    const before = (await f.vox("GetCallLists", {})).total_count;
    for (const [patch, msg] of cases) {
      const res = await f.vox("CreateCallList", listFields({ name: "bad", ...patch }));
      assert.equal(res.error?.code, 101, `${JSON.stringify(patch).slice(0, 80)} → ${JSON.stringify(res)}`);
      assert.match(res.error.msg, msg);
    }
    assert.equal(
      (await f.vox("GetCallLists", {})).total_count,
      before,
      "a refused file leaves no list behind",
    );
    assert.equal((await f.vox("GetCallLists", { is_active: "maybe" })).error.code, 101);
    assert.equal((await f.vox("GetCallLists", { from_date: "2026-13-01 00:00:00" })).error.code, 101);
    // Times that Date.UTC would roll over into the next hour or day are refused too.
    for (const from_date of ["2024-01-01 00:99:00", "2024-01-01 24:00:00", "2024-01-01 10:00:60"]) {
      assert.equal((await f.vox("GetCallLists", { from_date })).error?.code, 101, from_date);
    }
    assert.equal((await f.vox("GetCallLists", { list_id: "1,x" })).error.code, 101);
    assert.equal((await f.vox("GetCallLists", { type_list: "OTHER" })).error.code, 101);
    assert.equal((await f.vox("GetCallListDetails", {})).error.code, 101);
    assert.equal((await f.vox("GetCallListDetails", { list_id: 999_999 })).error.code, 101);
    assert.equal((await f.vox("StopCallListProcessing", { list_id: 999_999 })).error.code, 101);
    assert.equal((await f.vox("RecoverCallList", {})).error.code, 101);
    assert.equal(
      (await f.vox("AppendToCallList", { file_content: "phone\n+12125550177\n" })).error.code,
      101,
    );
    assert.equal(
      (await f.vox("AppendToCallList", { list_name: "no such list", file_content: "phone\n+1\n" })).error
        .code,
      101,
    );
    assert.equal((await f.vox("StartNextCallTask", {})).error.code, 101);
    // An id past 2^53 would reach the database mangled (1e20, a bigint out of range on PostgreSQL).
    for (const list_id of ["99999999999999999999", "0", `1;${"9".repeat(400)}`]) {
      const res = await f.vox("StartNextCallTask", { list_id });
      assert.equal(res.error?.code, 101, `${list_id.slice(0, 30)} → ${JSON.stringify(res)}`);
      assert.match(res.error.msg, /list_id/);
    }
    for (const delimiter of ['"', "\n", "a\r", "12345"]) {
      const res = await f.vox("GetCallListDetails", { list_id: 1, delimiter });
      assert.equal(res.error?.code, 101, `${JSON.stringify(delimiter)} → ${JSON.stringify(res)}`);
      assert.match(res.error.msg, /delimiter/);
    }
  });

  test("another account's list is as absent as a missing one", async () => {
    const mine = await f.vox("CreateCallList", listFields({ name: "mine" }));
    const otherAccount = (await import("../../../src/store/accounts.ts")).insertAccount;
    const { issueApiKey } = await import("../../../src/api/plugins/auth.ts");
    const other = await otherAccount(f.store.db, "other", f.clock.now());
    const key = (
      await issueApiKey(f.store.db, { accountId: other, name: "o", role: "owner", now: f.clock.now() })
    ).key;
    assert.equal(
      (await f.vox("GetCallListDetails", { list_id: mine.list_id, output: "json" }, key)).error.code,
      101,
    );
    assert.equal((await f.vox("GetCallLists", {}, key)).total_count, 0);
  });

  test("105 for an output format other than CSV, JSON or XLS; CSV by default", async () => {
    const out = await f.vox("CreateCallList", listFields({ name: "formats" }));
    assert.equal(
      (await f.vox("GetCallListDetails", { list_id: out.list_id, output: "pdf" })).error.code,
      105,
    );
    // Without output: CSV with ';', as an attachment.
    const csv = await f.call({
      method: "GET",
      url: `/platform_api/GetCallListDetails?list_id=${out.list_id}`,
    });
    assert.equal(csv.headers["content-type"], "application/octet-stream");
    assert.match(String(csv.headers["content-disposition"]), /attachment; filename="call_list_\d+\.csv"/);
    const lines = csv.body.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^list_id;task_id;task_uuid;custom_data;start_execution_time;/);
  });
});
