// The official npm client @voximplant/apiclient-nodejs (4.x) pointed at a running outdial over HTTPS (a test
// CA it trusts): every call list method it has, CreateManualCallList and StartNextCallTask through its request
// function with the seed's field names, output formats, errors, and a chunked multipart upload.
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import { after, before, beforeEach, describe, test } from "node:test";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { importPKCS8, SignJWT } from "jose";
import { createQueue } from "../../../src/store/queues.ts";
import { type VoxFixture, voxFixture } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: the client is untyped JavaScript at runtime
type Client = any;
const mod = (await import("@voximplant/apiclient-nodejs")) as { default: Client };
const VoximplantApiClient = mod.default.default ?? mod.default;

function connect(file: string, host: string): Promise<Client> {
  return new Promise((resolve) => {
    const c = new VoximplantApiClient({ pathToCredentials: file, host });
    c.onReady = () => resolve(c);
  });
}

/** Plain HTTPS to the running outdial with a fresh JWT made by the client itself. */
function raw(
  f: VoxFixture,
  client: Client,
  path: string,
  body: string | Buffer | null,
  headers: Record<string, string> = {},
  chunks?: Buffer[],
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const [hostname, port] = f.host.split(":");
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname,
        port: Number(port),
        path,
        method: body === null && !chunks ? "GET" : "POST",
        headers: { authorization: client.generateAuthHeader(), ...headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d) => parts.push(d));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
        );
      },
    );
    req.on("error", reject);
    if (chunks) {
      (async () => {
        for (const c of chunks) {
          req.write(c);
          await new Promise((r) => setTimeout(r, 5));
        }
        req.end();
      })();
    } else req.end(body ?? undefined);
  });
}

let f: VoxFixture;
let dev: Client;
before(async () => {
  f = await voxFixture({ tls: true, start: Date.now() });
  dev = await connect(await f.credentialsFile("developer"), f.host);
});
// The client signs its tokens on the real clock; the server checks them on the fixture's virtual one. On a
// loaded machine real time outran it past the allowed skew (30 s): "issued in the future". Each test starts
// with the virtual clock caught up.
beforeEach(async () => {
  const behind = Date.now() - f.clock.now();
  if (behind > 0) await f.run(behind);
});
after(() => f.close());

const CSV = "phone_number;first_name;__task_uuid\n+12125550201;Ann;t-1\n+12125550202;Bob;t-2\n";

