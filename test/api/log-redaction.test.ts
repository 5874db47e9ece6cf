// Secrets some faces carry in the path (JAICP's campaign token) never reach the request log, however the
// path is spelled: the router decodes percent-escapes before matching, so the redaction must too.
import assert from "node:assert/strict";
import { test } from "node:test";
import { urlForLog } from "../../src/app.ts";

test("a campaign token in the path is redacted, percent-encoded or not", () => {
  for (const url of [
    "/api/calls/campaign/SeCrEt123/addPhone?phone=1",
    "/api/calls/%63ampaign/SeCrEt123/addPhone",
    "/api/%63alls/campaign/SeCrEt123/addPhones",
    "/api/calls/campaign/%53eCrEt123/addPhone",
    // The router does not match an escaped slash, but the 404's log line must not show the token either.
    "/api/calls/campaign%2FSeCrEt123/addPhone",
    "/api/calls/campaign%2fSeCrEt123/addPhone",
    // A malformed escape elsewhere must not keep the path from being decoded.
    "/api/calls/%63ampaign/SeCrEt123/addPhone?phone=1&x=%",
    "/api/calls/%63ampaign/SeCrEt123/addPhone?x=%ZZ",
  ]) {
    const shown = urlForLog(url);
    assert.ok(!/SeCrEt123|%53eCrEt123/.test(shown), `${url} → ${shown}`);
    assert.match(shown, /\/api\/calls\/campaign\/\[redacted\]\/addPhones?/);
  }
  // Malformed paths (404s) whose log line must not show the token either.
  for (const url of ["/api/calls/campaign//SeCrEt123/addPhone", "/API/Calls/Campaign/SeCrEt123/addPhone"]) {
    const shown = urlForLog(url);
    assert.ok(!/SeCrEt123/.test(shown), `${url} → ${shown}`);
  }
  assert.equal(urlForLog("/v1/campaigns/1"), "/v1/campaigns/1");
  assert.equal(urlForLog("/v1/contacts?q=%ZZ"), "/v1/contacts?q=%ZZ");
});
