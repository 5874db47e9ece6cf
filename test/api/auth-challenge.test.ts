// Every 401 names the schemes the server takes (RFC 9110 §11.6.1: a 401 MUST carry WWW-Authenticate), on
// each face that answers in HTTP statuses: native /v1, Xcally and Twin24 (JAICP's campaign-token routes have
// their own CampaignToken challenge: test/compat/jaicp/token-401-challenge.test.ts); Voximplant answers its
// errors as HTTP 200 in its own shape and carries none. Clients that send credentials only once challenged
// (curl --anyauth, .NET, Java's Authenticator) log in: shown with a real curl against a listening app. And
// since a challenged browser then attaches the Basic credentials on its own to later requests, a cross-site
// form included, a Basic request a browser marks as coming from another site (Sec-Fetch-Site cross-site or
// same-site) is refused 403 before its password is checked or counted; same-origin ones, requests without
// Sec-Fetch-Site (servers, curl) and Bearer keys are not affected.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type ApiFixture, apiFixture, errorOf } from "./helpers.ts";

const run = promisify(execFile);

const CHALLENGE = 'Bearer realm="outdial", Basic realm="outdial", charset="UTF-8"';
const PASSWORD = "correct horse battery";
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** Whether curl can be run here; CI must have it, elsewhere its test is skipped. */
async function curlAvailable(): Promise<boolean> {
  try {
    await run("curl", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

describe("401 challenges, and Basic refused to other sites' pages", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
    const made = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "ann", password: PASSWORD, role: "admin" },
    });
    assert.equal(made.statusCode, 201, made.body);
  });
  after(() => f.close());

  test("a 401 on every face names both schemes in WWW-Authenticate", async () => {
    const urls = [
      "/v1/campaigns", // native
      "/api/cm/lists", // Xcally
      "/api/voice/queues/1", // Xcally's voice routes
      "/cis/api/v1/telephony/schedule/00000000-0000-4000-8000-000000000000", // Twin24
    ];
    for (const url of urls) {
      const res = await f.call({ method: "GET", url, key: null });
      assert.equal(res.statusCode, 401, url);
      assert.equal(res.headers["www-authenticate"], CHALLENGE, url);
    }
  });

  test("a wrong password, an unknown key and a malformed header are challenged again", async () => {
    for (const authorization of [basic("ann", "wrong password!"), "Bearer od_not-a-real-key", "Digest x"]) {
      const res = await f.call({
        method: "GET",
        url: "/api/cm/lists",
        key: null,
        headers: { authorization },
      });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(res.headers["www-authenticate"], CHALLENGE, authorization);
    }
  });

  test("answers other than 401 carry no challenge, nor Voximplant's errors (HTTP 200 in its own shape)", async () => {
    const ok = await f.call({ method: "GET", url: "/v1/campaigns" });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers["www-authenticate"], undefined);
    const vox = await f.call({ method: "GET", url: "/platform_api/GetCallLists", key: null });
    assert.equal(vox.statusCode, 200);
    assert.ok(vox.json().error, vox.body);
    assert.equal(vox.headers["www-authenticate"], undefined);
  });

  test("curl --anyauth (credentials sent once challenged) reaches Xcally's lists", async (t) => {
    if (!(await curlAvailable())) {
      if (process.env.CI === "true") assert.fail("curl is needed for this test and is not installed");
      t.skip("curl is not installed");
      return;
    }
    const address = await f.app.listen({ port: 0, host: "127.0.0.1" });
    const status = (user: string) =>
      run("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--anyauth",
        "-u",
        user,
        `${address}/api/cm/lists`,
      ]);
    assert.equal((await status(`ann:${PASSWORD}`)).stdout.trim(), "200");
    assert.equal((await status("ann:wrong password!")).stdout.trim(), "401");
  });

  test("Basic from another site's page is refused 403, unchecked and uncounted; same-origin Basic works", async () => {
    // A form another site's page posts to Xcally's upload (it takes urlencoded bodies), the browser adding
    // the Basic credentials it remembers.
    const upload = (authorization: string, site?: string) =>
      f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        key: null,
        remoteAddress: "198.51.100.40",
        headers: {
          authorization,
          "content-type": "application/x-www-form-urlencoded",
          ...(site === undefined ? {} : { "sec-fetch-site": site }),
        },
        payload: "phone\n12125550100\n",
      });
    for (const site of ["cross-site", "same-site", "Cross-Site"]) {
      const refused = await upload(basic("ann", PASSWORD), site);
      assert.equal(refused.statusCode, 403, `${site}: ${refused.body}`);
      assert.equal(errorOf(refused).code, "cross_site_refused");
      assert.match(errorOf(refused).message, /another site may not use this server's Basic credentials/);
    }
    // Wrong passwords from another site's page are not checked, so they do not count towards a block.
    for (let i = 0; i < 12; i++) {
      assert.equal((await upload(basic("ann", `guess ${i}`), "cross-site")).statusCode, 403);
    }
    for (const site of ["same-origin", "none", undefined]) {
      const stored = await upload(basic("ann", PASSWORD), site);
      assert.equal(stored.statusCode, 201, `${site}: ${stored.body}`);
    }
  });

  test("over plain HTTP (no Sec-Fetch-Site), Basic from a page of another host is refused by its Origin or Referer", async () => {
    // Browsers send Sec-Fetch-Site only to HTTPS and localhost: a form another site posts to a plain-HTTP
    // outdial carries the remembered credentials with only Origin (or, failing it, Referer) naming its page.
    const upload = (page: Record<string, string>) =>
      f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        key: null,
        remoteAddress: "198.51.100.41",
        headers: {
          authorization: basic("ann", PASSWORD),
          "content-type": "application/x-www-form-urlencoded",
          host: "dialer.example.com:8080",
          ...page,
        },
        payload: "phone\n12125550101\n",
      });
    const foreign: Record<string, string>[] = [
      { origin: "http://evil.example" },
      { origin: "null" },
      { origin: "http://dialer.example.com.evil.example:8080" },
      { referer: "http://evil.example/form.html" },
      { origin: "http://evil.example", referer: "http://dialer.example.com:8080/" },
    ];
    for (const page of foreign) {
      const refused = await upload(page);
      assert.equal(refused.statusCode, 403, `${JSON.stringify(page)}: ${refused.body}`);
      assert.equal(errorOf(refused).code, "cross_site_refused");
    }
    // The server's own pages, whatever scheme or port a proxy in front of it shows them under.
    const own: Record<string, string>[] = [
      { origin: "http://dialer.example.com:8080" },
      { origin: "https://DIALER.example.com" },
      { referer: "http://dialer.example.com:8080/upload.html" },
    ];
    for (const page of own) {
      const stored = await upload(page);
      assert.equal(stored.statusCode, 201, `${JSON.stringify(page)}: ${stored.body}`);
    }
    // Where the browser says where the page is from, its word decides: a proxy forwarding its upstream's Host
    // (nginx's default) makes the server's own Origin differ from Host (review41).
    const sameOrigin = await upload({
      origin: "https://dialer.example.org",
      "sec-fetch-site": "same-origin",
    });
    assert.equal(sameOrigin.statusCode, 201, sameOrigin.body);
    const crossSite = await upload({
      origin: "http://dialer.example.com:8080",
      "sec-fetch-site": "cross-site",
    });
    assert.equal(crossSite.statusCode, 403, crossSite.body);
  });

  test("a Bearer key is not refused for Sec-Fetch-Site: no browser attaches it on its own", async () => {
    const res = await f.call({
      method: "GET",
      url: "/api/cm/lists",
      headers: { "sec-fetch-site": "cross-site" },
    });
    assert.equal(res.statusCode, 200, res.body);
  });
});
