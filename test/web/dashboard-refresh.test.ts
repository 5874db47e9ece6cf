// The dashboard's refresh (every 2 s) in a real browser (Debian's Chromium, driven by playwright-core): a
// campaign whose explain fails says so in its row, its detail and the header instead of showing made-up
// zeros; a failed read of the selected campaign's report, agents or pacing says so in that part of the
// detail, and the board stays live (it failed the whole refresh: "not live" over rows just refreshed, and
// the next refreshes 2, 4, 8 … 30 s apart while that campaign was selected: webdesk10); rows are updated in
// place, so a click straddling a refresh still lands and a keyboard user's focus on a row's button stays
// there. Under CI (or OUTDIAL_REQUIRE_BROWSER=1) a missing Chromium fails the suite.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { Page, Request, Route } from "playwright-core";
import { chromiumSkip } from "../helpers/browser.ts";
import { campaignWithContacts, dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard refresh in Chromium", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();
  const pageErrors: string[] = [];

  /** A campaign of `contacts` contacts, a draft. */
  const campaign = async (name: string, contacts = 0): Promise<number> =>
    (await campaignWithContacts(s.f, name, contacts)).id;

  async function status(id: number): Promise<string> {
    const row = await s.f.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    return row.status;
  }

  /** A page signed in with the owner's key, once `id`'s row is drawn; `setup` runs before it opens. */
  const signedIn = (id: number, setup?: (page: Page) => Promise<unknown>): Promise<Page> =>
    openDashboard(s.browser, s.base, s.f.key, {
      errors: pageErrors,
      setup,
      waitFor: [`#campaigns tr[data-id="${id}"] [data-field="status"]`, "#updated:text-matches('^updated')"],
    });

  /** Waits for the page's next refresh to finish (the header's time changes: refreshes are ≥ 2 s apart). */
  async function nextRefresh(page: Page): Promise<void> {
    const before = await page.textContent("#updated");
    await page.waitForFunction(
      (was) => {
        const now = document.getElementById("updated")?.textContent ?? "";
        return now !== was && now.startsWith("updated");
      },
      before,
      { timeout: 10_000 },
    );
  }

  const cell = (page: Page, id: number, field: string) =>
    page.locator(`#campaigns tr[data-id="${id}"] [data-field="${field}"]`);

  test("a campaign whose explain fails says so, in its row, its detail and the header, not 0 pending", async () => {
    const broken = await campaign("Spring renewals", 40);
    const fine = await campaign("Autumn renewals", 7);
    let failing = true;
    const page = await signedIn(broken, (p) =>
      // The API answers every other call; this campaign's explain fails as a server error would.
      p.route(`**/v1/campaigns/${broken}/explain`, (route) =>
        failing
          ? route.fulfill({
              status: 500,
              contentType: "application/json",
              body: JSON.stringify({ error: { code: "internal", message: "database is locked" } }),
            })
          : route.continue(),
      ),
    );
    assert.equal(await cell(page, broken, "now").textContent(), "could not explain: database is locked");
    for (const field of ["pending", "succeeded", "failed", "in-flight"]) {
      assert.equal(await cell(page, broken, field).textContent(), "–", `${field} is not known, not 0`);
    }
    assert.equal(await cell(page, broken, "status").textContent(), "draft", "the list's status still shows");
    assert.equal(await cell(page, broken, "progress").getAttribute("title"), "not known");
    assert.match((await page.textContent("#updated")) ?? "", /could not explain 1 of \d+ campaigns/);
    // The other campaign's figures are its own.
    assert.equal(await cell(page, fine, "pending").textContent(), "7");
    assert.match((await cell(page, fine, "now").textContent()) ?? "", /draft; start it to dial/);

    // Selected, its detail stays and says why it cannot tell what the campaign is waiting for.
    await page.locator(`#campaigns tr[data-id="${broken}"]`).click();
    await page.waitForSelector("#detail:not([hidden]) #reasons li.error");
    assert.equal(await page.textContent("#reasons"), "could not explain: database is locked");
    assert.equal(await page.textContent("#waiting"), "not known");
    assert.match((await page.textContent("#detail-title")) ?? "", /Spring renewals/);
    await page.waitForSelector("#results td:text('attempts')");

    // Once explain answers again, so does the page.
    failing = false;
    await page.waitForSelector(`#campaigns tr[data-id="${broken}"] [data-field="pending"]:text-is("40")`);
    await page.waitForSelector("#reasons li:has-text('draft; start it to dial')");
    await nextRefresh(page);
    assert.doesNotMatch((await page.textContent("#updated")) ?? "", /could not explain/);
    assert.equal(await page.locator("#campaigns .error").count(), 0);
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  /** The times of the page's next `n` reads of the list (each refresh starts with one). */
  const nextListReads = (page: Page, n: number): Promise<number[]> =>
    new Promise((resolve) => {
      const times: number[] = [];
      const seen = (req: Request) => {
        if (!req.url().endsWith("/v1/campaigns?limit=100")) return;
        times.push(Date.now());
        if (times.length < n) return;
        page.off("request", seen);
        resolve(times);
      };
      page.on("request", seen);
    });

  /** Answers a route with `status` and an error saying `message`. */
  const failWith = (status: number, message: string) => (route: Route) =>
    route.fulfill({
      status,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "unavailable", message } }),
    });

  test("the selected campaign's report failing says so in its detail; the board stays live, every 2 s", async () => {
    const id = await campaign("Big one", 3);
    const page = await signedIn(id, (p) =>
      p.route("**/v1/campaigns/*/report*", failWith(503, "report timed out")),
    );
    await page.locator(`#campaigns tr[data-id="${id}"]`).click();
    await page.waitForSelector("#results td.error, #updated:text-matches('not live')");
    assert.doesNotMatch((await page.textContent("#updated")) ?? "", /not live/);
    assert.equal(await page.textContent("#results"), "not known: report timed out");
    assert.match((await page.textContent("#reasons")) ?? "", /draft; start it to dial/);
    // Three refreshes with the campaign selected, each 2 s after the last (not 2, 4 then 8 s).
    const reads = await nextListReads(page, 4);
    const gaps = reads.slice(1).map((t, i) => t - reads[i]);
    assert.ok(
      gaps.every((gap) => gap < 3800),
      `refreshes ${JSON.stringify(gaps)} ms apart`,
    );
    await nextRefresh(page);
    assert.match((await page.textContent("#updated")) ?? "", /^updated [^;]*$/, "live, nothing failed");
    assert.equal(await page.locator("#board.stale").count(), 0, "the board is not marked stale");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("agents and pacing that cannot be read say so in their place; the results still show", async () => {
    const id = (await campaignWithContacts(s.f, "Desk", 2, { dialMethod: "progressive" })).id;
    const page = await signedIn(id, async (p) => {
      await p.route("**/v1/agents*", failWith(500, "agents unavailable"));
      await p.route(`**/v1/campaigns/${id}/pacing`, failWith(503, "pacing unavailable"));
    });
    await page.locator(`#campaigns tr[data-id="${id}"]`).click();
    await page.waitForSelector("#agents td.error, #updated:text-matches('not live')");
    assert.doesNotMatch((await page.textContent("#updated")) ?? "", /not live/);
    assert.equal(await page.isVisible("#agents-box"), true);
    assert.equal(await page.textContent("#agents"), "not known: agents unavailable");
    assert.equal(await page.textContent("#pacing.error"), "not known: pacing unavailable");
    await page.waitForSelector("#results td:text('attempts')");
    await nextRefresh(page);
    assert.equal(await page.locator("#board.stale").count(), 0, "the board is not marked stale");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("a click on a button whose press and release straddle a refresh still lands", async () => {
    const id = await campaign("Click me");
    const page = await signedIn(id);
    const button = page.locator(`#campaigns tr[data-id="${id}"] button[data-command="start"]`);
    const box = await button.boundingBox();
    assert.ok(box);
    await button.evaluate((b) => {
      (window as unknown as { pressed: Element }).pressed = b;
    });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await nextRefresh(page);
    const kept = await page.evaluate(() => (window as unknown as { pressed: Element }).pressed.isConnected);
    await page.mouse.up();
    // The press and release make a click: the campaign starts (or the refusal says why).
    await page
      .waitForSelector(`#campaigns tr[data-id="${id}"] [data-field="status"]:text-is("running")`, {
        timeout: 15_000,
      })
      .catch(() => {});
    assert.equal(
      await status(id),
      "running",
      `the click was lost (notice: ${await page.textContent("#notice")})`,
    );
    assert.equal(kept, true, "the refresh kept the button being pressed");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("keyboard focus on a row's button stays there across refreshes, and on the row when it acts", async () => {
    const id = await campaign("Keyboard");
    const page = await signedIn(id);
    const start = page.locator(`#campaigns tr[data-id="${id}"] button[data-command="start"]`);
    await start.focus();
    await start.evaluate((b) => {
      (window as unknown as { focused: Element }).focused = b;
    });
    await nextRefresh(page);
    await nextRefresh(page);
    assert.equal(
      await page.evaluate(
        () => document.activeElement === (window as unknown as { focused: Element }).focused,
      ),
      true,
      "the same button still has the focus",
    );

    // Enter on it starts the campaign: the buttons change with the status, and the focus stays on the row,
    // on the row itself, not on "pause" drawn where "start" was (a second Enter would pause it: web8).
    await page.keyboard.press("Enter");
    await page.waitForSelector(`#campaigns tr[data-id="${id}"] [data-field="status"]:text-is("running")`);
    assert.equal(await status(id), "running");
    assert.deepEqual(
      await page.evaluate(() => {
        const active = document.activeElement;
        return [active?.tagName, active?.closest("tr")?.getAttribute("data-id")];
      }),
      ["TR", String(id)],
    );
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("rows follow the list: a new campaign appears in its place, a deleted one goes, none twice", async () => {
    const id = await campaign("Stays");
    const gone = await campaign("Goes");
    const page = await signedIn(id);
    const kept = await page.locator(`#campaigns tr[data-id="${id}"]`).elementHandle();
    const added = await campaign("Arrives", 3);
    const del = await s.f.call({ method: "DELETE", url: `/v1/campaigns/${gone}` });
    assert.ok(del.statusCode < 300, del.body);
    await page.waitForSelector(`#campaigns tr[data-id="${added}"] [data-field="pending"]:text-is("3")`);
    await page.waitForSelector(`#campaigns tr[data-id="${gone}"]`, { state: "detached" });
    const list = await s.f.call({ method: "GET", url: "/v1/campaigns?limit=100" });
    const ids = (list.json() as { data: { id: number }[] }).data.map((c) => String(c.id));
    assert.deepEqual(
      await page
        .locator("#campaigns tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id"))),
      ids,
      "the rows are the list's campaigns in its order",
    );
    assert.equal(await kept?.evaluate((row) => row.isConnected), true, "an unchanged campaign keeps its row");
    assert.equal(
      await page.locator(`#campaigns tr[data-id="${added}"] [data-field="name"]`).textContent(),
      "Arrives",
    );
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });
});
