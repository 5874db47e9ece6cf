// Call lists dialing on the virtual clock, created over the Voximplant face: __start_at, the daily UTC window
// of __start_execution_time / __end_execution_time, num_attempts with interval_seconds, max_simultaneous,
// priority across lists, custom data reaching the scenario, manual lists released by StartNextCallTask, and
// the 1 USD balance rule (not started, stopped, resumed by RecoverCallList after a top-up).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { peakConcurrency } from "../../helpers/engine-harness.ts";
import { listFields, T0, type VoxFixture, voxFixture } from "./helpers.ts";

const SEC = 1000;
const HOUR = 3600 * SEC;

async function withFixture(
  opts: Parameters<typeof voxFixture>[0],
  fn: (f: VoxFixture) => Promise<void>,
): Promise<void> {
  const f = await voxFixture(opts);
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

const phones = (n: number, base = 12125553000) => Array.from({ length: n }, (_, i) => `+${base + i}`);
const csv = (header: string, rows: string[]) => `${header}\n${rows.join("\n")}\n`;

describe("control columns", () => {
  test("__start_at: not before its moment, and the others at once", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      const at = (T0 + 2 * HOUR) / 1000;
      const out = await f.vox(
        "CreateCallList",
        listFields({ file_content: csv("phone;__start_at", [`+12125553001;${at}`, "+12125553002;"]) }),
      );
      await f.run(HOUR);
      let attempts = await f.attempts(out.list_id);
      assert.deepEqual(
        attempts.map((a) => [a.phone, a.started_at]),
        [["+12125553002", T0]],
      );
      await f.run(2 * HOUR);
      attempts = await f.attempts(out.list_id);
      assert.equal(attempts.length, 2);
      assert.equal(attempts[1].phone, "+12125553001");
      assert.equal(attempts[1].started_at, T0 + 2 * HOUR);
    }));

  test("__start_execution_time / __end_execution_time: a daily window in UTC", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      // T0 is 12:00 UTC: the first row waits for 14:00; the second (09:00–12:30) calls now.
      const out = await f.vox(
        "CreateCallList",
        listFields({
          file_content: csv("phone;__start_execution_time;__end_execution_time", [
            "+12125553011;14:00:00;15:00:00",
            "+12125553012;09:00:00;12:30:00",
          ]),
        }),
      );
      await f.run(3 * HOUR);
      const attempts = await f.attempts(out.list_id);
      assert.deepEqual(
        attempts.map((a) => [a.phone, a.started_at]),
        [
          ["+12125553012", T0],
          ["+12125553011", T0 + 2 * HOUR],
        ],
      );
    }));
});

