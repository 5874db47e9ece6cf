// web/ owns the dashboard: a page served by the same process at /dashboard/ (and / sends you there) that
// watches and steers campaigns through the native API with the user's own API key. The page is public
// (it holds no data); every figure it shows comes from /v1, authenticated like any client. It must not
// read the store or the engine itself, nor hold any logic the API does not.
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";

export const DASHBOARD_PATH = "/dashboard/";

/** Every file the page loads, by name under DASHBOARD_PATH. app.js imports the other modules: one missing
 *  here is a 404 to the browser, and the page script does not run at all. A module must be served as
 *  JavaScript (nosniff, and module scripts are refused under any other type). */
const FILES: Record<string, string> = {
  "": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "detail.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "explain.js": "text/javascript; charset=utf-8",
  "rows.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

/** No inline script or style, nothing from elsewhere, no framing: the key typed into the page stays in it.
 *  script-src 'self' admits app.js's imports of the modules beside it (same origin), and nothing else. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export async function dashboard(app: FastifyInstance): Promise<void> {
  const dir = new URL("./static/", import.meta.url);
  const bodies = new Map(
    Object.keys(FILES).map((name) => [name, readFileSync(new URL(name || "index.html", dir))]),
  );
  for (const [name, type] of Object.entries(FILES)) {
    app.get(
      `${DASHBOARD_PATH}${name}`,
      { config: { public: true }, schema: { hide: true } },
      async (_req, reply) => reply.headers(SECURITY_HEADERS).type(type).send(bodies.get(name)),
    );
  }
  const redirects: Record<string, string> = {
    "/": DASHBOARD_PATH,
    "/dashboard": DASHBOARD_PATH,
    "/favicon.ico": `${DASHBOARD_PATH}favicon.svg`,
  };
  for (const [url, to] of Object.entries(redirects)) {
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.redirect(to),
    );
  }
}
