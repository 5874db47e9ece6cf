// Voximplant requests as its official clients send them (audit vox4): "/platform_api/" with the cmd in the
// body or query, AppendToCallList by list_name beside the Go client's list_id "0", and a __start_at cell
// holding only blanks.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

let f: VoxFixture;
before(async () => {
  f = await voxFixture({ scenario: "all_human" });
});
after(() => f.close());

test("V1 /platform_api/ (trailing slash) runs the cmd given in the body or the query", async () => {
  const post = await f.call({
    method: "POST",
    url: "/platform_api/",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "cmd=GetCallLists&name=nothing-such",
  });
  assert.equal(post.statusCode, 200);
  assert.deepEqual(post.json(), { result: [], count: 0, total_count: 0 }, post.body);
  const get = await f.call({ method: "GET", url: "/platform_api/?cmd=GetCallLists&name=nothing-such" });
  assert.deepEqual(get.json(), { result: [], count: 0, total_count: 0 }, get.body);
  const none = await f.call({ method: "GET", url: "/platform_api/" });
  assert.equal(none.json().error?.code, 102, none.body);
});

test("V2 AppendToCallList by list_name with list_id 0 (the Go client's unset field) appends to that list", async () => {
  const made = await f.vox("CreateCallList", listFields({ name: "spring" }));
  assert.equal(made.result, true, JSON.stringify(made));
  const out = await f.vox("AppendToCallList", {
    list_id: 0,
    list_name: "spring",
    file_content: "phone\n+12125550199\n",
  });
  assert.equal(out.error, undefined, JSON.stringify(out));
  assert.equal(out.list_id, made.list_id);
  assert.equal(out.count, 1);
  // Without a name, list 0 is still no list.
  const bad = await f.vox("AppendToCallList", { list_id: 0, file_content: "phone\n+12125550198\n" });
  assert.equal(bad.error?.code, 101, JSON.stringify(bad));
});

test("V3 a __start_at cell holding only blanks is an empty cell, as a daily window's is", async () => {
  const out = await f.vox(
    "CreateCallList",
    listFields({ name: "blank-start", file_content: "phone;name;__start_at\n+12125550101;Ann; \n" }),
  );
  assert.equal(out.error, undefined, JSON.stringify(out));
  assert.equal(out.count, 1);
  const row = await f.store.db
    .selectFrom("contacts")
    .select(["phone", "start_at"])
    .where("campaign_id", "=", out.list_id)
    .executeTakeFirstOrThrow();
  assert.deepEqual([row.phone, row.start_at], ["+12125550101", null]);
});
