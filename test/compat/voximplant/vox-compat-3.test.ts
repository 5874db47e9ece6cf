// Voximplant call list files and lists as its clients and documentation have them (audit vox3): phone
// columns named in other words, ragged rows, several numbers in one cell (and given back whole), one end of the daily window,
// to_date at dt_submit's precision, names counted in characters.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

async function withFixture(fn: (f: VoxFixture) => Promise<void>): Promise<void> {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the method's JSON answer
async function tasks(f: VoxFixture, listId: number): Promise<any[]> {
  const res = await f.call({
    method: "GET",
    url: `/platform_api/GetCallListDetails?list_id=${listId}&output=json`,
  });
  return res.json().result;
}

async function contacts(f: VoxFixture, listId: number) {
  return f.store.db
    .selectFrom("contacts")
    .select(["phone", "phones", "custom", "daily_from_sec", "daily_to_sec"])
    .where("campaign_id", "=", listId)
    .orderBy("id")
    .execute();
}

test("D2 a phone column named in other words ('Телефон', 'client_phone', 'Номер телефона') is the phone", () =>
  withFixture(async (f) => {
    for (const [name, file, phone] of [
      ["ru", "Имя;Телефон\nАнна;+12125550102\n", "+12125550102"],
      ["en", "client_name;client_phone\nAnn;+12125550104\n", "+12125550104"],
      ["ru2", "Номер договора;Имя;Номер телефона\nД-17;Анна;+12125550105\n", "+12125550105"],
      ["tel", "hotel;home tel\nRitz;+12125550106\n", "+12125550106"],
    ]) {
      const res = await f.vox("CreateCallList", listFields({ name, file_content: file }));
      assert.equal(res.error, undefined, `${name}: ${JSON.stringify(res)}`);
      const [c] = await contacts(f, res.list_id);
      assert.equal(c.phone, phone, name);
    }
    // No name like a phone: still the first column, nothing guessed from the data.
    const first = await f.vox(
      "CreateCallList",
      listFields({ name: "first", file_content: "who;hotel\n+12125550107;Ritz\n" }),
    );
    assert.equal(first.error, undefined, JSON.stringify(first));
    assert.equal((await contacts(f, first.list_id))[0].phone, "+12125550107");
  }));

test("D3 GetCallLists to_date equal to a list's dt_submit finds it (sub-second created_at)", () =>
  withFixture(async (f) => {
    await f.clock.run({ until: f.clock.now() + 500 });
    const l = await f.vox("CreateCallList", listFields({ file_content: "phone_number\n+12125550101\n" }));
    const shown = (await f.vox("GetCallLists", { list_id: l.list_id })).result[0].dt_submit;
    const filtered = await f.vox("GetCallLists", { list_id: l.list_id, to_date: shown });
    assert.equal(filtered.total_count, 1, `dt_submit ${shown} but to_date=${shown} finds nothing`);
    assert.equal((await f.vox("GetCallLists", { list_id: l.list_id, from_date: shown })).total_count, 1);
    const before = new Date(Date.parse(`${shown.replace(" ", "T")}Z`) - 1000).toISOString();
    const earlier = before.replace("T", " ").replace(/\.\d+Z$/, "");
    assert.equal((await f.vox("GetCallLists", { list_id: l.list_id, to_date: earlier })).total_count, 0);
  }));

test("D4 name: up to 255 characters, however many UTF-16 units", () =>
  withFixture(async (f) => {
    const ok = await f.vox("CreateCallList", listFields({ name: "📞".repeat(255) }));
    assert.equal(ok.error, undefined, JSON.stringify(ok));
    const long = await f.vox("CreateCallList", listFields({ name: "📞".repeat(256) }));
    assert.equal(long.error?.code, 101, JSON.stringify(long));
  }));

test("D5 either end of the daily window alone: a missing start is 00:00:00, a missing end 24:00:00", () =>
  withFixture(async (f) => {
    const start = await f.vox(
      "CreateCallList",
      listFields({ name: "s", file_content: "phone_number;__start_execution_time\n+12125550103;09:00:00\n" }),
    );
    assert.equal(start.error, undefined, JSON.stringify(start));
    const end = await f.vox(
      "CreateCallList",
      listFields({
        name: "e",
        file_content:
          "phone_number;__start_execution_time;__end_execution_time\n+12125550104;;17:30:00\n+12125550105;;\n",
      }),
    );
    assert.equal(end.error, undefined, JSON.stringify(end));
    const [s] = await contacts(f, start.list_id);
    assert.deepEqual([s.daily_from_sec, s.daily_to_sec], [9 * 3600, 86_400]);
    const [e, none] = await contacts(f, end.list_id);
    assert.deepEqual([e.daily_from_sec, e.daily_to_sec], [0, 17 * 3600 + 30 * 60]);
    assert.deepEqual([none.daily_from_sec, none.daily_to_sec], [null, null]);
    const [t] = await tasks(f, start.list_id);
    assert.deepEqual([t.start_execution_time, t.finish_execution_time], ["09:00:00", "24:00:00"]);
  }));

test("D6 a trailing ';' or left-out trailing cells are read as empty cells; a filled extra cell is refused", () =>
  withFixture(async (f) => {
    const a = await f.vox(
      "CreateCallList",
      listFields({
        name: "a",
        file_content: "phone_number;first_name\n+12125550101;Ann;\n+12125550102;Bob\n",
      }),
    );
    assert.equal(a.error, undefined, JSON.stringify(a));
    assert.equal(a.count, 2);
    const b = await f.vox(
      "CreateCallList",
      listFields({ name: "b", file_content: "phone_number;first_name;note\n+12125550102;Ann\n" }),
    );
    assert.equal(b.error, undefined, JSON.stringify(b));
    assert.deepEqual(JSON.parse((await contacts(f, b.list_id))[0].custom), { first_name: "Ann", note: "" });
    const c = await f.vox(
      "CreateCallList",
      listFields({
        name: "c",
        file_content: "phone_number;first_name\n+12125550101;Ann\n+12125550102;Bob;VIP\n",
      }),
    );
    assert.equal(c.error?.code, 101, JSON.stringify(c));
    assert.match(c.error.msg, /^file_content: row 2, column 3: .*past the header must be empty/);
    // Refused whole: no list left behind.
    assert.equal((await f.vox("GetCallLists", { name: "c" })).total_count, 0);
  }));

// The guide's own +1 888 123-… numbers are no valid numbers (a NANP exchange cannot start with 1): the
// import refuses them as such, so real ones stand in for them.
test("D7 several comma-separated numbers in the phone cell (Voximplant's guide) are the task's phones in order", () =>
  withFixture(async (f) => {
    const res = await f.vox(
      "CreateCallList",
      listFields({ file_content: "numbers;first_name;last_name\n+12125550111, +12125550112;Elon;Musk\n" }),
    );
    assert.equal(res.error, undefined, JSON.stringify(res));
    const [c] = await contacts(f, res.list_id);
    assert.equal(c.phone, "+12125550111");
    assert.deepEqual(JSON.parse(c.phones), ["+12125550111", "+12125550112"]);
    assert.deepEqual(JSON.parse(c.custom), { first_name: "Elon", last_name: "Musk" });
    // GetCallListDetails gives the cell back whole, not only the number being dialed.
    const [task] = await tasks(f, res.list_id);
    assert.equal(JSON.parse(task.custom_data).numbers, "+12125550111,+12125550112");
    const bad = await f.vox(
      "CreateCallList",
      listFields({ name: "bad", file_content: "numbers;first_name\n+12125550111,not-a-number;Elon\n" }),
    );
    assert.equal(bad.error?.code, 101, JSON.stringify(bad));
  }));

// Audit vox7: numbers as digits (the guide writes 18881231231), 'numbers' wherever it stands, a header
// ending in ';' as Excel writes it with its rows, a task's numbers tried in turn.
test("D8 numbers written as digits without '+' are taken as international; 'numbers' anywhere is the phone column", () =>
  withFixture(async (f) => {
    const res = await f.vox(
      "CreateCallList",
      listFields({
        file_content: "first_name;last_name;numbers\nElon;Musk;12125550101,12125550102\nIvan;P;79261234567\n",
      }),
    );
    assert.equal(res.error, undefined, JSON.stringify(res));
    const rows = await contacts(f, res.list_id);
    assert.deepEqual(
      rows.map((c) => JSON.parse(c.phones)),
      [["+12125550101", "+12125550102"], ["+79261234567"]],
    );
    // Too short to be a whole international number: still refused, naming the row.
    const short = await f.vox(
      "CreateCallList",
      listFields({ name: "short", file_content: "phone\n4155550\n" }),
    );
    assert.equal(short.error?.code, 101, JSON.stringify(short));
  }));

test("D9 a header row ending in ';' is taken; a cell under that empty name still refuses the file", () =>
  withFixture(async (f) => {
    const res = await f.vox(
      "CreateCallList",
      listFields({ file_content: "phone;name;\n+12125550101;Ann;\n" }),
    );
    assert.equal(res.error, undefined, JSON.stringify(res));
    assert.equal(res.count, 1);
    assert.deepEqual(JSON.parse((await contacts(f, res.list_id))[0].custom), { name: "Ann" });
    const filled = await f.vox(
      "CreateCallList",
      listFields({ name: "filled", file_content: "phone;name;\n+12125550101;Ann;VIP\n" }),
    );
    assert.equal(filled.error?.code, 101, JSON.stringify(filled));
  }));

test("D10 a task's numbers are tried in turn: a failed attempt on the first moves to the second", async () => {
  const f = await voxFixture({ scenario: { outcomes: { busy: 1 } } });
  try {
    const l = await f.vox(
      "CreateCallList",
      listFields({
        num_attempts: 3,
        interval_seconds: 60,
        file_content: 'phone\n"+12125550101,+12125550102"\n',
      }),
    );
    assert.equal(l.error, undefined, JSON.stringify(l));
    await f.run(3_600_000);
    assert.deepEqual(
      (await f.attempts(l.list_id)).map((a) => a.phone),
      ["+12125550101", "+12125550102", "+12125550101"],
    );
  } finally {
    await f.close();
  }
});

test("D11 attempts_left counts as the engine does: a ringing call a stop hung up is given back", async () => {
  const f = await voxFixture({ scenario: { outcomes: { no_answer: 1 } } });
  try {
    const l = await f.vox(
      "CreateCallList",
      listFields({ num_attempts: 3, interval_seconds: 3600, file_content: "phone\n+12125550101\n" }),
    );
    await f.run(5_000); // the first call rings
    await f.vox("StopCallListProcessing", { list_id: l.list_id });
    await f.run(60_000);
    const left = (await tasks(f, l.list_id))[0].attempts_left;
    const before = (await f.attempts(l.list_id)).length;
    await f.vox("RecoverCallList", { list_id: l.list_id });
    await f.run(6 * 3_600_000);
    const made = (await f.attempts(l.list_id)).length - before;
    assert.equal(left, 3, "the withdrawn call is no attempt used");
    assert.equal(made, left);
  } finally {
    await f.close();
  }
});

test("D12 digits without '+' written as a spreadsheet's float (79261234567.0) are the same international number", () =>
  withFixture(async (f) => {
    const res = await f.vox(
      "CreateCallList",
      listFields({ file_content: "phone_number;first_name\n12125550101.0;Ann\n79261234567.0;Bob\n" }),
    );
    assert.equal(res.error, undefined, JSON.stringify(res));
    assert.equal(res.count, 2, JSON.stringify(res));
    const rows = await contacts(f, res.list_id);
    assert.deepEqual(
      rows.map((c) => c.phone),
      ["+12125550101", "+79261234567"],
    );
  }));
