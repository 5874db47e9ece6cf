// Debian's Chromium for the browser tests (test/web), driven by playwright-core. Under CI (or
// OUTDIAL_REQUIRE_BROWSER=1) a missing Chromium fails the suite instead of skipping it.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.OUTDIAL_CHROMIUM ?? "/usr/bin/chromium";
const required = process.env.OUTDIAL_REQUIRE_BROWSER === "1" || process.env.CI === "true";
/** Why the browser tests skip here (no Chromium, and none required), or false. */
export const chromiumSkip: string | false = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
if (chromiumSkip && required) {
  throw new Error(
    `Chromium is required here (CI or OUTDIAL_REQUIRE_BROWSER=1) but ${CHROMIUM} does not exist`,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // As root in a sandboxed machine with no network beyond loopback.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
