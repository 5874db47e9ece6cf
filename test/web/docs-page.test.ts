// The interactive docs page at /docs under a query string (a shared link's ?utm_source=…): swagger-ui finds
// its document at location.href + "/./json", which under a query is the page itself, so the page is sent
// to its own address without the query; in Chromium (driven by playwright-core) it then shows every
// operation. Under CI (or OUTDIAL_REQUIRE_BROWSER=1) a missing Chromium fails the suite.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { type ApiFixture, apiFixture } from "../api/helpers.ts";
import { chromiumSkip } from "../helpers/browser.ts";
import { dashboardSuite } from "../helpers/dashboard.ts";

describe("docs page under a query string", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(async () => {
    await f?.close();
  });

  test("the page's addresses with a query send to the same address without it", async () => {
    for (const [url, to] of [
      ["/docs?utm_source=wiki", "/docs"],
      ["/docs/?x=1", "/docs/"],
      ["/docs/static/index.html?x=1", "/docs/static/index.html"],
    ]) {
      for (const method of ["GET", "HEAD"] as const) {
        const res = await f.call({ method, url, key: null });
        assert.equal(res.statusCode, 302, `${method} ${url}`);
        assert.equal(res.headers.location, to, `${method} ${url}`);
        assert.equal(res.headers["x-frame-options"], "DENY", `${method} ${url}`);
      }
    }
    // Without a query, the page as ever; the document and the page's files keep theirs.
    const page = await f.call({ method: "GET", url: "/docs", key: null });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    const doc = await f.call({ method: "GET", url: "/docs/json?x=1", key: null });
    assert.equal(doc.statusCode, 200);
    assert.equal((doc.json() as { openapi: string }).openapi, "3.1.0");
    const script = await f.call({ method: "GET", url: "/docs/static/swagger-initializer.js?v=1", key: null });
    assert.equal(script.statusCode, 200);
  });
});

describe("docs page in Chromium", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();

  for (const [path, shown] of [
    ["/docs", "/docs"],
    ["/docs?utm_source=wiki", "/docs"],
    ["/docs/?utm_source=wiki&utm_medium=chat", "/docs/"],
    ["/docs?utm_source=wiki#/campaigns", "/docs#/campaigns"],
  ]) {
    test(`${path} shows the API's operations`, async () => {
      const page = await s.browser.newPage();
      const documents: string[] = [];
      page.on("response", (res) => {
        if (new URL(res.url()).pathname.endsWith("/json")) documents.push(`${res.status()} ${res.url()}`);
      });
      await page.goto(`${s.base}${path}`);
      const ops = await page
        .waitForSelector(".opblock", { timeout: 20_000 })
        .then(() => page.locator(".opblock").count())
        .catch(() => 0);
      assert.ok(ops > 50, `${path}: ${ops} operations shown (documents read: ${documents.join(", ")})`);
      const url = new URL(page.url());
      assert.equal(`${url.pathname}${url.search}${url.hash}`, shown);
      await page.close();
    });
  }
});
