// A webhook URL is checked the way a request will use it: the pattern let through hosts and ports no request
// can reach (every event then went dead), and credentials in the URL, which are never sent and were shown to
// every reader of the subscription. Native subscriptions and Twin24 webhookUrls alike.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { seedBody } from "../compat/twin24/helpers.ts";
import { type ApiFixture, apiFixture } from "./helpers.ts";

describe("webhook URLs", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const refused = [
    ["http://example.com:99999/hook", /not a URL a request can be sent to/],
    ["https://example.com:0/hook", /not a URL a request can be sent to \(port 0\)/],
    ["http://exa%mple.com/", /not a URL a request can be sent to/],
    ["http://[::1/", /not a URL a request can be sent to/],
    ["https://user:secret@example.com/hook", /user name or password/],
  ] as const;

  for (const [url, reason] of refused) {
    test(`${url}: a 400 naming body.url`, async () => {
      const create = await f.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url, events: ["attempt.ended"] },
      });
      assert.equal(create.statusCode, 400, create.body);
      assert.equal(create.json().error.field, "body.url");
      assert.match(create.json().error.message, reason);
      assert.doesNotMatch(create.body, /secret@/, "the refusal does not echo a password");
    });
  }

  test("an edit to an unusable URL is refused; a good one is taken", async () => {
    const made = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "https://example.com/hook", events: ["attempt.ended"] },
    });
    assert.equal(made.statusCode, 201, made.body);
    const id = made.json().id;
    const bad = await f.call({
      method: "PATCH",
      url: `/v1/webhooks/${id}`,
      payload: { url: "http://a:b@example.com/" },
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(bad.json().error.field, "body.url");
    const good = await f.call({
      method: "PATCH",
      url: `/v1/webhooks/${id}`,
      payload: { url: "https://example.org/h" },
    });
    assert.equal(good.statusCode, 200, good.body);
    assert.equal(good.json().url, "https://example.org/h");
  });

  test("a Twin24 task's webhookUrls entry with credentials is a 400 naming the entry; no task is made", async () => {
    const body = {
      ...seedBody(),
      startType: "manual",
      webhookUrls: ["https://example.com/ok", "https://u:p@example.com/h"],
    };
    const res = await f.call({ method: "POST", url: "/cis/api/v1/telephony/autoCall", payload: body });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.body, /webhookUrls\[1\]/);
    const hooks = await f.call({ method: "GET", url: "/v1/webhooks" });
    assert.ok(!hooks.body.includes("example.com/ok"), "nothing subscribed");
  });
});
