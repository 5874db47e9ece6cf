// header=false: columns are positions 1, 2, …, not the first row's cells. A row may have any width (no
// extra_cells, which is about cells past a header), a mapping may name any position up to MAX_POSITION,
// and a row without a mapped cell has it empty.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_POSITION } from "../../src/lists/columns.ts";
import { contactRows, fixture, rejects, run } from "./helpers.ts";

for (const worker of [false, true]) {
  test(`rows wider than the first are imported, each with its own cells as custom fields${worker ? " (worker)" : ""}`, async () => {
    const f = await fixture();
    const report = await run(f, "+12125550101\n+12125550102,Bob\n+12125550103,Cy,x\n+12125550104,,\n", {
      header: false,
      worker,
    });
    assert.deepEqual(report.errors, []);
    assert.deepEqual([report.rows, report.inserted], [4, 4]);
    const rows = await contactRows(f);
    assert.deepEqual(
      rows.map((r) => [r.phone, JSON.parse(r.custom)]),
      [
        ["+12125550101", {}],
        ["+12125550102", { 2: "Bob" }],
        ["+12125550103", { 2: "Cy", 3: "x" }],
        ["+12125550104", { 2: "", 3: "" }],
      ],
    );
  });
}

test("a mapping may name a column only later rows have; a row without it has it empty", async () => {
  const f = await fixture();
  const report = await run(f, "+12125550101\n+12125550102,,B-2,vip\n,+12125550103\n", {
    header: false,
    columns: { phone: ["1", "2"], external_id: "3", custom: ["4", "7"] },
  });
  assert.deepEqual(report.errors, []);
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => [r.phone, r.external_id, JSON.parse(r.custom)]),
    [
      ["+12125550101", null, { 4: "", 7: "" }],
      ["+12125550102", "B-2", { 4: "vip", 7: "" }],
      ["+12125550103", null, { 4: "", 7: "" }],
    ],
  );
});

test("a mapping without custom: every other cell of a row is a custom field", async () => {
  const f = await fixture();
  await run(f, "a,+12125550101\nb,+12125550102,c,d\n", { header: false, columns: { phone: "2" } });
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => [r.phone, JSON.parse(r.custom)]),
    [
      ["+12125550101", { 1: "a" }],
      ["+12125550102", { 1: "b", 3: "c", 4: "d" }],
    ],
  );
});

test("a mapped position must be a column number from 1 to MAX_POSITION", async () => {
  const f = await fixture();
  for (const bad of ["0", "x", "-1", "1.5", String(MAX_POSITION + 1)]) {
    const err = await rejects(run(f, "+12125550101\n", { header: false, columns: { phone: bad } }), {
      code: "unknown_column",
      field: "columns.phone",
    });
    assert.match(err.message, /numbered 1, 2/);
  }
  await rejects(run(f, "+12125550101\n", { header: false, columns: { phone: "1", custom: ["1"] } }), {
    code: "duplicate_mapping",
  });
  const far = await run(f, "+12125550101\n", {
    header: false,
    columns: { phone: "1", custom: [String(MAX_POSITION)] },
  });
  assert.equal(far.inserted, 1);
  assert.deepEqual(JSON.parse((await contactRows(f))[0].custom), { [MAX_POSITION]: "" });
});

test("a row with more than 100 cells that would be custom fields: 400 too_many_custom_fields naming it", async () => {
  const f = await fixture();
  const wide = ["+12125550102", ...Array.from({ length: 101 }, (_, i) => `v${i}`)].join(",");
  const err = await rejects(run(f, `+12125550101,a\n${wide}\n`, { header: false }), {
    code: "too_many_custom_fields",
    row: 2,
    field: "columns.custom",
  });
  assert.match(err.message, /row 2 has 101 cells/);
  assert.equal((await contactRows(f)).length, 0);
  // 100 are allowed; with the custom columns mapped a row may be as wide as it likes.
  const ok = ["+12125550103", ...Array.from({ length: 100 }, (_, i) => `v${i}`)].join(",");
  assert.equal((await run(f, `${ok}\n`, { header: false })).inserted, 1);
  const mapped = await run(f, `${wide}\n`, { header: false, columns: { phone: "1", custom: ["102"] } });
  assert.equal(mapped.inserted, 1);
  assert.deepEqual(JSON.parse((await contactRows(f))[1].custom), { 102: "v100" });
});

test("a value too long names its column by number, past the first row's width too", async () => {
  const f = await fixture();
  await rejects(run(f, `+12125550101\n+12125550102,a,${"x".repeat(1025)}\n`, { header: false }), {
    code: "field_too_long",
    field: "3",
    row: 2,
  });
});

test("with a header nothing changes: a value past the header still makes its row invalid (extra_cells)", async () => {
  const f = await fixture();
  const report = await run(f, "phone\n+12125550101\n+12125550102,Bob\n");
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.code]),
    [[2, "extra_cells"]],
  );
  await rejects(run(f, "phone\n+12125550101,,x\n", { columns: { phone: "phone", custom: ["3"] } }), {
    code: "unknown_column",
  });
});
