import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hashApiKey } from "../../src/api/plugins/api-key-secret.ts";
import { ensureBootstrapKey } from "../../src/api/plugins/auth.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf, insertContacts } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`authentication [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("a request without a key is 401 unauthorized", async () => {
      const res = await f.call({ method: "GET", url: "/v1/campaigns", key: null });
      assert.equal(res.statusCode, 401);
      assert.equal(errorOf(res).code, "unauthorized");
    });

    test("a malformed header and an unknown key are 401", async () => {
      const basic = await f.call({
        method: "GET",
        url: "/v1/campaigns",
        key: null,
        headers: { authorization: "Basic abc" },
      });
      assert.equal(basic.statusCode, 401);
      const unknown = await f.call({ method: "GET", url: "/v1/campaigns", key: "od_not-a-real-key" });
      assert.equal(unknown.statusCode, 401);
      assert.equal(errorOf(unknown).code, "unauthorized");
    });

    test("a user name or JWT kid holding a NUL character is 401, not a 500 from the store", async () => {
      const b64 = (s: string) => Buffer.from(s).toString("base64url");
      const jwt = `${b64(JSON.stringify({ alg: "RS256", kid: "a\u0000b" }))}.${b64("{}")}.c2ln`;
      for (const authorization of [
        `Bearer ${jwt}`,
        `Basic ${Buffer.from("ad\u0000min:a-long-password").toString("base64")}`,
      ]) {
        const res = await f.call({
          method: "GET",
          url: "/v1/campaigns",
          key: null,
          headers: { authorization },
        });
        assert.equal(res.statusCode, 401, `${authorization}: ${res.body}`);
        assert.equal(errorOf(res).code, "unauthorized");
      }
    });

    test("a revoked key is 401 from the moment it is revoked", async () => {
      const created = await f.call({
        method: "POST",
        url: "/v1/api-keys",
        payload: { name: "ci", role: "developer" },
      });
      assert.equal(created.statusCode, 201);
      const { id, key, prefix } = created.json() as { id: number; key: string; prefix: string };
      assert.match(key, /^od_[A-Za-z0-9_-]{43}$/);
      assert.ok(key.startsWith(prefix));
      assert.equal((await f.call({ method: "GET", url: "/v1/campaigns", key })).statusCode, 200);

      assert.equal((await f.call({ method: "DELETE", url: `/v1/api-keys/${id}` })).statusCode, 204);
      const res = await f.call({ method: "GET", url: "/v1/campaigns", key });
      assert.equal(res.statusCode, 401);
      assert.equal(errorOf(res).code, "unauthorized");
    });

    test("keys are stored as a hash and a prefix, never in plaintext", async () => {
      const res = await f.call({
        method: "POST",
        url: "/v1/api-keys",
        payload: { name: "x", role: "supervisor" },
      });
      const { id, key } = res.json() as { id: number; key: string };
      const row = await f.store.db
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(row.hash, hashApiKey(key));
      assert.ok(!JSON.stringify(row).includes(key));
      const list = await f.call({ method: "GET", url: "/v1/api-keys" });
      assert.ok(!list.body.includes(key));
      assert.ok((list.json() as { data: { id: number }[] }).data.some((k) => k.id === id));
    });

    test("healthz, the OpenAPI document and the docs page need no key", async () => {
      for (const url of ["/healthz", "/v1/openapi.json", "/docs"]) {
        const res = await f.call({ method: "GET", url, key: null });
        assert.equal(res.statusCode, 200, url);
      }
      // The docs page takes a key: no other site may frame it.
      for (const url of ["/docs", "/docs/static/index.html"]) {
        const page = await f.call({ method: "GET", url, key: null });
        assert.equal(page.headers["x-frame-options"], "DENY", url);
        assert.equal(page.headers["content-security-policy"], "frame-ancestors 'none'", url);
      }
    });
  });
}

