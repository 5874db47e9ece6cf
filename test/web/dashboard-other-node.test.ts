// On a cluster, a campaign another node dispatches is explained by this one as dialing, with the
// non-blocking reason other_node ("… calls in flight and the last pass shown here are this node's"). The
// page showed "dialing" alone and this node's 0 calls in flight, in the row and the detail, dropping the
// caveat: a supervisor read "0 calls in flight" for a campaign that may have had its 10 lines busy (web8).
// Now the reasons that do not block are shown beside "dialing", and In flight says it is this node's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chromiumSkip } from "../helpers/browser.ts";
import { campaignWithContacts, dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard of a campaign another node dispatches", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();

  test("the row and the detail say the figures are this node's, not the dispatching node's", async () => {
    const { f } = s;
    const c = await campaignWithContacts(
      f,
      "Elsewhere",
      5,
      { calleeWindow: { from: "00:00", to: "24:00" } },
      { firstPhone: 5000 },
    );
    // Node "node-b" of the cluster holds the campaign's dispatch lease (as holdCampaigns writes it).
    await f.store.db
      .insertInto("campaign_leases")
      .values({ campaign_id: c.id, node_id: "node-b", expires_at: f.clock.now() + 3_600_000 })
      .execute();
    const started = await f.call({ method: "POST", url: `/v1/campaigns/${c.id}/start` });
    assert.equal(started.statusCode, 200, started.body);
    const why = (await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/explain` })).json();
    assert.equal(why.dialing, true);
    assert.deepEqual(
      why.reasons.map((r: { code: string }) => r.code),
      ["other_node"],
      "the API says so",
    );
    const message: string = why.reasons[0].message;
    assert.match(message, /node node-b dispatches this campaign/);

    const page = await openDashboard(s.browser, s.base, f.key);
    const row = page.locator(`#campaigns tr[data-id="${c.id}"]`);
    await row.locator('[data-field="status"]:text-is("running")').waitFor();
    await row.locator('[data-field="now"] .note').waitFor();
    assert.equal(await row.locator('[data-field="now"]').textContent(), `dialing${message}`);
    assert.equal(await row.locator('[data-field="now"] .note').getAttribute("data-code"), "other_node");
    const inFlight = row.locator('[data-field="in-flight"]');
    assert.equal(await inFlight.textContent(), "0 on this node");
    assert.equal(await inFlight.getAttribute("title"), message);
    await row.click();
    await page.waitForSelector("#detail:not([hidden]) #reasons li");
    assert.deepEqual(await page.locator("#reasons li").allTextContents(), ["dialing now", message]);
    await page.close();
  });
});
