// Twin24 candidates over HTTP (several numbers, variables, RU normalization with both error actions,
// duplicates, results paging) and who may call the face.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { manualTask, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(async () => {
  await f.close();
});

function errorOf(res: { json(): unknown }) {
  return (res.json() as { error: { code: string; message: string; field?: string } }).error;
}

describe("candidates", () => {
  test("several numbers and variables each; results list them with their status", async () => {
    const uuid = await f.createTask(manualTask());
    const report = await f.addCandidates(uuid, [
      {
        phone: ["+79161234567", "+79031234567"],
        variables: { Name: "Ann", debt: 1200 },
        clientExternalId: "c-1",
      },
      { phone: "+74951112233", timezone: 25200 },
    ]);
    assert.deepEqual(report, { received: 2, added: 2, skipped: 0, flagged: 0, errors: [] });
    const res = await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` });
    const { data, nextAfterId } = res.json() as {
      data: Record<string, unknown>[];
      nextAfterId: number | null;
    };
    assert.equal(nextAfterId, null);
    assert.deepEqual(
      data.map((c) => [c.clientExternalId, c.phone, c.variables, c.timezone, c.status, c.calls]),
      [
        [
          "c-1",
          ["+79161234567", "+79031234567"],
          { Name: "Ann", debt: "1200" },
          // A Russian mobile number names no zone: the task's default (Moscow) applies to it.
          null,
          "WAITING",
          [],
        ],
        [null, ["+74951112233"], {}, 25200, "WAITING", []],
      ],
    );
    const task = await f.task(uuid);
    assert.equal(task.status, "BLANK");
    assert.equal((task.candidates as Record<string, number>).WAITING, 2);
  });

  test("phoneNormalization RU, IGNORE_NORMALIZATION_ERROR: bad numbers are left out, a candidate with none is skipped", async () => {
    const uuid = await f.createTask(
      manualTask({ phoneNormalization: "RU", normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" }),
    );
    const report = (await f.addCandidates(uuid, [
      { phone: ["8 (916) 123-45-67", "0000", "9031234567"] },
      { phone: ["12"] },
      { phone: ["+7 903 765 43 21", "79264443322"] },
    ])) as {
      added: number;
      skipped: number;
      flagged: number;
      errors: { row: number; field: string; code: string }[];
    };
    assert.equal(report.added, 2);
    assert.equal(report.skipped, 1);
    assert.equal(report.flagged, 0);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field, e.code]),
      [
        [1, "phone[1]", "normalization_error"],
        [2, "phone[0]", "normalization_error"],
        [2, "phone", "no_number"],
      ],
    );
    const data = (
      (await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` })).json() as {
        data: { phone: string[] }[];
      }
    ).data;
    assert.deepEqual(
      data.map((c) => c.phone),
      [
        ["+79161234567", "+79031234567"],
        ["+79037654321", "+79264443322"],
      ],
    );
    const waiting = await f.call({
      method: "GET",
      url: `${TASKS}/${uuid}/candidates?status=WAITING&limit=1`,
    });
    const page = waiting.json() as { data: unknown[]; nextAfterId: number | null };
    assert.equal(page.data.length, 1);
    assert.notEqual(page.nextAfterId, null);
    const none = await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates?status=SUCCESS` });
    assert.deepEqual((none.json() as { data: unknown[] }).data, []);
  });

  test("phoneNormalization RU, SET_NORMALIZATION_ERROR_FLAG: bad numbers are kept as written and flagged", async () => {
    const uuid = await f.createTask(
      manualTask({ phoneNormalization: "RU", normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" }),
    );
    const report = (await f.addCandidates(uuid, [{ phone: ["12"] }, { phone: ["89161234567"] }])) as {
      added: number;
      flagged: number;
    };
    assert.equal(report.added, 2);
    assert.equal(report.flagged, 1);
    const data = (
      (await f.call({ method: "GET", url: `${TASKS}/${uuid}/candidates` })).json() as {
        data: { phone: string[]; normalizationError: boolean }[];
      }
    ).data;
    assert.deepEqual(
      data.map((c) => [c.phone, c.normalizationError]),
      [
        [["12"], true],
        [["+79161234567"], false],
      ],
    );
  });

  test("row errors name the API's fields: timezone, clientExternalId, variables", async () => {
    const uuid = await f.createTask(manualTask());
    await f.addCandidates(uuid, [{ phone: "+79162220001", clientExternalId: "c-1" }]);
    const report = (await f.addCandidates(uuid, [
      { phone: "+79162220002", timezone: "Mars/Base" },
      { phone: "+79162220003", clientExternalId: "c-2" },
      { phone: "+79162220004", clientExternalId: "c-2" },
      { phone: "+79162220005", clientExternalId: "c-1" },
      // A zone named like an internal field is the client's own text: it stays as sent.
      { phone: "+79162220006", timezone: "external_id" },
    ])) as { added: number; errors: { row: number; field: string; message: string; value: string }[] };
    assert.equal(report.added, 1);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field]),
      [
        [1, "timezone"],
        [3, "clientExternalId"],
        [4, "clientExternalId"],
        [5, "timezone"],
      ],
    );
    for (const e of report.errors) assert.doesNotMatch(e.message, /\b(time_zone|custom)\b/);
    assert.match(report.errors[1].message, /clientExternalId repeats an earlier/);
    assert.match(report.errors[2].message, /already has a contact with this clientExternalId/);
    assert.match(report.errors[3].message, /"external_id"/);
    assert.equal(report.errors[3].value, "external_id");
  });

  test("variables: at most 100 a candidate (the lists module's limit), a 400 naming them", async () => {
    const uuid = await f.createTask(manualTask());
    const vars = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    const res = await f.call({
      method: "POST",
      url: `${TASKS}/${uuid}/candidates`,
      payload: { batch: [{ phone: "+79162220011", variables: vars(101) }] },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(errorOf(res).field, "batch[0].variables");
    assert.match(errorOf(res).message, /at most 100 field\(s\)/);
    const report = await f.addCandidates(uuid, [{ phone: "+79162220012", variables: vars(100) }]);
    assert.equal(report.added, 1);
  });

  test("a variable's name too long refuses the batch naming variables, not the module's custom", async () => {
    const uuid = await f.createTask(manualTask());
    const res = await f.call({
      method: "POST",
      url: `${TASKS}/${uuid}/candidates`,
      payload: { batch: [{ phone: "+79162220021", variables: { ["k".repeat(2000)]: "v" } }] },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(errorOf(res).field, "variables");
    assert.match(errorOf(res).message, /^variables: longer than/);
  });

  test("a candidate's bad phone or timezone is a 400 saying what is wrong with the value given", async () => {
    const uuid = await f.createTask(manualTask());
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ phone: [] }, "batch[0].phone", /must hold at least 1 item/],
      [{ phone: [""] }, "batch[0].phone[0]", /must not be empty/],
      [{ phone: "" }, "batch[0].phone", /must not be empty/],
      [{ phone: 79161234567 }, "batch[0].phone", /must be a string or a list/],
      [{ phone: "+79161234567", timezone: 70_000 }, "batch[0].timezone", /at most 64800/],
      [{ phone: "+79161234567", timezone: "x".repeat(65) }, "batch[0].timezone", /at most 64 characters/],
      [{ phone: "+79161234567", timezone: 1.5 }, "batch[0].timezone", /an integer or a string or null/],
    ];
    for (const [candidate, field, message] of cases) {
      const res = await f.call({
        method: "POST",
        url: `${TASKS}/${uuid}/candidates`,
        payload: { batch: [candidate] },
      });
      assert.equal(res.statusCode, 400, `${JSON.stringify(candidate)}: ${res.body}`);
      assert.equal(errorOf(res).field, field, JSON.stringify(candidate));
      assert.match(errorOf(res).message, message, JSON.stringify(candidate));
    }
  });

  test("a client's own names keep the word body; only the native path's own prefix goes", async () => {
    const uuid = await f.createTask(manualTask());
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { phone: "+79161234567", variables: { "body.text": { a: 1 } } },
        "batch[0].variables.body.text",
        /^batch\[0\]\.variables\.body\.text must be a string/,
      ],
      [
        { phone: "+79161234567", variables: { "x body[1]": [] } },
        "batch[0].variables.x body[1]",
        /^batch\[0\]\.variables\.x body\[1\] must be/,
      ],
      [
        { phone: "+79161234567", body: 1 },
        "batch[0].body",
        /^batch\[0\]\.body is not a known property of batch\[0\]$/,
      ],
    ];
    for (const [candidate, field, message] of cases) {
      const res = await f.call({
        method: "POST",
        url: `${TASKS}/${uuid}/candidates`,
        payload: { batch: [candidate] },
      });
      assert.equal(res.statusCode, 400, `${JSON.stringify(candidate)}: ${res.body}`);
      assert.equal(errorOf(res).field, field, JSON.stringify(candidate));
      assert.match(errorOf(res).message, message, JSON.stringify(candidate));
    }
  });

  test("10,000 candidates of ordinary size fit one request; a body over 16 MiB is a 413 naming its limit", async () => {
    const uuid = await f.createTask(manualTask());
    const batch = Array.from({ length: 10_000 }, (_, i) => ({
      phone: `+7916${1_000_000 + i}`,
      clientExternalId: `crm-${String(i).padStart(8, "0")}`,
      variables: { Name: "Anna Petrova", order: `A-${String(i).padStart(8, "0")}`, city: "Novosibirsk" },
    }));
    const payload = JSON.stringify({ batch });
    assert.ok(payload.length > 1024 * 1024, "over the app's own JSON limit");
    const res = await f.call({
      method: "POST",
      url: `${TASKS}/${uuid}/candidates`,
      payload,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal(res.json().added, 10_000);

    const huge = JSON.stringify({
      batch: [{ phone: "+79161234567", variables: { a: "x".repeat(16 * 1024 * 1024) } }],
    });
    const over = await f.call({
      method: "POST",
      url: `${TASKS}/${uuid}/candidates`,
      payload: huge,
      headers: { "content-type": "application/json" },
    });
    assert.equal(over.statusCode, 413);
    assert.equal(errorOf(over).code, "payload_too_large");
    assert.match(errorOf(over).message, /16777216 bytes/);
  });

  test("a number already in the task is skipped and reported", async () => {
    const uuid = await f.createTask(manualTask());
    await f.addCandidates(uuid, [{ phone: "+79161234567" }]);
    const report = (await f.addCandidates(uuid, [{ phone: "+79161234567" }])) as {
      added: number;
      errors: unknown[];
    };
    assert.equal(report.added, 0);
    assert.equal(report.errors.length, 1);
  });
});

describe("access", () => {
  test("Authorization: Bearer <API key> is required; roles apply; another account's task is a 404", async () => {
    const body = manualTask();
    assert.equal((await f.call({ method: "POST", url: TASKS, payload: body, key: null })).statusCode, 401);
    const supervisor = await f.keyWithRole("supervisor");
    assert.equal(
      (await f.call({ method: "POST", url: TASKS, payload: body, key: supervisor })).statusCode,
      403,
    );
    const uuid = await f.createTask(body);
    assert.equal((await f.call({ method: "GET", url: `${TASKS}/${uuid}`, key: supervisor })).statusCode, 200);
    assert.equal(
      (await f.call({ method: "POST", url: `${TASKS}/${uuid}/start`, key: supervisor })).statusCode,
      403,
    );
    const listManager = await f.keyWithRole("call_list_manager");
    const added = await f.call({
      method: "POST",
      url: `${TASKS}/${uuid}/candidates`,
      payload: { batch: [{ phone: "+79161234567" }] },
      key: listManager,
    });
    assert.equal(added.statusCode, 200);
    assert.equal(
      (await f.call({ method: "GET", url: `${TASKS}/00000000-0000-0000-0000-000000000000` })).statusCode,
      404,
    );
  });

  test("stopping a task, and a command the engine refuses is a 409", async () => {
    const uuid = await f.createTask(manualTask());
    const stopped = await f.command(uuid, "stop");
    assert.equal(stopped.statusCode, 200);
    assert.equal((stopped.json() as { status: string }).status, "STOPPED");
    const resumed = await f.command(uuid, "resume");
    assert.equal(resumed.statusCode, 409);
    assert.equal(errorOf(resumed).code, "invalid_state");
  });

  test("a variable too long refuses the batch, naming its candidate's row in the batch and variables.<name>", async () => {
    const uuid = await f.createTask(
      manualTask({ phoneNormalization: "RU", normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" }),
    );
    const res = await f.call({
      method: "POST",
      url: `${TASKS}/${uuid}/candidates`,
      payload: {
        batch: [
          { phone: ["12"] },
          { phone: ["12"] },
          { phone: ["+79161234567"], variables: { a: "x".repeat(2000) } },
        ],
      },
    });
    assert.equal(res.statusCode, 400, res.body);
    const e = res.json().error as { field: string; row: number; message: string };
    assert.equal(e.field, "variables.a");
    assert.equal(e.row, 3);
    assert.match(e.message, /variables\.a/);
    assert.doesNotMatch(e.message, /custom/);
    assert.doesNotMatch(e.message, /row [12]\b/, "one row number, the batch's");
    const { candidates } = (await f.task(uuid)) as unknown as { candidates: { total: number } };
    assert.equal(candidates.total, 0, "nothing of the batch was added");
  });
});
