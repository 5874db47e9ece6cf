// Voximplant's clients may authenticate with `account_id` + `api_key` as query or form parameters instead of
// an Authorization header (the face's routes only): the key is checked as one in the header, must be the
// account's, and never reaches a log line.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { buildApp, urlForLog } from "../../../src/app.ts";
import { VirtualClock } from "../../../src/clock/virtual-clock.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { insertAccount } from "../../../src/store/accounts.ts";
import { openStore } from "../../../src/store/db.ts";
import { createDriver } from "../../../src/telephony/index.ts";
import { listFields, multipartBody, T0, type VoxFixture, voxFixture } from "./helpers.ts";

async function withFixture(fn: (f: VoxFixture) => Promise<void>): Promise<void> {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

const q = (fields: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString();

test("account_id + api_key in the query authenticate GET and POST calls", () =>
  withFixture(async (f) => {
    const res = (
      await f.call({
        method: "GET",
        url: `/platform_api/GetCallLists?${q({ account_id: f.accountId, api_key: f.key })}`,
        key: null,
      })
    ).json();
    assert.equal(res.error, undefined, JSON.stringify(res));
    assert.equal(res.total_count, 0);
    const viaCmd = (
      await f.call({
        method: "GET",
        url: `/platform_api?${q({ cmd: "GetCallLists", account_id: f.accountId, api_key: f.key })}`,
        key: null,
      })
    ).json();
    assert.equal(viaCmd.error, undefined, JSON.stringify(viaCmd));
    // The file as the raw body, the credentials in the query.
    const created = (
      await f.call({
        method: "POST",
        url: `/platform_api/CreateCallList?${q({ ...listFields(), file_content: "", account_id: f.accountId, api_key: f.key })}`,
        key: null,
        headers: { "content-type": "text/csv" },
        payload: "phone_number\n+12125550101\n",
      })
    ).json();
    assert.equal(created.error, undefined, JSON.stringify(created));
    assert.equal(created.count, 1);
  }));

test("account_id + api_key as url-encoded or multipart form fields authenticate", () =>
  withFixture(async (f) => {
    const form = await f.vox("GetCallLists", { account_id: f.accountId, api_key: f.key }, null);
    assert.equal(form.error, undefined, JSON.stringify(form));
    const body = await multipartBody({
      cmd: "CreateCallList",
      ...Object.fromEntries(Object.entries(listFields()).map(([k, v]) => [k, String(v)])),
      account_id: String(f.accountId),
      api_key: f.key,
    });
    const res = (await f.call({ method: "POST", url: "/platform_api", key: null, ...body })).json();
    assert.equal(res.error, undefined, JSON.stringify(res));
    assert.equal(res.count, 2);
    // The key is no custom data of the tasks.
    const details = (
      await f.call({
        method: "GET",
        url: `/platform_api/GetCallListDetails?list_id=${res.list_id}&output=json`,
      })
    ).json();
    assert.ok(!JSON.stringify(details).includes(f.key));
  }));

test("another account's id, an unknown, revoked or missing key, or no account_id is error 100", () =>
  withFixture(async (f) => {
    const other = await insertAccount(f.store.db, "other", f.clock.now());
    const revoked = await f.keyWithRole("owner");
    await f.store.db
      .updateTable("api_keys")
      .set({ revoked_at: f.clock.now() })
      .where("name", "=", "owner")
      .execute();
    // (The fixture's own key, also named "owner", is revoked with it: what follows uses `fresh`.)
    const fresh = await f.keyWithRole("developer");
    const cases: Record<string, string | number>[] = [
      { account_id: other, api_key: fresh },
      { account_id: f.accountId, api_key: "od_not-a-real-key" },
      { account_id: f.accountId, api_key: revoked },
      { account_id: f.accountId },
      { api_key: fresh },
      { account_id: `${f.accountId}x`, api_key: fresh },
      {},
    ];
    for (const fields of cases) {
      for (const viaQuery of [true, false]) {
        const res = viaQuery
          ? (
              await f.call({ method: "GET", url: `/platform_api/GetCallLists?${q(fields)}`, key: null })
            ).json()
          : await f.vox("GetCallLists", fields, null);
        assert.equal(
          res.error?.code,
          100,
          `${JSON.stringify(fields)} query=${viaQuery}: ${JSON.stringify(res)}`,
        );
      }
    }
    // An unknown command still asks for credentials first.
    const unknown = await f.vox("NoSuchMethod", { account_id: other, api_key: fresh }, null);
    assert.equal(unknown.error?.code, 100);
    const okUnknown = await f.vox("NoSuchMethod", { account_id: f.accountId, api_key: fresh }, null);
    assert.equal(okUnknown.error?.code, 103);
  }));

test("a parameter key has its role's permissions, exactly as in the header", () =>
  withFixture(async (f) => {
    const agent = await f.keyWithRole("agent");
    for (const viaQuery of [true, false]) {
      const res = viaQuery
        ? (
            await f.call({
              method: "GET",
              url: `/platform_api/GetCallLists?${q({ account_id: f.accountId, api_key: agent })}`,
              key: null,
            })
          ).json()
        : await f.vox("GetCallLists", { account_id: f.accountId, api_key: agent }, null);
      assert.equal(res.error?.code, 104, JSON.stringify(res));
    }
    const header = await f.vox("GetCallLists", {}, agent);
    assert.equal(header.error?.code, 104);
    const supervisor = await f.keyWithRole("supervisor");
    const read = await f.vox("GetCallLists", { account_id: f.accountId, api_key: supervisor }, null);
    assert.equal(read.error, undefined, JSON.stringify(read));
    const write = await f.vox(
      "CreateCallList",
      { ...listFields(), account_id: f.accountId, api_key: supervisor },
      null,
    );
    assert.equal(write.error?.code, 104, JSON.stringify(write));
  }));

test("parameters are no credential outside the Voximplant face", () =>
  withFixture(async (f) => {
    const res = await f.call({
      method: "GET",
      url: `/v1/campaigns?${q({ account_id: f.accountId, api_key: f.key })}`,
      key: null,
    });
    assert.equal(res.statusCode, 401);
  }));

test("an api_key in the query is redacted in the URL logs show", () => {
  for (const url of [
    "/platform_api/GetCallLists?account_id=1&api_key=SeCrEt123",
    "/platform_api?cmd=GetCallLists&api%5Fkey=SeCrEt123&account_id=1",
    "/platform_api/GetCallLists?API_KEY=SeCrEt123",
    "/platform_api/GetCallLists?x=%ZZ&api_key=SeCrEt123&y=1",
    "/api/calls/campaign/SeCrEt123/addPhone?api_key=SeCrEt123",
  ]) {
    const shown = urlForLog(url);
    assert.ok(!shown.includes("SeCrEt123"), `${url} → ${shown}`);
    assert.match(shown, /=\[redacted\]/);
  }
  assert.equal(
    urlForLog("/platform_api/GetCallLists?list_id=1&x=%ZZ"),
    "/platform_api/GetCallLists?list_id=1&x=%ZZ",
  );
});

test("the request log never shows an api_key sent in the query", async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const store = await openStore({ url: ":memory:" });
  const clock = new VirtualClock(T0);
  const driver = createDriver("sim", { clock }, { seed: 1, scenario: "all_human" });
  const engine = new Engine({ store, clock, driver, nodeId: "log", leaseMs: 3_600_000, maxChannels: null });
  const app = await buildApp({
    store,
    engine,
    clock,
    config: loadConfig({ OUTDIAL_DATABASE_URL: ":memory:", OUTDIAL_LOG_LEVEL: "info" }),
    logger: { stream, level: "info" },
  });
  try {
    await app.ready();
    const accountId = await insertAccount(store.db, "acme", clock.now());
    const { issueApiKey } = await import("../../../src/api/plugins/auth.ts");
    const { key } = await issueApiKey(store.db, { accountId, name: "o", role: "owner", now: clock.now() });
    for (const apiKey of [key, "od_wrong-key-SeCrEt"]) {
      const res = await app.inject({
        method: "GET",
        url: `/platform_api/GetCallLists?account_id=${accountId}&api_key=${encodeURIComponent(apiKey)}`,
      });
      assert.equal(res.statusCode, 200);
    }
    const all = lines.join("");
    assert.ok(all.includes("/platform_api/GetCallLists"), all);
    assert.ok(!all.includes(key) && !all.includes("SeCrEt"), all);
    assert.match(all, /api_key=\[redacted\]/);
  } finally {
    await app.close();
    await engine.shutdown();
    await driver.close();
    await store.close();
  }
});

test("a write method by GET under a user's Basic password is refused 104; by POST, or a read by GET, it runs", () =>
  withFixture(async (f) => {
    // A browser that remembers Basic credentials attaches them to an image another site's page embeds, with
    // no Origin, and no Referer under referrerpolicy="no-referrer": nothing would tell such a GET apart.
    const made = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "ann", password: "correct horse battery", role: "admin" },
    });
    assert.equal(made.statusCode, 201, made.body);
    const authorization = `Basic ${Buffer.from("ann:correct horse battery").toString("base64")}`;
    const created = await f.vox("CreateCallList", listFields());
    assert.equal(created.error, undefined, JSON.stringify(created));
    const byGet = (query: string) =>
      f.call({ method: "GET", url: `/platform_api?${query}`, key: null, headers: { authorization } });
    for (const cmd of ["StopCallListProcessing", "RecoverCallList"]) {
      const refused = (await byGet(q({ cmd, list_id: created.list_id }))).json();
      assert.equal(refused.error?.code, 104, `${cmd}: ${JSON.stringify(refused)}`);
      assert.match(refused.error.msg, /by GET with a user's password; send it by POST/);
    }
    const viaPath = (
      await f.call({
        method: "GET",
        url: `/platform_api/StopCallListProcessing?${q({ list_id: created.list_id })}`,
        key: null,
        headers: { authorization },
      })
    ).json();
    assert.equal(viaPath.error?.code, 104, JSON.stringify(viaPath));
    const read = (await byGet(q({ cmd: "GetCallLists" }))).json();
    assert.equal(read.error, undefined, JSON.stringify(read));
    assert.equal(read.total_count, 1);
    const stopped = (
      await f.call({
        method: "POST",
        url: "/platform_api/StopCallListProcessing",
        key: null,
        headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
        payload: q({ list_id: created.list_id }),
      })
    ).json();
    assert.equal(stopped.error, undefined, JSON.stringify(stopped));
    // The same GET with the account's API key runs, as Voximplant's clients send it.
    const withKey = (
      await f.call({
        method: "GET",
        url: `/platform_api?${q({ cmd: "RecoverCallList", list_id: created.list_id, account_id: f.accountId, api_key: f.key })}`,
        key: null,
      })
    ).json();
    assert.equal(withKey.error, undefined, JSON.stringify(withKey));
  }));
