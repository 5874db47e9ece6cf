// A keyboard-only user could not open a campaign's detail: a row was selected by a mouse click only, it was
// out of the tab order (tabindex -1) and took no key, and the only things in it a Tab reached were its
// lifecycle buttons. Now each row is in the tab order and Enter or Space on it selects it as a click does;
// keys pressed on its buttons stay theirs, and a second Enter on a command just run (the focus moved to the
// row) does not open the detail.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { chromiumSkip } from "../helpers/browser.ts";
import { campaignWithContacts, dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard by keyboard: a campaign's detail", { skip: chromiumSkip }, () => {
  let first = 0;
  let second = 0;
  const pageErrors: string[] = [];
  const s = dashboardSuite({
    async setup(f) {
      first = (await campaignWithContacts(f, "Keyboard first", 3)).id;
      // Drawn on top: the newest campaigns come first.
      second = (await campaignWithContacts(f, "Keyboard second", 3)).id;
    },
  });

  const open = (): Promise<Page> =>
    openDashboard(s.browser, s.base, s.f.key, {
      errors: pageErrors,
      waitFor: [first, second].map((id) => `#campaigns tr[data-id="${id}"] button[data-command="start"]`),
    });

  /** What has the keyboard's focus: a row ("row 3"), a row's command ("start 3"), or an element's id. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const active = document.activeElement as HTMLElement | null;
      const row = active?.closest("tr")?.getAttribute("data-id");
      if (active?.tagName === "TR") return `row ${row}`;
      if (active?.dataset.command) return `${active.dataset.command} ${row}`;
      return active?.id ?? "none";
    });

  const detailTitle = (page: Page) => page.locator("#detail-title").textContent();

  test("Tab reaches each row, and Enter or Space on it opens its detail", async () => {
    const page = await open();
    await page.focus("#sign-out");
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), `row ${second}`);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#detail:not([hidden])");
    assert.match((await detailTitle(page)) ?? "", /^Keyboard second \(#\d+\)/);
    assert.equal(await page.locator(`#campaigns tr[data-id="${second}"].selected`).count(), 1);

    // Past the row's button to the next row.
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), `start ${second}`);
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), `row ${first}`);
    // Short enough to scroll, had Space not been taken.
    await page.setViewportSize({ width: 1280, height: 240 });
    const scrolled = await page.evaluate(() => window.scrollY);
    await page.keyboard.press(" ");
    await page.locator("#detail-title", { hasText: "Keyboard first" }).waitFor();
    assert.equal(await page.locator(`#campaigns tr[data-id="${first}"].selected`).count(), 1);
    assert.equal(await page.evaluate(() => window.scrollY), scrolled, "Space did not scroll the page");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("Enter on a row's command runs it only, and a second Enter does not open the detail", async () => {
    const page = await open();
    const row = page.locator(`#campaigns tr[data-id="${first}"]`);
    await row.locator('button[data-command="start"]').focus();
    await page.keyboard.press("Enter");
    await page.waitForTimeout(300);
    // The focus is on the row now (web8): this Enter was meant for "start" too.
    assert.equal(await focused(page), `row ${first}`);
    await page.keyboard.press("Enter");
    await row.locator('[data-field="status"]:text-is("running")').waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.isVisible("#detail"), false, "the detail stayed closed");

    // Once the row's hold is over, Enter on it opens it.
    await page.waitForTimeout(700);
    await page.keyboard.press("Enter");
    await page.locator("#detail-title", { hasText: "Keyboard first" }).waitFor();
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });
});
