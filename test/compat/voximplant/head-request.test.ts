// A HEAD of a Voximplant method URL (GET form, credentials in the query as its clients send them) runs
// nothing: Fastify answers HEAD with the GET route's handler, so a link checker or a chat app's preview of
// the URL stopped a list, released a manual task or appended rows (authz6).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";
import { listFields } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

const create = async (cmd: string, name: string): Promise<number> => {
  const res = await f.call({
    method: "POST",
    url: `/platform_api/${cmd}`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(
      Object.entries(listFields({ name })).map(([k, v]) => [k, String(v)]),
    ).toString(),
  });
  const body = res.json() as { result?: boolean; list_id: number };
  assert.equal(body.result, true, res.body);
  return body.list_id;
};
const creds = () => `account_id=${f.accountId}&api_key=${encodeURIComponent(f.key)}`;
const status = async (id: number) =>
  (await f.store.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow())
    .status;

test("HEAD /platform_api/StopCallListProcessing does not stop the list", async () => {
  const id = await create("CreateCallList", "head-stop");
  assert.equal(await status(id), "running");
  await f.call({
    method: "HEAD",
    url: `/platform_api/StopCallListProcessing?${creds()}&list_id=${id}`,
    key: null,
  });
  assert.equal(await status(id), "running", "a HEAD stopped the call list");
});

test("HEAD /platform_api?cmd=AppendToCallList writes no rows", async () => {
  const id = await create("CreateCallList", "head-append");
  const count = async () =>
    Number(
      (
        await f.store.db
          .selectFrom("contacts")
          .select((e) => e.fn.countAll().as("n"))
          .where("campaign_id", "=", id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await count();
  const file = encodeURIComponent("phone_number;first_name\n+12125550199;Eve\n");
  await f.call({
    method: "HEAD",
    url: `/platform_api?cmd=AppendToCallList&${creds()}&list_id=${id}&file_content=${file}`,
    key: null,
  });
  assert.equal(await count(), before, "a HEAD appended a task (a call) to the list");
});

test("HEAD /platform_api/StartNextCallTask releases no held task", async () => {
  const id = await create("CreateManualCallList", "head-next");
  const released = async () =>
    Number(
      (
        await f.store.db
          .selectFrom("contacts")
          .select((e) => e.fn.countAll().as("n"))
          .where("campaign_id", "=", id)
          .where("start_at", "<", Date.UTC(9999, 0, 1))
          .executeTakeFirstOrThrow()
      ).n,
    );
  assert.equal(await released(), 0);
  await f.call({
    method: "HEAD",
    url: `/platform_api/StartNextCallTask?${creds()}&list_id=${id}`,
    key: null,
  });
  assert.equal(await released(), 0, "a HEAD released a held task for dialing");
});
