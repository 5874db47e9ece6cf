// A webhook URL whose scheme is in capitals (HTTPS://…, as some CRMs and copy-pastes give it) is one a
// request can go to: schemes are case-insensitive (RFC 3986 §3.1), new URL() reads it as https: and
// webhookUrlProblem finds nothing wrong with it. The schema's pattern ^https?:// refused it 400. It is now
// taken, and stored as the URL it is (new URL().href), so every reader sees one spelling of it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "./helpers.ts";

describe("webhook URL scheme case", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  test("a subscription's URL with its scheme in capitals is taken, and stored normalised", async () => {
    const made = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "HTTPS://Hooks.Example.com/outdial?x=1", events: ["attempt.ended"] },
    });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().url, "https://hooks.example.com/outdial?x=1");
    const id = made.json().id;
    const read = await f.call({ method: "GET", url: `/v1/webhooks/${id}` });
    assert.equal(read.json().url, "https://hooks.example.com/outdial?x=1");

    const edited = await f.call({
      method: "PATCH",
      url: `/v1/webhooks/${id}`,
      payload: { url: "Http://hooks.example.org:80" },
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.equal(edited.json().url, "http://hooks.example.org/");
  });

  test("other schemes, whatever their case, are still refused", async () => {
    for (const url of ["FTP://hooks.example.com/x", "httpx://hooks.example.com/x", "HTTPS://has space"]) {
      const res = await f.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url, events: ["attempt.ended"] },
      });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
    }
  });
});