describe("list settings", () => {
  test("num_attempts with interval_seconds between them", () =>
    withFixture({ scenario: "always_busy" }, async (f) => {
      const out = await f.vox(
        "CreateCallList",
        listFields({ num_attempts: 3, interval_seconds: 120, file_content: "phone\n+12125553021\n" }),
      );
      await f.run(HOUR);
      const attempts = await f.attempts(out.list_id);
      assert.equal(attempts.length, 3);
      for (let i = 1; i < 3; i++) {
        const gap = attempts[i].started_at - (attempts[i - 1].ended_at as number);
        assert.ok(gap >= 120 * SEC && gap < 122 * SEC, `gap ${gap}`);
      }
      const details = await f.vox("GetCallListDetails", { list_id: out.list_id, output: "json" });
      assert.equal(details.result[0].attempts_left, 0);
      assert.equal(details.result[0].status, "Error");
    }));

  test("a declined call (SIP 603) is retried like any other failed attempt, up to num_attempts", () =>
    withFixture({ scenario: { outcomes: { rejected: 1 } } }, async (f) => {
      const out = await f.vox(
        "CreateCallList",
        listFields({ num_attempts: 3, interval_seconds: 60, file_content: "phone\n+12125553025\n" }),
      );
      await f.run(HOUR);
      const attempts = await f.attempts(out.list_id);
      assert.deepEqual(
        attempts.map((a) => a.outcome),
        ["rejected", "rejected", "rejected"],
      );
      for (let i = 1; i < 3; i++) {
        const gap = attempts[i].started_at - (attempts[i - 1].ended_at as number);
        assert.ok(gap >= 60 * SEC && gap < 62 * SEC, `gap ${gap}`);
      }
    }));

  test("AppendToCallList to an automatic list that has completed brings it back: the new tasks are dialed", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      const out = await f.vox("CreateCallList", listFields({ file_content: "phone\n+12125553026\n" }));
      await f.run(HOUR);
      const status = async () => (await f.vox("GetCallLists", { list_id: out.list_id })).result[0].status;
      assert.equal(await status(), "Completed");
      const more = await f.vox("AppendToCallList", {
        list_id: out.list_id,
        file_content: "phone\n+12125553027\n+12125553028\n",
      });
      assert.equal(more.count, 2, JSON.stringify(more));
      await f.run(HOUR);
      assert.deepEqual(
        f.originated.map((r) => r.to),
        ["+12125553026", "+12125553027", "+12125553028"],
      );
      assert.equal(await status(), "Completed");
    }));

  test("AppendToCallList to a completed list past its end time is refused (101) and stores nothing", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      const out = await f.vox("CreateCallList", listFields({ file_content: "phone\n+12125553029\n" }));
      await f.run(HOUR);
      const endAt = f.clock.now() + 60 * SEC; // set through the native API: the list's campaign ends soon
      const patched = await f.call({
        method: "PATCH",
        url: `/v1/campaigns/${out.list_id}`,
        payload: { settings: { endAt } },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      await f.run(2 * 60 * SEC);
      // Refused before anything is written (no recover or StartNextCallTask could dial it), so a client
      // that moves the end time and sends the same file again adds each task once.
      const more = await f.vox("AppendToCallList", {
        list_id: out.list_id,
        file_content: "phone\n+12125553030\n",
      });
      assert.equal(more.error?.code, 101, JSON.stringify(more));
      assert.match(more.error?.msg ?? "", /end time/);
      const details = await f.call({
        method: "GET",
        url: `/platform_api/GetCallListDetails?list_id=${out.list_id}&output=json`,
      });
      assert.equal(details.json().count, 1, "nothing stored");
      await f.run(HOUR);
      assert.deepEqual(
        f.originated.map((r) => r.to),
        ["+12125553029"],
      );
      const listed = await f.vox("GetCallLists", { list_id: out.list_id });
      assert.equal(listed.result[0].status, "Completed");
    }));

  test("max_simultaneous caps the calls in flight", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      const out = await f.vox(
        "CreateCallList",
        listFields({ max_simultaneous: 2, file_content: csv("phone", phones(6)) }),
      );
      await f.run(2 * HOUR);
      const attempts = await f.attempts(out.list_id);
      assert.equal(attempts.length, 6);
      assert.equal(peakConcurrency(attempts), 2);
    }));

  test("priority: with one channel, the list with priority 0 goes before an earlier list with priority 5", () =>
    withFixture({ scenario: "all_human", maxChannels: 1 }, async (f) => {
      // Both lists are made before the clock moves, so the dispatcher sees them together.
      const low = await f.vox(
        "CreateCallList",
        listFields({ name: "low", priority: 5, file_content: csv("phone", phones(2, 12125553100)) }),
      );
      const high = await f.vox(
        "CreateCallList",
        listFields({ name: "high", priority: 0, file_content: csv("phone", phones(2, 12125553200)) }),
      );
      await f.run(2 * HOUR);
      const order = f.originated.map((r) => r.to);
      assert.deepEqual(order, ["+12125553200", "+12125553201", "+12125553100", "+12125553101"]);
      assert.equal((await f.attempts(low.list_id)).length, 2);
      assert.equal((await f.attempts(high.list_id)).length, 2);
    }));

  test("every other column is the contact's custom data, handed to the scenario", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      await f.vox(
        "CreateCallList",
        listFields({ file_content: "phone_number;first_name;order\n+12125553031;Ann;42\n" }),
      );
      await f.run(60 * SEC);
      assert.equal(f.originated.length, 1);
      assert.deepEqual(f.originated[0].data, { first_name: "Ann", order: "42" });
    }));
});

describe("manual call lists", () => {
  test("nothing is dialed until StartNextCallTask; each call releases one task, in priority order", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      const out = await f.vox(
        "CreateManualCallList",
        listFields({ file_content: csv("phone;n", ["+12125553041;1", "+12125553042;2"]) }),
      );
      assert.equal(out.result, true);
      await f.run(HOUR);
      assert.equal(f.originated.length, 0);
      const next = await f.vox("StartNextCallTask", {
        list_id: out.list_id,
        custom_params: "agent=5",
      });
      assert.deepEqual(next, { result: 1, list_id: out.list_id });
      await f.run(HOUR);
      assert.deepEqual(
        f.originated.map((r) => [r.to, r.data]),
        [["+12125553041", { n: "1", custom_params: "agent=5" }]],
      );
      await f.vox("AppendToCallList", { list_id: out.list_id, file_content: "phone;n\n+12125553043;3\n" });
      await f.run(HOUR);
      assert.equal(f.originated.length, 1, "appended tasks of a manual list wait too");
      await f.vox("StartNextCallTask", { list_id: out.list_id });
      await f.vox("StartNextCallTask", { list_id: out.list_id });
      await f.run(HOUR);
      assert.deepEqual(
        f.originated.map((r) => r.to),
        ["+12125553041", "+12125553042", "+12125553043"],
      );
      // Several lists separated by ';': the first one that still has a task gives it.
      const other = await f.vox(
        "CreateManualCallList",
        listFields({ name: "second", file_content: "phone\n+12125553044\n" }),
      );
      const both = await f.vox("StartNextCallTask", { list_id: `${out.list_id};${other.list_id}` });
      assert.deepEqual(both, { result: 1, list_id: other.list_id });
      await f.run(HOUR);
      assert.equal(f.originated.at(-1)?.to, "+12125553044");
      const none = await f.vox("StartNextCallTask", { list_id: `${out.list_id};${other.list_id}` });
      assert.equal(none.error.code, 101);
      const auto = await f.vox("CreateCallList", listFields({ name: "auto" }));
      assert.equal((await f.vox("StartNextCallTask", { list_id: auto.list_id })).error.code, 101);
    }));
});

