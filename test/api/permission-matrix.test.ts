// The permission matrix, route by route: every operation of every face names its permission in the
// OpenAPI document (x-permission), and for each role a request is refused with 403 exactly when the matrix
// says the role lacks that permission. Refusal comes before any validation or lookup, so an empty body
// and ids that do not exist are enough.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Permission, ROLES, roleAllows } from "../../src/api/plugins/permissions.ts";
import { type ApiFixture, apiFixture } from "./helpers.ts";

type Operation = { "x-permission"?: string };

/** A refusal in the face's own format: Voximplant's clients read errors from HTTP 200 answers, where a
 *  role's refusal is its code 104 (forbidden command). */
function refusal(path: string, res: { statusCode: number; json(): unknown }): number | null {
  if (path.startsWith("/platform_api") && res.statusCode === 200) {
    const code = (res.json() as { error?: { code?: number } }).error?.code;
    return code === 104 || code === 100 ? 403 : null;
  }
  return res.statusCode === 403 || res.statusCode === 401 ? res.statusCode : null;
}

describe("permission matrix", () => {
  let f: ApiFixture;
  let operations: { method: string; path: string; permission: string }[];
  before(async () => {
    f = await apiFixture();
    const doc = (await f.call({ method: "GET", url: "/v1/openapi.json" })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method, path, permission: op["x-permission"] ?? "" })),
    );
  });
  after(() => f.close());

  test("every operation names its permission", () => {
    assert.ok(operations.length > 50, `${operations.length} operations`);
    const missing = operations.filter((o) => o.permission === "");
    assert.deepEqual(missing, []);
  });

  test("each role × each route: 403 exactly where the matrix denies", async () => {
    const keys = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await f.keyWithRole(r)])));
    let checked = 0;
    for (const op of operations) {
      if (op.permission === "public" || op.permission === "campaign-token") continue;
      const url = op.path.replace(/\{[^}]+\}/g, "999999");
      const withBody = ["post", "put", "patch"].includes(op.method);
      for (const role of ROLES) {
        const allowed = roleAllows(role, op.permission as Permission);
        // An allowed event stream stays open for good; agent-actions.test.ts reads those over HTTP.
        if (allowed && op.path.endsWith("/events")) continue;
        const res = await f.call({
          method: op.method.toUpperCase() as "GET",
          url,
          key: keys[role],
          ...(withBody ? { payload: {} } : {}),
        });
        const what = `${role} ${op.method.toUpperCase()} ${op.path} (${op.permission}) → ${res.statusCode}`;
        if (allowed) assert.equal(refusal(op.path, res), null, what);
        else assert.equal(refusal(op.path, res), 403, what);
        checked++;
      }
    }
    assert.ok(checked >= 250, `${checked} checks`);
  });

  test("public and campaign-token routes need no key, and a key does not open a token route", async () => {
    const pub = operations.filter((o) => o.permission === "public").map((o) => o.path);
    assert.ok(pub.includes("/healthz"));
    const token = operations.filter((o) => o.permission === "campaign-token");
    assert.ok(token.length >= 2);
    for (const op of token) {
      const url = op.path.replace("{token}", "not-a-token");
      const res = await f.call({
        method: op.method.toUpperCase() as "GET",
        url: `${url}?phone=1`,
        payload: op.method === "post" ? [] : undefined,
      });
      assert.equal(res.statusCode, 401, `${op.method} ${op.path}`);
    }
  });
});
