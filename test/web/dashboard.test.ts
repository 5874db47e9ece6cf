// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the running HTTP
// server on the virtual clock: the key form, a refused key, a campaign started from the page and its
// progress as the clock runs, the selected campaign's detail, a role that may not steer, the page's
// security headers, and on a node with the sip driver the warnings explain gives for what it cannot do. Under CI (or OUTDIAL_REQUIRE_BROWSER=1) a missing Chromium fails the suite.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type { Browser, Page } from "playwright-core";
import { loadConfig } from "../../src/config/config.ts";
import type { Explanation } from "../../src/engine/types.ts";
import { type RunningServer, startServer } from "../../src/server.ts";
import { agentCampaign, createCampaignViaApi } from "../api/helpers.ts";
import { chromiumSkip, launchChromium } from "../helpers/browser.ts";
import {
  campaignWithContacts,
  dashboardSuite,
  newDashboardPage,
  openDashboard,
  type PageOptions,
} from "../helpers/dashboard.ts";

describe("dashboard in Chromium", { skip: chromiumSkip }, () => {
  let campaignId: number;
  const pageErrors: string[] = [];
  /** Every answer of 400 or more the pages got, as "status METHOD path". */
  const refusals: string[] = [];
  const s = dashboardSuite({
    async setup(f) {
      campaignId = (
        await campaignWithContacts(
          f,
          "Spring renewals",
          40,
          { scenario: "all_human", maxConcurrent: 5, calleeWindow: { from: "00:00", to: "24:00" } },
          { firstPhone: 3000 },
        )
      ).id;
      // Another campaign's agent, logged in: the robot campaign's detail must not show her.
      const staffed = await agentCampaign(f, {
        name: "Callbacks desk",
        settings: { dialMethod: "progressive" },
        contacts: [{ phone: "+14155553999" }],
        agents: ["Alice"],
      });
      const login = await f.call({
        method: "POST",
        url: `/v1/agents/${staffed.agentIds[0]}/login`,
        payload: { campaignId: staffed.campaignId },
      });
      assert.equal(login.statusCode, 200, login.body);
    },
  });

  /** Pages record their script errors, CSP violations and refusals. */
  const watched: PageOptions = {
    errors: pageErrors,
    consoleErrors: true,
    setup: (page) =>
      page.on("response", (res) => {
        if (res.status() >= 400)
          refusals.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
      }),
  };
  const signIn = (key: string) => openDashboard(s.browser, s.base, key, watched);

  const row = (page: Page) => page.locator(`#campaigns tr[data-id="${campaignId}"]`);

  test("/ leads to the dashboard, served with a strict content security policy", async () => {
    for (const path of ["/", "/dashboard"]) {
      const res = await fetch(`${s.base}${path}`, { redirect: "manual" });
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.get("location"), "/dashboard/");
    }
    const page = await fetch(`${s.base}/dashboard/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.match(await page.text(), /<script type="module" src="app.js"><\/script>/);
  });

  test("a refused key stays on the form; the owner's key shows the campaign, starts it and watches it progress", async () => {
    const page = await newDashboardPage(s.browser, watched);
    await page.goto(`${s.base}/`);
    await page.fill("#key", "od_not-a-real-key");
    await page.click("#key-form button");
    await page.waitForSelector("#sign-in-error:text('That key was not accepted.')");
    assert.equal(await page.isVisible("#board"), false);

    await page.fill("#key", s.f.key);
    await page.click("#key-form button");
    await row(page).waitFor();
    assert.match((await row(page).textContent()) ?? "", /Spring renewals/);
    assert.equal(await row(page).locator('[data-field="status"]').textContent(), "draft");
    assert.equal(await row(page).locator('[data-field="pending"]').textContent(), "40");
    assert.match(
      (await row(page).locator('[data-field="now"]').textContent()) ?? "",
      /draft; start it to dial/,
    );

    await row(page).locator('button[data-command="start"]').click();
    await row(page).locator('[data-field="status"]:text("running")').waitFor();
    const status = await s.f.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow();
    assert.equal(status.status, "running", "the page's button started it through the API");

    // The campaign runs on the virtual clock; the page shows what happened at its next refresh.
    await s.f.clock.run({ until: s.f.clock.now() + 10 * 60_000 });
    await page.waitForFunction(
      (id) => {
        const cell = document.querySelector(`#campaigns tr[data-id="${id}"] [data-field="succeeded"]`);
        return Number(cell?.textContent ?? 0) > 0;
      },
      campaignId,
      { timeout: 10_000 },
    );
    const succeeded = Number(await row(page).locator('[data-field="succeeded"]').textContent());
    const db = await s.f.store.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("campaign_id", "=", campaignId)
      .where("status", "=", "succeeded")
      .executeTakeFirstOrThrow();
    assert.ok(succeeded > 0 && succeeded <= Number(db.n), `page ${succeeded}, store ${db.n}`);

    await row(page).click();
    await page.waitForSelector("#detail:not([hidden])");
    assert.match((await page.textContent("#detail-title")) ?? "", /Spring renewals \(#\d+\)/);
    await page.waitForSelector("#results td:text('attempts')");
    const attempts = Number(await page.locator("#results tr:first-child td:nth-child(2)").textContent());
    assert.ok(attempts >= succeeded, `attempts ${attempts}`);
    assert.equal(await page.isVisible("#agents-box"), false, "no agent of this campaign, no pacing");
    // The sim driver does everything a campaign may ask for: no warning, in the row or the detail.
    assert.equal(await page.isVisible("#warnings-box"), false);
    assert.equal(await page.locator(".warning").count(), 0);

    if (process.env.OUTDIAL_SCREENSHOT)
      await page.screenshot({ path: process.env.OUTDIAL_SCREENSHOT, fullPage: true });
    await page.click("#sign-out");
    await page.waitForSelector("#key-form");
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem("outdial.key")),
      null,
      "the key is forgotten",
    );
    await page.close();
  });

  test("a key with a character a header cannot carry is refused on the form, saying why", async () => {
    const page = await newDashboardPage(s.browser, watched);
    await page.goto(`${s.base}/`);
    // Pasted from a chat with its curly quotes: the browser itself refuses it in a header, naming ISO-8859-1.
    await page.fill("#key", `\u201c${s.f.key}\u201d`);
    await page.click("#key-form button");
    await page.waitForSelector("#sign-in-error:has-text('That is not an outdial key')");
    assert.equal(await page.isVisible("#board"), false);
    await page.close();
  });

  test("a supervisor's key sees the campaigns but is told it may not pause one", async () => {
    const page = await signIn(await s.f.keyWithRole("supervisor"));
    await row(page).locator('button[data-command="pause"]').click();
    await page.waitForSelector("#notice:has-text('may not do this')");
    assert.match((await page.textContent("#notice")) ?? "", new RegExp(`pause campaign ${campaignId}:`));
    assert.equal(await row(page).locator('[data-field="status"]').textContent(), "running");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors, no CSP violations");
    assert.deepEqual(
      refusals,
      ["401 GET /v1/campaigns", `403 POST /v1/campaigns/${campaignId}/pause`],
      "only the refused key and the refused pause were refused",
    );
  });

  test("a campaign's agents show however many agents the account has", async () => {
    // 100 agents of the account come first (one page of /v1/agents?limit=100), then the desk's own.
    for (let i = 0; i < 100; i++) {
      const res = await s.f.call({ method: "POST", url: "/v1/agents", payload: { name: `Spare ${i}` } });
      assert.equal(res.statusCode, 201, res.body);
    }
    const desk = await agentCampaign(s.f, {
      name: "Late desk",
      settings: { dialMethod: "progressive" },
      contacts: [{ phone: "+14155553998" }],
      agents: ["Zed"],
    });
    const login = await s.f.call({
      method: "POST",
      url: `/v1/agents/${desk.agentIds[0]}/login`,
      payload: { campaignId: desk.campaignId },
    });
    assert.equal(login.statusCode, 200, login.body);
    const page = await signIn(s.f.key);
    await page.locator(`#campaigns tr[data-id="${desk.campaignId}"]`).click();
    await page.waitForSelector("#agents-box:not([hidden]) #agents td");
    // Before, only the first 100 agents were read: Zed, logged in to this campaign, was "none logged in".
    await page.waitForSelector("#agents td:text('Zed')", { timeout: 15_000 });
    assert.equal(await page.isVisible("#more-campaigns"), false, "every campaign is on the page");
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors, no CSP violations");
  });

  test("after a sign-out another account's key never sees the last one's campaigns (web6)", async () => {
    const other = await s.f.newAccount("globex");
    const page = await signIn(s.f.key);
    await row(page).waitFor();
    await row(page).click();
    await page.waitForSelector("#detail:not([hidden])");
    await page.click("#sign-out");
    // The next account's first refresh is slow and fails (a busy server): what shows meanwhile is its own.
    await page.route("**/v1/campaigns?limit=100", async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.fulfill({
        status: 503,
        contentType: "application/json",
        body: '{"error":{"code":"busy"}}',
      });
    });
    await page.fill("#key", other.key);
    await page.click("#key-form button");
    await page.waitForSelector("#board:not([hidden])");
    for (const wait of [0, 1500]) {
      await page.waitForTimeout(wait);
      const board = await page.innerText("#board");
      assert.ok(
        !board.includes("Spring renewals"),
        `after ${wait} ms: ${JSON.stringify(board.slice(0, 200))}`,
      );
      assert.equal(await page.isVisible("#detail"), false);
    }
    await page.close();
    pageErrors.length = 0; // the 503 it was served is logged as a console error
  });

  test("an account with more campaigns than the page shows is told so", async () => {
    const res = await s.f.call({ method: "GET", url: "/v1/campaigns?limit=100" });
    const have = (res.json() as { data: unknown[] }).data.length;
    for (let i = have; i <= 100; i++) await createCampaignViaApi(s.f, { name: `Filler ${i}`, settings: {} });
    const page = await signIn(s.f.key);
    await page.locator("#campaigns tbody tr").first().waitFor();
    // Before, the oldest campaign just was not there.
    await page.waitForSelector("#more-campaigns:not([hidden])", { timeout: 15_000 });
    assert.equal(await page.locator("#campaigns tbody tr").count(), 100);
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors, no CSP violations");
  });
});

