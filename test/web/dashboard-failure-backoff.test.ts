// After a failed refresh the page tries again on a capped back-off (2 s, 4 s, 8 s, … up to 30 s); the idle
// factor (waiting 10 times as long as the last refresh took) follows good refreshes only. It followed failed
// ones too: a refresh that failed slowly (a gateway timing out after 4 s while the node restarted) put the
// next try 40 s off, and the page said "could not refresh" for 40 s after the server was back (web8).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCampaignViaApi } from "../api/helpers.ts";
import { chromiumSkip } from "../helpers/browser.ts";
import { dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard after failed refreshes", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();

  test("the page is back within a retry of the server answering again, the retries 2 s then 4 s apart", async () => {
    const c = await createCampaignViaApi(s.f, { name: "Back", settings: {} });
    const page = await openDashboard(s.browser, s.base, s.f.key, {
      waitFor: ["#updated:text-matches('^updated')"],
    });
    // The next list read fails after 4 s (a gateway timing out while the node restarts), the one after it
    // at once; then all is well.
    const tries: number[] = [];
    await page.route("**/v1/campaigns?limit=100", async (route) => {
      tries.push(Date.now());
      if (tries.length > 2) return route.continue();
      if (tries.length === 1) await new Promise((r) => setTimeout(r, 4000));
      await route.fulfill({
        status: 504,
        contentType: "application/json",
        body: '{"error":{"code":"gateway_timeout","message":"upstream timed out"}}',
      });
    });
    await page.waitForSelector("#updated:text-matches('could not refresh')", { timeout: 15_000 });
    const failedAt = Date.now();
    assert.equal((await s.f.call({ method: "POST", url: `/v1/campaigns/${c.id}/start` })).statusCode, 200);
    await page
      .locator(`#campaigns tr[data-id="${c.id}"] [data-field="status"]:text-is("running")`)
      .waitFor({ timeout: 15_000 })
      .catch(() => {});
    const header = (await page.textContent("#updated")) ?? "";
    const backAfter = Date.now() - failedAt;
    await page.close();
    assert.ok(tries.length >= 3, `header "${header}"`);
    // The retries: 2 s after the slow failure (not 40 s), then 4 s after the quick one.
    const gaps = [tries[1] - tries[0] - 4000, tries[2] - tries[1]];
    // Bounds loose above (a loaded CI machine is late), each below the next step's and far below 40 s.
    assert.ok(gaps[0] >= 1800 && gaps[0] < 3800, `first retry after ${gaps[0]} ms`);
    assert.ok(gaps[1] >= 3800 && gaps[1] < 7500, `second retry after ${gaps[1]} ms`);
    assert.ok(backAfter < 14_000, `${backAfter} ms after the first failure the page still says "${header}"`);
    assert.match(header, /^updated /);
  });
});
