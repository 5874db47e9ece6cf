// A campaign-token route (GET addPhone, POST addPhones) reads only the token in its path, so its 401 (a
// revoked or mistyped token) must not invite the app's Bearer or Basic credentials: a browser opening a
// revoked addPhone link would pop a login no password can pass, and a client answering the challenge with
// the owner's API key is refused again. It carries a challenge of its own scheme (RFC 9110 §11.6.1 wants
// one on every 401) that no client answers by itself; the native routes keep challenging Bearer and Basic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();
const CAMPAIGN_TOKEN_CHALLENGE = 'CampaignToken realm="outdial", in="path"';

test("a campaign-token route's 401 challenges its own scheme, not Bearer or Basic", async () => {
  const get = await face.addPhone("phone=79110000000", "ct_not_a_token");
  const post = await face.addPhones([{ phone: 79110000000 }], "ct_not_a_token");
  for (const res of [get, post]) {
    assert.equal(res.statusCode, 401, res.body);
    assert.match(res.json().error.message, /campaign token is not valid or has been revoked/);
    assert.equal(res.headers["www-authenticate"], CAMPAIGN_TOKEN_CHALLENGE);
  }
});

test("doing what Bearer would ask (the owner's API key) does not pass a campaign-token route", async () => {
  const res = await face.f.call({
    method: "GET",
    url: "/api/calls/campaign/ct_not_a_token/addPhone?phone=79110000000",
    key: face.f.key,
  });
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.headers["www-authenticate"], CAMPAIGN_TOKEN_CHALLENGE);
});

test("a native route's 401 still challenges Bearer and Basic", async () => {
  const res = await face.f.call({ method: "GET", url: "/v1/campaigns", key: null });
  assert.equal(res.statusCode, 401, res.body);
  assert.match(String(res.headers["www-authenticate"]), /^Bearer realm="outdial", Basic realm="outdial"/);
});
