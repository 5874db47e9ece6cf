// A POST with `Content-Type: application/json` and an empty body, as fetch and axios wrappers with default
// headers and `curl -H 'content-type: application/json' -X POST` send it, is read as no body on a route that
// needs none: a campaign's start, pause, resume, stop and recover, a list's reset (its body is optional in
// /v1/openapi.json). Fastify's JSON parser refused all of them with a 400 "Body cannot be empty when
// content-type is set to 'application/json'" naming no field. A route that needs a body (creating a list,
// JAICP's addPhones) refuses an empty one as one without a body, naming the field `body`; a body sent to
// the reset is still read.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

const JSON_TYPE = { "content-type": "application/json" };

describe("an empty JSON body", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const postEmpty = (url: string, key?: string | null) =>
    f.call({ method: "POST", url, headers: JSON_TYPE, payload: "", key });

  test("is no body on a campaign's actions, which take none", async () => {
    const { id } = await createCampaignViaApi(f, { name: "actions" });
    const steps: [string, string][] = [
      ["start", "running"],
      ["pause", "paused"],
      ["resume", "running"],
      ["stop", "stopped"],
      ["recover", "running"],
    ];
    for (const [action, status] of steps) {
      const res = await postEmpty(`/v1/campaigns/${id}/${action}`);
      assert.equal(res.statusCode, 200, `${action}: ${res.body}`);
      assert.equal(res.json().status, status, action);
    }
  });

  test("is no body on a list's reset, whose body is optional: answered as a reset with none", async () => {
    const { id, listId } = await createCampaignViaApi(f, { name: "reset" });
    const url = `/v1/campaigns/${id}/lists/${listId}/reset`;
    const bare = await f.call({ method: "POST", url });
    assert.equal(bare.statusCode, 200, bare.body);
    const typed = await postEmpty(url);
    assert.equal(typed.statusCode, 200, typed.body);
    assert.deepEqual(typed.json(), bare.json());
  });

  test("a body sent to the reset is still read and validated", async () => {
    const { id, listId } = await createCampaignViaApi(f, { name: "reset body" });
    const res = await f.call({
      method: "POST",
      url: `/v1/campaigns/${id}/lists/${listId}/reset`,
      payload: { statuses: ["pending"] },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(errorOf(res).code, "invalid_request");
  });

  test("is still a 400 on a route that needs a body", async () => {
    const { id } = await createCampaignViaApi(f, { name: "needs body" });
    const res = await postEmpty(`/v1/campaigns/${id}/lists`);
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(errorOf(res), {
      code: "invalid_request",
      message: "body must be an object (got null)",
      field: "body",
    });
  });

  test("is still a 400 on JAICP addPhones, which reads JSON its own way", async () => {
    const { id } = await createCampaignViaApi(f, { name: "bot" });
    const token = (
      await f.call({ method: "POST", url: `/v1/campaigns/${id}/tokens`, payload: { name: "j" } })
    ).json().token;
    const res = await postEmpty(`/api/calls/campaign/${token}/addPhones`, null);
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(errorOf(res), {
      code: "invalid_request",
      message: "body must be a list (got null)",
      field: "body",
    });
  });
});