for (const dialect of dialects()) {
  describe(`authorization by role [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("a supervisor reads but any write is 403 forbidden", async () => {
      const supervisor = await f.keyWithRole("supervisor");
      const { id } = await createCampaignViaApi(f);
      assert.equal(
        (await f.call({ method: "GET", url: `/v1/campaigns/${id}`, key: supervisor })).statusCode,
        200,
      );
      const writes = [
        { method: "POST" as const, url: "/v1/campaigns", payload: { name: "nope" } },
        { method: "PATCH" as const, url: `/v1/campaigns/${id}`, payload: { name: "nope" } },
        { method: "POST" as const, url: `/v1/campaigns/${id}/start` },
        { method: "DELETE" as const, url: `/v1/campaigns/${id}` },
        { method: "POST" as const, url: "/v1/api-keys", payload: { name: "k", role: "supervisor" } },
      ];
      for (const w of writes) {
        const res = await f.call({ ...w, key: supervisor });
        assert.equal(res.statusCode, 403, `${w.method} ${w.url}`);
        assert.equal(errorOf(res).code, "forbidden");
      }
    });

    test("a call list manager adds lists but cannot start a campaign", async () => {
      const manager = await f.keyWithRole("call_list_manager");
      const { id } = await createCampaignViaApi(f);
      const list = await f.call({
        method: "POST",
        url: `/v1/campaigns/${id}/lists`,
        payload: { name: "l" },
        key: manager,
      });
      assert.equal(list.statusCode, 201);
      assert.equal(
        (await f.call({ method: "POST", url: `/v1/campaigns/${id}/start`, key: manager })).statusCode,
        403,
      );
    });

    test("an admin manages keys but cannot create or revoke an owner key", async () => {
      const admin = await f.keyWithRole("admin");
      const dev = await f.call({
        method: "POST",
        url: "/v1/api-keys",
        payload: { name: "d", role: "developer" },
        key: admin,
      });
      assert.equal(dev.statusCode, 201);
      const owner = await f.call({
        method: "POST",
        url: "/v1/api-keys",
        payload: { name: "o", role: "owner" },
        key: admin,
      });
      assert.equal(owner.statusCode, 403);
      const keys = (await f.call({ method: "GET", url: "/v1/api-keys", key: admin })).json() as {
        data: { id: number; role: string }[];
      };
      const ownerKey = keys.data.find((k) => k.role === "owner")!;
      assert.equal(
        (await f.call({ method: "DELETE", url: `/v1/api-keys/${ownerKey.id}`, key: admin })).statusCode,
        403,
      );
    });

    test("a developer cannot manage keys", async () => {
      const dev = await f.keyWithRole("developer");
      assert.equal((await f.call({ method: "GET", url: "/v1/api-keys", key: dev })).statusCode, 403);
    });
  });
}

for (const dialect of dialects()) {
  describe(`account isolation [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("account B never sees account A's campaign, contacts or keys", async () => {
      const { id, listId } = await createCampaignViaApi(f, { name: "A's campaign" });
      const b = await f.newAccount("bravo");
      for (const url of [
        `/v1/campaigns/${id}`,
        `/v1/campaigns/${id}/lists`,
        `/v1/campaigns/${id}/contacts`,
        `/v1/campaigns/${id}/attempts`,
        `/v1/campaigns/${id}/explain`,
        `/v1/campaigns/${id}/export`,
      ]) {
        const res = await f.call({ method: "GET", url, key: b.key });
        assert.equal(res.statusCode, 404, url);
        assert.equal(errorOf(res).code, "not_found");
      }
      for (const [method, url] of [
        ["PATCH", `/v1/campaigns/${id}`],
        ["DELETE", `/v1/campaigns/${id}`],
        ["POST", `/v1/campaigns/${id}/start`],
        ["POST", `/v1/campaigns/${id}/lists`],
      ] as const) {
        const payload = method === "PATCH" || url.endsWith("/lists") ? { name: "hijack" } : undefined;
        const res = await f.call({ method, url, payload, key: b.key });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
      }
      const listed = (await f.call({ method: "GET", url: "/v1/campaigns", key: b.key })).json() as {
        data: unknown[];
      };
      assert.deepEqual(listed.data, []);

      const [contactId] = await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        {},
      ]);
      assert.equal(
        (await f.call({ method: "GET", url: `/v1/contacts/${contactId}`, key: b.key })).statusCode,
        404,
      );
      assert.equal(
        (await f.call({ method: "POST", url: `/v1/contacts/${contactId}/cancel`, key: b.key })).statusCode,
        404,
      );

      const aKeys = (await f.call({ method: "GET", url: "/v1/api-keys" })).json() as {
        data: { id: number }[];
      };
      const res = await f.call({ method: "DELETE", url: `/v1/api-keys/${aKeys.data[0].id}`, key: b.key });
      assert.equal(res.statusCode, 404);
      // A's campaign is untouched by all of the above.
      const mine = (await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json() as {
        name: string;
        status: string;
      };
      assert.deepEqual([mine.name, mine.status], ["A's campaign", "draft"]);
    });
  });
}

for (const dialect of dialects()) {
  describe(`ensureBootstrapKey [${dialect.name}]`, () => {
    test("creates account default with an owner key on the first start only", async () => {
      const store = await dialect.open();
      try {
        const key = await ensureBootstrapKey(store, 1000);
        assert.ok(key?.startsWith("od_"));
        assert.equal(await ensureBootstrapKey(store, 2000), null);
        const accounts = await store.db.selectFrom("accounts").selectAll().execute();
        assert.deepEqual(
          accounts.map((a) => a.name),
          ["default"],
        );
        const keys = await store.db.selectFrom("api_keys").selectAll().execute();
        assert.equal(keys.length, 1);
        assert.equal(keys[0].role, "owner");
        assert.equal(keys[0].hash, hashApiKey(key!));
      } finally {
        await store.close();
      }
    });
  });
}
