// A second click or Enter on a row's command (a double-click, a double press, a key repeat) must not undo
// the first. The row's buttons were drawn again as soon as the command's refresh landed, in the same place,
// and nothing held them while the command ran: the second click of a double-click on "stop" landed on
// "recover" and the campaign just stopped ran again ("pause" then "resume" likewise); after Enter on "stop"
// the focus went to the new first button, "start", and a second Enter started it again; a double-click on
// "start" sent two starts and showed the second one's refusal (web8). Now the buttons are disabled while a
// command runs and for 500 ms after they are drawn again, the row takes no second command meanwhile, and the
// keyboard's focus waits on the row itself.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { chromiumSkip } from "../helpers/browser.ts";
import { campaignWithContacts, dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard: a command twice in a row", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();
  const pageErrors: string[] = [];

  /** A campaign, started unless `draft`. */
  const campaign = async (name: string, draft = false): Promise<number> =>
    (await campaignWithContacts(s.f, name, 0, {}, { start: !draft })).id;

  /** A signed-in page, once `id`'s row shows, and the POSTs it sends ("status path"). */
  async function open(id: number): Promise<{ page: Page; posts: string[] }> {
    const posts: string[] = [];
    const page = await openDashboard(s.browser, s.base, s.f.key, {
      errors: pageErrors,
      setup: (p) =>
        p.on("response", (res) => {
          if (res.request().method() === "POST") posts.push(`${res.status()} ${new URL(res.url()).pathname}`);
        }),
      waitFor: [`#campaigns tr[data-id="${id}"] button`],
    });
    return { page, posts };
  }

  const status = async (id: number) =>
    (await s.f.call({ method: "GET", url: `/v1/campaigns/${id}` })).json().status as string;

  for (const [command, after] of [
    ["stop", "stopped"],
    ["pause", "paused"],
  ] as const) {
    test(`a double-click on ${command} leaves a running campaign ${after}`, async () => {
      // Another campaign, already ${after}: the table's columns keep their widths when this one changes too,
      // so the new buttons are drawn exactly where the old ones were.
      const other = await campaign(`${command} before`);
      assert.equal(
        (await s.f.call({ method: "POST", url: `/v1/campaigns/${other}/${command}` })).statusCode,
        200,
      );
      const id = await campaign(`Double ${command}`);
      const { page, posts } = await open(id);
      const row = page.locator(`#campaigns tr[data-id="${id}"]`);
      const box = await row.locator(`button[data-command="${command}"]`).boundingBox();
      assert.ok(box);
      // Two clicks 300 ms apart at one spot: a double-click as people make them.
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForTimeout(300);
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await row.locator(`[data-field="status"]:text-is("${after}")`).waitFor();
      assert.equal(await status(id), after, `POSTs: ${JSON.stringify(posts)}`);
      assert.deepEqual(posts, [`200 /v1/campaigns/${id}/${command}`]);
      // The hold ends: the new buttons take clicks again.
      const recover = row.locator('button[data-command="recover"]');
      await page.waitForFunction(
        (b) => b !== null && !(b as HTMLButtonElement).disabled,
        await recover.elementHandle(),
        {
          timeout: 2000,
        },
      );
      await page.close();
      assert.deepEqual(pageErrors, [], "no script errors");
    });
  }

  test("Enter pressed twice on a running campaign's stop leaves it stopped, the focus on its row", async () => {
    const id = await campaign("Keyboard");
    const { page, posts } = await open(id);
    const row = page.locator(`#campaigns tr[data-id="${id}"]`);
    await row.locator('button[data-command="stop"]').focus();
    await page.keyboard.press("Enter");
    await page.waitForTimeout(300);
    await page.keyboard.press("Enter");
    await row.locator('[data-field="status"]:text-is("stopped")').waitFor();
    await page.waitForTimeout(700);
    assert.equal(await status(id), "stopped", `POSTs: ${JSON.stringify(posts)}`);
    assert.deepEqual(posts, [`200 /v1/campaigns/${id}/stop`]);
    // On the row, not on the "start" drawn where "stop" was; Tab leads to its first button.
    assert.deepEqual(
      await page.evaluate(() => [
        document.activeElement?.tagName,
        document.activeElement?.getAttribute("data-id"),
      ]),
      ["TR", String(id)],
    );
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-command")), "start");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });

  test("a double-click on start starts the campaign once and reports no refusal", async () => {
    const id = await campaign("Twice", true);
    const { page, posts } = await open(id);
    const row = page.locator(`#campaigns tr[data-id="${id}"]`);
    await row.locator('button[data-command="start"]').dblclick();
    await row.locator('[data-field="status"]:text-is("running")').waitFor();
    await page.waitForTimeout(500);
    assert.equal(await page.textContent("#notice"), "", `POSTs: ${JSON.stringify(posts)}`);
    assert.deepEqual(posts, [`200 /v1/campaigns/${id}/start`]);
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors");
  });
});
