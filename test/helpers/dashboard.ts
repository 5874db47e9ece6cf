// What the browser tests (test/web) share: an API fixture served on loopback with a Chromium beside it,
// campaigns made through the API with contacts written straight into the store, and dashboard pages signed
// in through the key form (which keeps the key in sessionStorage).
import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { NewContact } from "../../src/store/schema.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "../api/helpers.ts";
import { chromiumSkip, launchChromium } from "./browser.ts";

export interface DashboardSuite {
  readonly f: ApiFixture;
  /** The fixture's server, listening on 127.0.0.1 ("http://127.0.0.1:port"). */
  readonly base: string;
  readonly browser: Browser;
}

/**
 * Registers before() and after() hooks (of the enclosing describe, or of the file at its top level) that
 * build an API fixture (`env`: more configuration), serve it on 127.0.0.1, run `setup` and launch Chromium
 * (not where there is none: its tests skip), then close both. The getters read what before() made.
 */
export function dashboardSuite(
  opts: { env?: Record<string, string>; setup?: (f: ApiFixture) => Promise<unknown> } = {},
): DashboardSuite {
  let f: ApiFixture;
  let base: string;
  let browser: Browser;
  before(async () => {
    f = await apiFixture(undefined, opts.env);
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
    await opts.setup?.(f);
    if (!chromiumSkip) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await f?.close();
  });
  return {
    get f() {
      return f;
    },
    get base() {
      return base;
    },
    get browser() {
      return browser;
    },
  };
}

/**
 * A campaign made through the API with `n` contacts written into its list, phones +1415555<firstPhone + i>
 * (4000 unless told) and `contact`'s columns; started (and asserted to be) when `start`.
 */
export async function campaignWithContacts(
  f: ApiFixture,
  name: string,
  n: number,
  settings: Record<string, unknown> = {},
  opts: { firstPhone?: number; contact?: Partial<NewContact>; start?: boolean } = {},
): Promise<{ id: number; listId: number }> {
  const c = await createCampaignViaApi(f, { name, settings });
  const first = opts.firstPhone ?? 4000;
  await insertContacts(
    f.store,
    { accountId: f.accountId, campaignId: c.id, listId: c.listId },
    Array.from({ length: n }, (_, i) => ({
      ...opts.contact,
      phones: JSON.stringify([`+1415555${first + i}`]),
    })),
  );
  if (opts.start) {
    const res = await f.call({ method: "POST", url: `/v1/campaigns/${c.id}/start` });
    assert.equal(res.statusCode, 200, res.body);
  }
  return c;
}

export interface PageOptions {
  /** Where the page's script errors go. */
  errors?: string[];
  /** With `errors`: console errors too (CSP violations), but not resources failing to load. */
  consoleErrors?: boolean;
  /** Runs on the new page before it loads anything (routes, listeners). */
  setup?: (page: Page) => unknown;
}

/** A new page of `target` (a browser, or a context of one) waiting 10 s at the most, as `opts` says. */
export async function newDashboardPage(
  target: Browser | BrowserContext,
  opts: PageOptions = {},
): Promise<Page> {
  const page = await target.newPage();
  page.setDefaultTimeout(10_000);
  const errors = opts.errors;
  if (errors) {
    page.on("pageerror", (err) => errors.push(err.message));
    if (opts.consoleErrors) {
      page.on("console", (msg) => {
        if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource"))
          errors.push(msg.text());
      });
    }
  }
  await opts.setup?.(page);
  return page;
}

/**
 * A page of `base`'s dashboard signed in with `key` through the key form; then, in turn, the first match
 * of each `waitFor` selector shows.
 */
export async function openDashboard(
  target: Browser | BrowserContext,
  base: string,
  key: string,
  opts: PageOptions & { waitFor?: string[] } = {},
): Promise<Page> {
  const page = await newDashboardPage(target, opts);
  await page.goto(`${base}/dashboard/`);
  await page.fill("#key", key);
  await page.click("#key-form button");
  for (const selector of opts.waitFor ?? []) await page.locator(selector).first().waitFor();
  return page;
}