describe("the official client, every call list method it has", () => {
  let listId: number;

  test("createCallList: result, count, listId and batchId with their JSON types", async () => {
    const queue = await createQueue(f.store.db, f.accountId, "pds", f.clock.now());
    const res = await dev.CallLists.createCallList({
      ruleId: 11,
      priority: 3,
      maxSimultaneous: 2,
      numAttempts: 2,
      name: "client list",
      fileContent: Buffer.from(CSV),
      intervalSeconds: 60,
      encoding: "utf-8",
      delimiter: ";",
      escape: '"',
      serverLocation: "de",
      taskPriorityStrategy: "first_attempts",
      queueId: queue.id,
      // Not in the 4.x client's mapping: sent as given, under the seed's names.
      reference_ip: "198.51.100.2",
      avg_waiting_sec: 20,
      application_id: 9,
    });
    assert.equal(res.result, true, JSON.stringify(res));
    assert.equal(res.count, 2);
    assert.equal(typeof res.listId, "number");
    assert.equal(typeof res.batchId, "string");
    listId = res.listId;
    const vox = JSON.parse(
      (
        await f.store.db
          .selectFrom("campaigns")
          .select("settings")
          .where("id", "=", listId)
          .executeTakeFirstOrThrow()
      ).settings,
    ).vendor.voximplant;
    assert.equal(vox.rule_id, 11);
    assert.equal(vox.queue_id, queue.id);
    assert.equal(vox.avg_waiting_sec, 20);
    assert.equal(vox.reference_ip, "198.51.100.2");
    assert.equal(vox.server_location, "de");
    assert.equal(vox.application_id, 9);
  });

  test("appendToCallList", async () => {
    const res = await dev.CallLists.appendToCallList({
      listId,
      fileContent: Buffer.from("phone_number,first_name\n+12125550203,Cy\n"),
      delimiter: ",",
      encoding: "utf-8",
      escape: '"',
    });
    assert.equal(res.result, true, JSON.stringify(res));
    assert.equal(res.count, 1);
    assert.equal(res.listId, listId);
  });

  test("getCallLists with every filter the seed lists", async () => {
    const all = await dev.CallLists.getCallLists({});
    assert.equal(all.totalCount, 1);
    const res = await dev.CallLists.getCallLists({
      listId: [listId, 999],
      name: "client",
      isActive: true,
      fromDate: new Date(Date.now() - 3600_000),
      toDate: new Date(Date.now() + 3600_000),
      typeList: "AUTOMATIC",
      count: 10,
      offset: 0,
      applicationId: [9],
    });
    assert.equal(res.count, 1, JSON.stringify(res));
    assert.equal(res.totalCount, 1);
    const [l] = res.result;
    assert.deepEqual(
      [
        l.listId,
        l.listName,
        l.priority,
        l.ruleId,
        l.maxSimultaneous,
        l.numAttempts,
        l.intervalSeconds,
        l.taskPriorityStrategy,
      ],
      [listId, "client list", 3, 11, 2, 2, 60, "first_attempts"],
    );
    assert.equal((await dev.CallLists.getCallLists({ typeList: "MANUAL" })).count, 0);
    assert.equal((await dev.CallLists.getCallLists({ offset: 1 })).count, 0);
  });

  test("getCallListDetails as JSON, CSV (with encoding and delimiter) and XLS", async () => {
    const json = await dev.CallLists.getCallListDetails({ listId, output: "json", count: 2, offset: 1 });
    assert.equal(json.count, 2, JSON.stringify(json));
    assert.deepEqual(JSON.parse(json.result[0].customData), {
      phone_number: "+12125550202",
      first_name: "Bob",
    });
    assert.equal(json.result[0].taskUuid, "t-2");
    assert.equal(json.result[0].listId, listId);
    assert.equal(typeof json.result[0].statusId, "number");
    assert.equal(json.result[1].taskUuid, null);

    const csv = await dev.CallLists.getCallListDetails({ listId, output: "csv", delimiter: "," });
    const lines = String(csv.file_content).trim().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^list_id,task_id,task_uuid,custom_data,/);

    // The encoding is checked on the raw bytes: axios in the client decodes every text as UTF-8.
    await f.store.db
      .updateTable("contacts")
      .set({ custom: '{"first_name":"Иван"}' })
      .where("external_id", "=", "t-1")
      .execute();
    const q = new URLSearchParams({ list_id: String(listId), output: "csv", encoding: "windows-1251" });
    const cp = await raw(f, dev, `/platform_api/GetCallListDetails?${q}`, null);
    assert.equal(cp.status, 200);
    assert.match(iconv.decode(cp.body, "windows-1251"), /Иван/);
    assert.ok(!cp.body.toString("utf8").includes("Иван"));

    const xq = new URLSearchParams({ cmd: "GetCallListDetails", list_id: String(listId), output: "xls" });
    const xls = await raw(f, dev, "/platform_api", xq.toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(xls.body.subarray(0, 2).toString(), "PK", "an xlsx (zip) file");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array(xls.body).buffer);
    const sheet = book.worksheets[0];
    assert.equal(sheet.getRow(1).getCell(1).value, "list_id");
    assert.equal(sheet.rowCount, 4);
  });

  test("stopCallListProcessing and recoverCallList", async () => {
    const stop = await dev.CallLists.stopCallListProcessing({ listId });
    assert.equal(stop.result, true, JSON.stringify(stop));
    assert.equal(typeof stop.msg, "string");
    const rec = await dev.CallLists.recoverCallList({ listId });
    assert.equal(rec.result, true, JSON.stringify(rec));
    assert.equal(typeof rec.countRecovery, "number");
    assert.equal(
      (
        await f.store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", listId)
          .executeTakeFirstOrThrow()
      ).status,
      "running",
    );
  });

  test("CreateManualCallList and StartNextCallTask through the client's request function, seed field names", async () => {
    const created = await dev.makeRequest(
      "CreateManualCallList",
      {
        rule_id: 3,
        priority: 0,
        max_simultaneous: 1,
        num_attempts: 1,
        name: "manual",
        file_content: CSV,
        interval_seconds: 0,
        encoding: "utf-8",
        delimiter: ";",
        escape: '"',
        reference_ip: "192.0.2.1",
      },
      [[], []],
    );
    assert.equal(created.result, true, JSON.stringify(created));
    assert.equal(created.count, 2);
    const next = await dev.makeRequest(
      "StartNextCallTask",
      { list_id: `${created.list_id}`, custom_params: "operator=7" },
      [[], []],
    );
    assert.deepEqual(next, { result: 1, list_id: created.list_id });
    const released = await f.store.db
      .selectFrom("contacts")
      .select(["custom", "start_at"])
      .where("campaign_id", "=", created.list_id)
      .orderBy("id")
      .execute();
    assert.deepEqual(JSON.parse(released[0].custom), { first_name: "Ann", custom_params: "operator=7" });
  });
});

