// Voximplant's clients authenticate with `account_name` + `api_key` as well as with `account_id` + `api_key`
// (GetUsers?account_name=…&api_key=…). Account names are not unique: the name must be the key's own
// account's, and a wrong name is refused exactly as a wrong key is, so no answer tells which names exist.
import assert from "node:assert/strict";
import { test } from "node:test";
import { issueApiKey } from "../../../src/api/plugins/auth.ts";
import { insertAccount } from "../../../src/store/accounts.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

async function withFixture(fn: (f: VoxFixture) => Promise<void>): Promise<void> {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the face answers whatever the method answered
async function getCallLists(f: VoxFixture, credentials: Record<string, string | number>): Promise<any> {
  const query = new URLSearchParams(Object.entries(credentials).map(([k, v]) => [k, String(v)]));
  const res = await f.call({ method: "GET", url: `/platform_api/GetCallLists?${query}`, key: null });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

test("account_name + api_key in the query authenticate as the key's account, for reads and writes", () =>
  withFixture(async (f) => {
    // The fixture's account is named "acme".
    const read = await getCallLists(f, { account_name: "acme", api_key: f.key });
    assert.deepEqual(read, { result: [], count: 0, total_count: 0 });
    const query = new URLSearchParams({
      ...Object.fromEntries(Object.entries(listFields()).map(([k, v]) => [k, String(v)])),
      file_content: "",
      account_name: "acme",
      api_key: f.key,
    });
    const created = (
      await f.call({
        method: "POST",
        url: `/platform_api/CreateCallList?${query}`,
        key: null,
        headers: { "content-type": "text/csv" },
        payload: "phone_number\n+12125550101\n",
      })
    ).json();
    assert.equal(created.error, undefined, JSON.stringify(created));
    assert.equal(created.count, 1);
    const both = await getCallLists(f, { account_id: f.accountId, account_name: "acme", api_key: f.key });
    assert.equal(both.error, undefined, JSON.stringify(both));
    assert.deepEqual(
      both.result.map((l: { list_id: number }) => l.list_id),
      [created.list_id],
    );
    // As fields of a form body, as Voximplant's Python client sends them.
    const form = await f.vox("GetCallLists", { account_name: "acme", api_key: f.key }, null);
    assert.equal(form.error, undefined, JSON.stringify(form));
    assert.equal(form.total_count, 1);
    const wrong = await f.vox("GetCallLists", { account_name: "other", api_key: f.key }, null);
    assert.equal(wrong.error?.code, 100, JSON.stringify(wrong));
  }));

test("a wrong account_name gets the wrong key's answer, whether or not an account has that name", () =>
  withFixture(async (f) => {
    const other = await insertAccount(f.store.db, "other", f.clock.now());
    const otherKey = (
      await issueApiKey(f.store.db, { accountId: other, name: "o", role: "owner", now: f.clock.now() })
    ).key;
    const wrongKey = await getCallLists(f, { account_name: "acme", api_key: "od_not-a-real-key" });
    assert.equal(wrongKey.error?.code, 100, JSON.stringify(wrongKey));
    const refusals: Record<string, string | number>[] = [
      { account_name: "other", api_key: f.key }, // another account's name
      { account_name: "nobody", api_key: f.key }, // no account's name
      { account_name: "acme", api_key: otherKey }, // a name whose account the key is not
      { account_name: "acme ", api_key: f.key }, // the name as stored, not one like it
      { account_id: f.accountId, account_name: "other", api_key: f.key }, // the id matches, the name not
      { account_id: other, account_name: "acme", api_key: f.key }, // the name matches, the id not
      { account_id: `${f.accountId}x`, account_name: "acme", api_key: f.key }, // an id that is none
    ];
    for (const credentials of refusals) {
      const res = await getCallLists(f, credentials);
      assert.deepEqual(res, wrongKey, JSON.stringify(credentials));
    }
    // Nor does the key's holder learn anything about its account's name by sending none.
    const noAccount = await getCallLists(f, { api_key: f.key });
    assert.equal(noAccount.error?.code, 100, JSON.stringify(noAccount));
    const otherByName = await getCallLists(f, { account_name: "other", api_key: otherKey });
    assert.equal(otherByName.error, undefined, JSON.stringify(otherByName));
  }));

test("with two accounts of one name, account_name resolves by the key's own account", () =>
  withFixture(async (f) => {
    const mine = await f.vox("CreateCallList", listFields({ name: "first acme's" }));
    assert.equal(mine.result, true, JSON.stringify(mine));
    const twin = await insertAccount(f.store.db, "acme", f.clock.now());
    const twinKey = (
      await issueApiKey(f.store.db, { accountId: twin, name: "o", role: "owner", now: f.clock.now() })
    ).key;
    const asTwin = await getCallLists(f, { account_name: "acme", api_key: twinKey });
    assert.deepEqual(asTwin, { result: [], count: 0, total_count: 0 }, "the twin sees its own lists only");
    const asFirst = await getCallLists(f, { account_name: "acme", api_key: f.key });
    assert.deepEqual(
      asFirst.result.map((l: { list_id: number }) => l.list_id),
      [mine.list_id],
    );
    const crossed = await getCallLists(f, {
      account_id: f.accountId,
      account_name: "acme",
      api_key: twinKey,
    });
    assert.equal(crossed.error?.code, 100, JSON.stringify(crossed));
  }));
