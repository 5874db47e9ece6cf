// On a cluster, a campaign another node dispatches is explained by this one as dialing, with the
// non-blocking reason other_node ("… calls in flight and the last pass shown here are this node's"). The
// page showed "dialing" alone and this node's 0 calls in flight, in the row and the detail, dropping the
// caveat: a supervisor read "0 calls in flight" for a campaign that may have had its 10 lines busy (web8).
// Now the reasons that do not block are shown beside "dialing", and In flight says it is this node's.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "../api/helpers.ts";
import { chromiumSkip, launchChromium } from "../helpers/browser.ts";

describe("dashboard of a campaign another node dispatches", { skip: chromiumSkip }, () => {
  let f: ApiFixture;
  let base: string;
  let browser: Browser;
  before(async () => {
    f = await apiFixture();
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await f?.close();
  });

  test("the row and the detail say the figures are this node's, not the dispatching node's", async () => {
    const c = await createCampaignViaApi(f, {
      name: "Elsewhere",
      settings: { calleeWindow: { from: "00:00", to: "24:00" } },
    });
    await insertContacts(
      f.store,
      { accountId: f.accountId, campaignId: c.id, listId: c.listId },
      Array.from({ length: 5 }, (_, i) => ({ phones: JSON.stringify([`+1415555${5000 + i}`]) })),
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

    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${base}/dashboard/`);
    await page.fill("#key", f.key);
    await page.click("#key-form button");
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