describe("balance: at least 1 USD", () => {
  const setBalance = async (f: VoxFixture, usd: number) => {
    await f.store.db
      .updateTable("accounts")
      .set({ balance_micros: Math.round(usd * 1e6) })
      .where("id", "=", f.accountId)
      .execute();
    await f.engine.billingChanged(f.accountId);
  };
  const status = async (f: VoxFixture, id: number) =>
    (await f.store.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow())
      .status;

  test("under 1 USD CreateCallList stores the list but does not start it; RecoverCallList after a top-up does", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      await setBalance(f, 0.5);
      const out = await f.vox("CreateCallList", listFields({ name: "poor" }));
      assert.equal(out.error.code, 5, JSON.stringify(out));
      assert.match(out.error.msg, /1 USD/);
      const [list] = (await f.vox("GetCallLists", { name: "poor" })).result;
      assert.equal(list.status, "New");
      await f.run(HOUR);
      assert.equal(f.originated.length, 0);
      assert.equal((await f.vox("RecoverCallList", { list_id: list.list_id })).error.code, 5);
      const top = await f.call({ method: "POST", url: "/v1/balance/top-up", payload: { amountUsd: 20 } });
      assert.equal(top.statusCode, 200, top.body);
      const rec = await f.vox("RecoverCallList", { list_id: list.list_id });
      assert.deepEqual(rec, { result: true, count_recovery: 2 });
      await f.run(HOUR);
      assert.equal(f.originated.length, 2);
    }));

  test("an active list stops when the balance falls under 1 USD, and RecoverCallList resumes it after a top-up", () =>
    withFixture({ scenario: "all_human" }, async (f) => {
      await setBalance(f, 10);
      const out = await f.vox(
        "CreateCallList",
        listFields({ max_simultaneous: 1, file_content: csv("phone", phones(3, 12125553300)) }),
      );
      assert.equal(out.result, true);
      await setBalance(f, 0.2);
      await f.run(HOUR);
      assert.equal(await status(f, out.list_id), "stopped");
      const dialed = f.originated.length;
      assert.ok(dialed < 3, `dialed ${dialed}`);
      assert.equal((await f.vox("RecoverCallList", { list_id: out.list_id })).error.code, 5);
      await setBalance(f, 20);
      const rec = await f.vox("RecoverCallList", { list_id: out.list_id });
      assert.equal(rec.result, true, JSON.stringify(rec));
      assert.equal(typeof rec.count_recovery, "number");
      await f.run(HOUR);
      assert.equal(await status(f, out.list_id), "completed");
      assert.equal(new Set(f.originated.map((r) => r.to)).size, 3);
    }));
});

test("RecoverCallList of a stopped manual list counts only the tasks it makes due: its held ones wait for StartNextCallTask", () =>
  withFixture({ scenario: "all_human" }, async (f) => {
    const out = await f.vox(
      "CreateManualCallList",
      listFields({ name: "manual", file_content: "phone\n+12125550151\n+12125550152\n+12125550153\n" }),
    );
    await f.vox("StartNextCallTask", { list_id: out.list_id });
    await f.run(600_000);
    await f.vox("StopCallListProcessing", { list_id: out.list_id });
    const before = f.originated.length;
    const recovered = await f.vox("RecoverCallList", { list_id: out.list_id });
    await f.run(HOUR);
    assert.equal(f.originated.length, before, "held tasks stay held");
    assert.deepEqual(recovered, { result: true, count_recovery: 0 });
  }));

test("RecoverCallList counts an automatic list's tasks that start later: they are restored too", () =>
  withFixture({ scenario: "all_human" }, async (f) => {
    const later = new Date(T0 + 3 * HOUR).toISOString();
    const made = await f.vox(
      "CreateCallList",
      listFields({
        name: "later",
        file_content: `phone_number;first_name;__start_at\n+12125550101;Ann;${later}\n+12125550102;Bob;${later}\n`,
      }),
    );
    assert.equal(made.count, 2, JSON.stringify(made));
    assert.equal((await f.vox("StopCallListProcessing", { list_id: made.list_id })).result, true);
    const recovered = await f.vox("RecoverCallList", { list_id: made.list_id });
    assert.deepEqual(recovered, { result: true, count_recovery: 2 });
    await f.run(4 * HOUR);
    assert.equal(f.originated.length, 2, "both dialed at their start time");
  }));
