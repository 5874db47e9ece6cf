import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toErrorResponse } from "../../src/api/plugins/errors.ts";
import { EngineError } from "../../src/engine/types.ts";
import { ImportError } from "../../src/lists/errors.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

describe("error rendering", () => {
  test("an ImportError keeps its status, code and field, and names the row", () => {
    const err = new ImportError({
      code: "bad_header",
      status: 400,
      message: "no phone column",
      field: "file",
      row: 12,
    });
    assert.deepEqual(toErrorResponse(err), {
      status: 400,
      body: { error: { code: "bad_header", message: "no phone column (row 12)", field: "file", row: 12 } },
    });
  });

  test("an EngineError keeps its status and code", () => {
    assert.deepEqual(toErrorResponse(new EngineError("campaign_ended", "it ended", 409)), {
      status: 409,
      body: { error: { code: "campaign_ended", message: "it ended" } },
    });
  });

  test("anything else is a 500 that says nothing of its cause", () => {
    const res = toErrorResponse(new Error("SQLITE_CORRUPT at /var/lib/outdial/secret.db"));
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, "internal_error");
    assert.ok(!res.body.error.message.includes("secret"));
  });
});

for (const dialect of dialects()) {
  describe(`errors through the app [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("an unexpected failure is a 500 internal_error without details", async () => {
      const { id } = await createCampaignViaApi(f);
      const explain = f.engine.explain;
      f.engine.explain = async () => {
        throw new Error("connection to postgres://outdial:hunter2@db failed");
      };
      try {
        const res = await f.call({ method: "GET", url: `/v1/campaigns/${id}/explain` });
        assert.equal(res.statusCode, 500);
        assert.equal(errorOf(res).code, "internal_error");
        assert.ok(!res.body.includes("hunter2"));
      } finally {
        f.engine.explain = explain;
      }
    });

    test("the import routes are authorized as contacts:write and render ImportErrors", async () => {
      const { id, listId } = await createCampaignViaApi(f);
      const url = `/v1/campaigns/${id}/lists/${listId}/contacts`;
      const payload = { contacts: [{ phone: "+12125550100" }] };
      const supervisor = await f.keyWithRole("supervisor");
      assert.equal((await f.call({ method: "POST", url, payload, key: supervisor })).statusCode, 403);
      assert.equal((await f.call({ method: "POST", url, payload, key: null })).statusCode, 401);

      const manager = await f.keyWithRole("call_list_manager");
      const added = await f.call({ method: "POST", url, payload, key: manager });
      assert.equal(added.statusCode, 200, added.body);
      const wakes = f.engine.wakes;
      assert.ok(wakes >= 1, "the import woke the engine");

      const other = await f.newAccount("other");
      const foreign = await f.call({ method: "POST", url, payload, key: other.key });
      assert.equal(foreign.statusCode, 404);
      assert.equal(errorOf(foreign).code, "campaign_not_found");
    });
  });
}
