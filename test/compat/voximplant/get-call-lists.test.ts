// GetCallLists over HTTP: list_id (one, several separated by ';', 'all'), name, is_active, type_list,
// application_id, from_date / to_date, count and offset, and the list fields with real JSON types; the
// roles the README gives the reading methods are the roles let in.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { ROLES, type Role } from "../../../src/api/plugins/permissions.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

describe("GetCallLists filters and paging", () => {
  let g: VoxFixture;
  const ids: number[] = [];
  before(async () => {
    g = await voxFixture({ start: Date.UTC(2026, 0, 5, 10) });
    for (const [i, name] of ["alpha", "beta", "gamma"].entries()) {
      const later = "phone;__start_at\n+12125550181;1893456000\n"; // 2030: the lists stay active
      ids.push(
        (
          await g.vox(
            "CreateCallList",
            listFields({ name, application_id: 100 + (i % 2), file_content: later }),
          )
        ).list_id,
      );
    }
    for (const [i, id] of ids.entries()) {
      const at = Date.UTC(2026, 0, 5 + i, 10);
      await g.store.db.updateTable("campaigns").set({ created_at: at }).where("id", "=", id).execute();
    }
    ids.push(
      (await g.vox("CreateManualCallList", listFields({ name: "manual delta", application_id: 100 })))
        .list_id,
    );
    await g.vox("StopCallListProcessing", { list_id: ids[1] });
  });
  after(() => g.close());
  const names = async (fields: Record<string, string | number>) => {
    const r = await g.vox("GetCallLists", fields);
    assert.equal(r.count, r.result.length);
    return { names: r.result.map((l: { list_name: string }) => l.list_name), total: r.total_count };
  };

  test("list_id: one, several separated by ';', or all", async () => {
    assert.deepEqual((await names({ list_id: ids[0] })).names, ["alpha"]);
    assert.deepEqual((await names({ list_id: `${ids[0]};${ids[2]}` })).names, ["alpha", "gamma"]);
    assert.equal((await names({ list_id: "all" })).total, 4);
    // The official Node client's type for these filters is 'any' | number | number[].
    assert.equal((await names({ list_id: "any" })).total, 4);
    assert.equal((await names({ application_id: "ANY" })).total, 4);
  });

  test("name, is_active, type_list, application_id, from_date / to_date", async () => {
    assert.deepEqual((await names({ name: "ta" })).names, ["beta", "manual delta"]);
    assert.deepEqual((await names({ is_active: "true" })).names, ["alpha", "gamma"]);
    assert.deepEqual((await names({ is_active: "false" })).names, ["beta", "manual delta"]);
    assert.deepEqual((await names({ type_list: "MANUAL" })).names, ["manual delta"]);
    assert.deepEqual((await names({ type_list: "AUTOMATIC" })).names, ["alpha", "beta", "gamma"]);
    assert.deepEqual((await names({ application_id: "101" })).names, ["beta"]);
    assert.deepEqual((await names({ application_id: "100;101" })).total, 4);
    assert.deepEqual((await names({ application_id: "all" })).total, 4);
    assert.deepEqual(
      (await names({ from_date: "2026-01-06 00:00:00", to_date: "2026-01-06 23:59:59" })).names,
      ["beta"],
    );
  });

  test("count and offset page; total_count counts every match; real numbers and booleans", async () => {
    const page = await g.vox("GetCallLists", { count: 2, offset: 1 });
    assert.equal(page.count, 2);
    assert.equal(page.total_count, 4);
    assert.deepEqual(
      page.result.map((l: { list_name: string }) => l.list_name),
      ["beta", "gamma"],
    );
    const [beta] = page.result;
    assert.equal(beta.list_id, ids[1]);
    assert.equal(beta.rule_id, 7);
    assert.equal(beta.max_simultaneous, 2);
    assert.equal(beta.num_attempts, 1);
    assert.equal(beta.is_active, false);
    assert.equal(beta.status, "Canceled");
    assert.match(beta.dt_submit, /^2026-01-06 10:00:00$/);
  });

  test("the README's roles of each reading method are the roles let in (agents are not)", async () => {
    const readme = fs.readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const cell = (method: string) => {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${method}\` |`));
      assert.ok(row, method);
      return row.split("|").at(-2)?.trim() as string;
    };
    // The column's phrases: "every role", "every role but <role> …", "same as `<Method>`".
    const documented = (method: string): Role[] => {
      const text = cell(method);
      const same = /^same as `(\w+)`/.exec(text);
      if (same) return documented(same[1]);
      const but = /^every role(?: but (\w+))?/.exec(text);
      assert.ok(but, `${method}: ${text}`);
      return ROLES.filter((r) => r !== but[1]);
    };
    for (const method of ["GetCallLists", "GetCallListDetails"]) {
      const allowed: Role[] = [];
      for (const role of ROLES) {
        const res = await g.call({
          method: "GET",
          url: `/platform_api/${method}?list_id=1&output=json`,
          key: await g.keyWithRole(role),
        });
        if (res.json().error?.code !== 104) allowed.push(role);
      }
      assert.deepEqual(documented(method), allowed, method);
      assert.ok(!allowed.includes("agent"), method);
    }
  });
});