describe("errors through the client: HTTP 200 and {error: {code, msg}}", () => {
  test("100: a credentials file whose key outdial does not know", async () => {
    const file = await f.credentialsFile("developer");
    const creds = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, JSON.stringify({ ...creds, key_id: "00000000-0000-0000-0000-000000000000" }));
    const stranger = await connect(file, f.host);
    const res = await stranger.CallLists.getCallLists({});
    assert.equal(res.error.code, 100, JSON.stringify(res));
  });

  test("JWTs as the client makes them, with a little clock skew allowed; expired or far-future ones get 100", async () => {
    const creds = JSON.parse(fs.readFileSync(await f.credentialsFile("developer"), "utf8"));
    const key = await importPKCS8(creds.private_key, "RS256");
    // As the client signs it: iss the account id as a number, iat and exp in seconds.
    const token = (iat: number, exp: number) =>
      new SignJWT({ iss: creds.account_id, iat, exp })
        .setProtectedHeader({ alg: "RS256", kid: creds.key_id })
        .sign(key);
    const now = Math.floor(f.clock.now() / 1000);
    const ask = async (jwt: string) =>
      (await f.call({ method: "GET", url: "/platform_api/GetCallLists", key: jwt })).json();
    assert.equal(
      typeof (await ask(await token(now + 10, now + 74))).total_count,
      "number",
      "10 s ahead is skew",
    );
    assert.equal((await ask(await token(now + 600, now + 664))).error.code, 100);
    assert.equal((await ask(await token(now - 600, now - 536))).error.code, 100);
  });

  test("104: a supervisor may read call lists but not create them", async () => {
    const supervisor = await connect(await f.credentialsFile("supervisor"), f.host);
    assert.equal(typeof (await supervisor.CallLists.getCallLists({})).totalCount, "number");
    const res = await supervisor.CallLists.createCallList({
      ruleId: 1,
      priority: 1,
      maxSimultaneous: 1,
      numAttempts: 1,
      name: "x",
      fileContent: CSV,
    });
    assert.equal(res.error.code, 104, JSON.stringify(res));
  });

  test("101 (invalid argument) and 103 (unknown command)", async () => {
    const bad = await dev.CallLists.createCallList({
      ruleId: 1,
      priority: 1,
      maxSimultaneous: 1,
      numAttempts: 9,
      name: "x",
      fileContent: CSV,
    });
    assert.equal(bad.error.code, 101, JSON.stringify(bad));
    assert.match(bad.error.msg, /num_attempts/);
    const unknown = await dev.makeRequest("EraseAccount", {}, [[], []]);
    assert.equal(unknown.error.code, 103);
  });
});

test("a chunked multipart upload without Content-Length", async () => {
  const form = new FormData();
  for (const [k, v] of Object.entries({
    cmd: "CreateCallList",
    rule_id: "1",
    priority: "1",
    max_simultaneous: "1",
    num_attempts: "1",
    name: "chunked",
  }))
    form.append(k, v);
  const rows = Array.from({ length: 500 }, (_, i) => `+1212556${String(i).padStart(4, "0")};row ${i}`).join(
    "\n",
  );
  form.append("file_content", new Blob([`phone;note\n${rows}\n`]), "list.csv");
  const req = new Request("http://x/", { method: "POST", body: form });
  const body = Buffer.from(await req.arrayBuffer());
  const chunks = Array.from({ length: Math.ceil(body.length / 4096) }, (_, i) =>
    body.subarray(i * 4096, (i + 1) * 4096),
  );
  const res = await raw(
    f,
    dev,
    "/platform_api",
    null,
    { "content-type": req.headers.get("content-type")!, "transfer-encoding": "chunked" },
    chunks,
  );
  assert.equal(res.status, 200);
  const out = JSON.parse(res.body.toString());
  assert.equal(out.count, 500, JSON.stringify(out));
});
