// What the request log may show: no API key (the Authorization header) and no JAICP campaign token (a
// secret in the path), whatever the request and its answer.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture } from "./helpers.ts";

let f: ApiFixture;
const lines: string[] = [];

before(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  f = await apiFixture(undefined, { OUTDIAL_LOG_LEVEL: "info" }, { stream });
});
after(() => f.close());

test("requests are logged with their path, without the API key or the campaign token", async () => {
  const campaign = await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "bot calls" } });
  const campaignId = campaign.json().id as number;
  const created = await f.call({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/tokens`,
    payload: { name: "j" },
  });
  const token = created.json().token as string;
  assert.match(token, /^ct_/);
  const ok = await f.call({
    method: "GET",
    url: `/api/calls/campaign/${token}/addPhone?phone=79110000000`,
    key: null,
  });
  assert.equal(ok.statusCode, 200, ok.body);
  const refused = await f.call({
    method: "POST",
    url: `/api/calls/campaign/${token}/addPhones`,
    key: null,
    payload: {},
  });
  assert.equal(refused.statusCode, 400);

  const log = lines.join("");
  assert.match(log, /"url":"\/api\/calls\/campaign\/\[redacted\]\/addPhone\?phone=79110000000"/);
  assert.match(log, /"url":"\/api\/calls\/campaign\/\[redacted\]\/addPhones"/);
  assert.match(
    log,
    new RegExp(`"url":"/v1/campaigns/${campaignId}/tokens"`),
    "other paths are logged as they are",
  );
  assert.equal(log.includes(token), false, "the campaign token is never in the log");
  assert.equal(log.includes(token.slice(3)), false);
  assert.equal(log.includes(f.key), false, "nor the API key");
});
