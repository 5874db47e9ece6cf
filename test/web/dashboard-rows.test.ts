// Rows that move under the pointer. The board draws the newest campaign on top, so a campaign added (by
// someone else, a CRM) moves every row below it down a place, and one deleted moves them up: a click aimed
// at campaign A's "stop" a moment before landed on the "stop" of the campaign drawn there now, and stopped
// the wrong campaign (webdesk10). Only a row whose buttons were drawn again in place was held (HOLD_MS, the
// double-click fix). Now every row whose buttons moved on the screen, and every new row drawn among old
// ones, takes no click for 500 ms, whatever moved it: the rows around it, or a notice above the table
// wrapping onto more lines.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { chromiumSkip } from "../helpers/browser.ts";
import { campaignWithContacts, dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard: rows that move under the pointer", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();
  const pageErrors: string[] = [];

  /** A campaign, started unless `draft`. */
  const campaign = async (name: string, draft = false): Promise<number> =>
    (await campaignWithContacts(s.f, name, 0, {}, { start: !draft })).id;

  const status = async (id: number) =>
    (await s.f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status as string;

  /** A signed-in page once `id`'s stop shows, and the POSTs it sends (their paths). */
  async function open(id: number): Promise<{ page: Page; posts: string[] }> {
    const posts: string[] = [];
    const page = await openDashboard(s.browser, s.base, s.f.key, {
      errors: pageErrors,
      setup: (p) =>
        p.on("request", (req) => {
          if (req.method() === "POST") posts.push(new URL(req.url()).pathname);
        }),
      waitFor: [`#campaigns tr[data-id="${id}"] button[data-command="stop"]`],
    });
    return { page, posts };
  }

  /** The middle of campaign `id`'s "stop" button, where the user aims. */
  async function aimAtStop(page: Page, id: number): Promise<{ x: number; y: number }> {
    const box = await page
      .locator(`#campaigns tr[data-id="${id}"] button[data-command="stop"]`)
      .boundingBox();
    assert.ok(box);
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  /** The campaign whose row is at `spot` now. */
  const rowAt = (page: Page, spot: { x: number; y: number }) =>
    page.evaluate(
      ({ x, y }) => Number(document.elementFromPoint(x, y)?.closest("tr")?.getAttribute("data-id")),
      spot,
    );

  /**
   * Watches campaign `id`'s row from now: at the first redraw that moves it on the screen, whether its
   * buttons were disabled (held) then, read in the same task as the redraw (a MutationObserver's callback
   * runs before any timer, the hold's end included). Read with the returned function; null: not moved yet.
   * A real click's timing against the 500 ms hold depends on the machine's load; this does not.
   */
  async function watchMove(page: Page, id: number): Promise<() => Promise<boolean | null>> {
    // A script text, not a function: tsx names the arrow functions of a function it compiles (__name),
    // which the page does not have.
    await page.evaluate(`(() => {
      const selector = '#campaigns tr[data-id="${id}"]';
      const top = document.querySelector(selector)?.getBoundingClientRect().top;
      window.outdialMoved = null;
      const observer = new MutationObserver(() => {
        const row = document.querySelector(selector);
        if (!row || row.getBoundingClientRect().top === top) return;
        window.outdialMoved = [...row.querySelectorAll("button")].every((b) => b.disabled);
        observer.disconnect();
      });
      observer.observe(document.getElementById("campaigns"), { subtree: true, childList: true, attributes: true });
    })()`);
    return () => page.evaluate("window.outdialMoved") as Promise<boolean | null>;
  }

  /** Waits until campaign `id`'s buttons take clicks again (its hold is over). */
  const released = async (page: Page, id: number) =>
    page.locator(`#campaigns tr[data-id="${id}"] button:not([disabled])`).first().waitFor({ timeout: 2000 });

  test("a campaign added on top: a click aimed at A's stop does not stop B, moved into its place", async () => {
    const a = await campaign("Campaign A");
    const b = await campaign("Campaign B");
    const { page, posts } = await open(a);
    // The user aims at A's stop (the second row); meanwhile a campaign is created, drawn on top.
    const aim = await aimAtStop(page, a);
    const bMoved = await watchMove(page, b);
    const c = await campaign("Campaign C");
    await page.locator(`#campaigns tr[data-id="${c}"]`).waitFor();
    assert.equal(await rowAt(page, aim), b, "B's row is where A's was");
    assert.equal(await bMoved(), true, "B's buttons, moved under the aim, took no click as they moved");
    await released(page, b);
    assert.deepEqual(posts, []);
    assert.equal(await status(b), "running");
    // Once the hold is over, B's stop (seen where it is now) works.
    await page.mouse.click(aim.x, aim.y);
    await page.locator(`#campaigns tr[data-id="${b}"] [data-field="status"]:text-is("stopped")`).waitFor();
    assert.deepEqual(posts, [`/v1/campaigns/${b}/stop`]);
    assert.equal(await status(a), "running");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("a campaign deleted above: a click aimed at B's stop does not stop A, moved up into its place", async () => {
    const a = await campaign("Below");
    const b = await campaign("Middle");
    const top = await campaign("On top", true);
    const { page, posts } = await open(b);
    const aim = await aimAtStop(page, b);
    const aMoved = await watchMove(page, a);
    const del = await s.f.call({ method: "DELETE", url: `/v1/campaigns/${top}` });
    assert.ok(del.statusCode < 300, del.body);
    await page.waitForSelector(`#campaigns tr[data-id="${top}"]`, { state: "detached" });
    assert.equal(await rowAt(page, aim), a, "A's row is where B's was");
    assert.equal(await aMoved(), true, "A's buttons, moved up under the aim, took no click as they moved");
    await released(page, a);
    assert.deepEqual(posts, []);
    assert.equal(await status(a), "running");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("a refusal's notice wrapping onto more lines holds the rows it moves down", async () => {
    const other = await campaign("Below the refused one");
    const id = await campaign("Refused");
    const { page } = await open(id);
    // A narrow window, and a refusal long enough to take several lines there.
    await page.setViewportSize({ width: 480, height: 900 });
    await page.route(`**/v1/campaigns/${id}/stop`, (route) =>
      route.fulfill({
        status: 409,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "conflict", message: "refused: ".repeat(30) } }),
      }),
    );
    const stop = page.locator(`#campaigns tr[data-id="${id}"] button[data-command="stop"]`);
    await stop.scrollIntoViewIfNeeded();
    const before = await aimAtStop(page, other);
    const otherMoved = await watchMove(page, other);
    await stop.click();
    await page.waitForSelector("#notice:has-text('refused')");
    const after = await aimAtStop(page, other);
    assert.ok(after.y > before.y, `the notice moved the rows down (${before.y} → ${after.y})`);
    assert.equal(await otherMoved(), true, "the row moved down took no click as it moved");
    await released(page, other);
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });
});
