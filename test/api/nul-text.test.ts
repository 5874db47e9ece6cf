// PostgreSQL refuses NUL in text; the native API refuses it first, as a 400 naming the field, on both
// dialects, so SQLite does not store what PostgreSQL could not.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { apiFixture } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`native API on ${dialect.name}`, () => {
    test("a NUL character in the body, a query or a path is a 400 naming the field; nothing is stored", async () => {
      const f = await apiFixture(dialect.open);
      try {
        const created = await f.call({
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: "reminders\u0000", settings: { maxConcurrent: 2 } },
        });
        assert.equal(created.statusCode, 400, created.body);
        assert.equal(created.json().error.code, "invalid_request");
        assert.equal(created.json().error.field, "body.name");
        assert.match(created.json().error.message, /NUL/);

        const nested = await f.call({
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: "ok", settings: { weeklySchedule: { zone: "Europe/Berlin\u0000" } } },
        });
        assert.equal(nested.statusCode, 400, nested.body);
        assert.equal(nested.json().error.field, "body.settings.weeklySchedule.zone");

        const listed = await f.call({ method: "GET", url: "/v1/campaigns" });
        assert.equal(listed.statusCode, 200, listed.body);
        assert.deepEqual(listed.json().data, [], "nothing was stored");

        const query = await f.call({ method: "GET", url: "/v1/campaigns?q=a%00b" });
        assert.equal(query.statusCode, 400, query.body);
        assert.equal(query.json().error.field, "querystring.q");

        const path = await f.call({ method: "GET", url: "/v1/dnc/%2B1212%00" });
        assert.equal(path.statusCode, 400, path.body);
        assert.match(path.json().error.field, /^params\./);

        const unauthenticated = await f.call({
          method: "POST",
          url: "/v1/campaigns",
          key: null,
          payload: { name: "x\u0000" },
        });
        assert.equal(unauthenticated.statusCode, 401, "authentication comes before the body is looked at");
      } finally {
        await f.close();
      }
    });
  });
}
