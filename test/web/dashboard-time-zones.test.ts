// The page shows every instant one way: in the browser's zone, the zone named. It showed one instant in two
// zones two lines apart: explain's reasons as UTC ISO ("no contact is due before 2026-01-05T15:00:00.000Z")
// and the waiting contacts in the browser's zone with no zone named ("first at 1/5/2026, 10:00:00 AM"), for
// a campaign whose own zone is a third one (web8). The reasons' ISO times are now written as the others.
// A command's refusal in the notice above the table showed the server's UTC ISO too ("recover campaign 1:
// campaign 1 ended at 2026-01-05T12:01:00.000Z; …") while the rows read 7:01 AM EST (cliweb12).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chromiumSkip } from "../helpers/browser.ts";
import { campaignWithContacts, dashboardSuite, openDashboard } from "../helpers/dashboard.ts";

describe("dashboard times", { skip: chromiumSkip }, () => {
  const s = dashboardSuite();

  test("one instant is shown the same way, its zone named, in the row, the reasons and the waiting contacts", async () => {
    const { f } = s;
    const at = f.clock.now() + 3 * 3_600_000; // 15:00 UTC, 10:00 in New York, 18:00 in Moscow
    const c = await campaignWithContacts(
      f,
      "TZ",
      3,
      { defaultZone: "Europe/Moscow" },
      { firstPhone: 6000, contact: { next_attempt_at: at, wait_reason: "retry" }, start: true },
    );
    const why = (await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/explain` })).json();
    assert.match(why.reasons[0].message, /2026-01-05T15:00:00\.000Z/, "the API writes UTC ISO times");

    const ctx = await s.browser.newContext({ timezoneId: "America/New_York", locale: "en-US" });
    const page = await openDashboard(ctx, s.base, f.key);
    const row = page.locator(`#campaigns tr[data-id="${c.id}"]`);
    await row.locator('[data-field="status"]:text-is("running")').waitFor();
    await row.click();
    await page.waitForSelector("#detail:not([hidden]) #waiting li");
    const texts = {
      row: (await row.locator('[data-field="now"]').textContent()) ?? "",
      reasons: (await page.textContent("#reasons")) ?? "",
      waiting: (await page.textContent("#waiting")) ?? "",
    };
    const header = (await page.textContent("#updated")) ?? "";
    await ctx.close();
    const shown = /1\/5\/2026, 10:00:00\s[AP]M EST/;
    for (const [where, text] of Object.entries(texts)) {
      assert.match(text, shown, `${where}: "${text}"`);
      assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}T/, `${where} shows no ISO time: "${text}"`);
    }
    assert.equal(texts.reasons.match(shown)?.[0], texts.waiting.match(shown)?.[0]);
    assert.match(texts.reasons, /^no contact is due before 1\/5\/2026, 10:00:00\s[AP]M EST \(3 on retry\)$/);
    assert.match(header, /^updated \d{1,2}:\d{2}:\d{2}\s[AP]M EST$/, "the header's time names its zone too");
  });

  test("a command's refusal in the notice shows its time in the browser's zone, named", async () => {
    const { f } = s;
    const endAt = f.clock.now() + 60_000;
    const c = await campaignWithContacts(f, "Ends soon", 50, { endAt, maxConcurrent: 1 }, { start: true });
    await f.clock.run({ until: endAt + 5_000 });
    const recover = await f.call({ method: "POST", url: `/v1/campaigns/${c.id}/recover` });
    const iso = new Date(endAt).toISOString();
    assert.ok(recover.body.includes(`ended at ${iso}`), `the API writes UTC ISO times: ${recover.body}`);

    const ctx = await s.browser.newContext({ timezoneId: "America/New_York", locale: "en-US" });
    const page = await openDashboard(ctx, s.base, f.key, {
      waitFor: [`#campaigns tr[data-id="${c.id}"] button[data-command="recover"]:enabled`],
    });
    await page.click(`#campaigns tr[data-id="${c.id}"] button[data-command="recover"]`);
    await page.locator("#notice:not(:empty)").waitFor();
    const notice = (await page.textContent("#notice")) ?? "";
    await ctx.close();
    // As the rows show it (dom.js formatTime): "1/5/2026, 7:01:00 AM EST"; ICU versions differ in the space.
    const local = new Date(endAt).toLocaleString("en-US", {
      timeZone: "America/New_York",
      timeZoneName: "short",
    });
    const spaced = (text: string) => text.replace(/\s/g, " ");
    assert.match(local, /EST$/);
    assert.ok(spaced(notice).startsWith(`recover campaign ${c.id}: `), notice);
    assert.ok(spaced(notice).includes(`ended at ${spaced(local)}`), `"${notice}" shows ${local}`);
    assert.doesNotMatch(notice, /\d{4}-\d{2}-\d{2}T/, `no ISO time: "${notice}"`);
  });
});