describe("dashboard of a node on the sip driver", {
  skip: chromiumSkip,
}, () => {
  let server: RunningServer;
  let key = "";
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    // A real node as `outdial serve` starts one with OUTDIAL_DRIVER=sip: no AMD, recording, announcements
    // or agent audio. Its campaigns stay drafts, so it never sends an INVITE to the trunk.
    const config = loadConfig({
      OUTDIAL_DATABASE_URL: ":memory:",
      OUTDIAL_HOST: "127.0.0.1",
      OUTDIAL_PORT: "0",
      OUTDIAL_LOG_LEVEL: "silent",
      OUTDIAL_NODE_ID: "sip-node",
      OUTDIAL_DRIVER: "sip",
      OUTDIAL_SIP_TRUNK: "sip:127.0.0.1:5060",
      OUTDIAL_SIP_BIND: "127.0.0.1:0",
    });
    server = await startServer(config, {
      onReady: (_s, bootstrapKey) => {
        key = bootstrapKey ?? "";
      },
    });
    assert.ok(key, "a new node issues its owner key");
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  const signIn = (): Promise<Page> =>
    openDashboard(browser, server.url, key, { errors: pageErrors, consoleErrors: true });

  test("a campaign asking for AMD and recording shows explain's warnings; one asking for neither, none", async () => {
    const warned = await api<{ id: number }>("POST", "/v1/campaigns", {
      name: "Machine check <b>",
      settings: { amd: { enabled: true, mode: "background" }, record: { enabled: true, trimLeftSec: 0 } },
    });
    const plain = await api<{ id: number }>("POST", "/v1/campaigns", { name: "Plain", settings: {} });
    // What the page must show: the node's own answer, not a copy of the wording.
    const explained = await api<Explanation>("GET", `/v1/campaigns/${warned.id}/explain`);
    assert.deepEqual(
      explained.warnings.map((w) => w.code),
      ["amd_unavailable", "recording_unavailable"],
    );
    const messages = explained.warnings.map((w) => w.message);
    assert.match(messages[0], /the sip driver has none: every answer counts as a person/);
    assert.deepEqual((await api<Explanation>("GET", `/v1/campaigns/${plain.id}/explain`)).warnings, []);

    const page = await signIn();
    const warnedRow = page.locator(`#campaigns tr[data-id="${warned.id}"]`);
    const plainRow = page.locator(`#campaigns tr[data-id="${plain.id}"]`);
    await warnedRow.locator('[data-field="now"] .warning').first().waitFor();
    // In the row, below why it is not dialing: each warning's message, marked as one, as text.
    const rowWarnings = warnedRow.locator('[data-field="now"] .warning');
    assert.deepEqual(
      await rowWarnings.allTextContents(),
      messages.map((m) => `Warning: ${m}`),
    );
    assert.deepEqual(await rowWarnings.evaluateAll((els) => els.map((e) => e.getAttribute("data-code"))), [
      "amd_unavailable",
      "recording_unavailable",
    ]);
    assert.match(
      (await warnedRow.locator('[data-field="now"]').textContent()) ?? "",
      /^the campaign is a draft; start it to dial/,
    );
    assert.match((await warnedRow.textContent()) ?? "", /Machine check <b>/, "the name is text, not markup");
    assert.equal(await plainRow.locator(".warning").count(), 0);

    // In the selected campaign's detail, under its own heading.
    await warnedRow.click();
    await page.waitForSelector("#warnings-box:not([hidden])");
    assert.deepEqual(
      await page.locator("#warnings li.warning").allTextContents(),
      messages.map((m) => `Warning: ${m}`),
    );
    assert.equal(await page.locator("#warnings strong").count(), 2);
    assert.equal(await page.locator("#warnings b, #campaigns b").count(), 0);

    // A campaign without warnings: the detail's warnings go away, and none stays behind.
    await plainRow.click();
    await page.waitForSelector("#detail-title:has-text('Plain')");
    assert.equal(await page.isVisible("#warnings-box"), false);
    assert.equal(await page.locator("#warnings li").count(), 0);
    assert.match((await page.textContent("#reasons")) ?? "", /draft; start it to dial/);
    await page.close();
    assert.deepEqual(pageErrors, [], "no script errors, no CSP violations");
  });
});
