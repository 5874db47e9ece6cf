// `outdial serve` as a real child process serving HTTPS from OUTDIAL_TLS_CERT / OUTDIAL_TLS_KEY, and the
// official Voximplant client talking to it with a service account made through the native API.
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { freePort, startOutdial } from "../../helpers/child.ts";
import { testPki } from "../../helpers/test-pki.ts";

// biome-ignore lint/suspicious/noExplicitAny: the client and the answers are untyped JavaScript at runtime
type Loose = any;
const mod = (await import("@voximplant/apiclient-nodejs")) as { default: Loose };
const VoximplantApiClient = mod.default.default ?? mod.default;

function post(
  port: number,
  url: string,
  key: string,
  body: unknown,
): Promise<{ status: number; json: Loose }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname: "127.0.0.1",
        port,
        path: url,
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test("outdial serve over TLS from its config, driven by the official client", async () => {
  const pki = testPki();
  https.globalAgent.options.ca = pki.ca;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-vox-serve-"));
  fs.writeFileSync(path.join(dir, "cert.pem"), pki.cert);
  fs.writeFileSync(path.join(dir, "key.pem"), pki.key);
  const port = await freePort();
  const child = startOutdial({
    OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db"),
    OUTDIAL_HOST: "127.0.0.1",
    OUTDIAL_PORT: String(port),
    OUTDIAL_TLS_CERT: path.join(dir, "cert.pem"),
    OUTDIAL_TLS_KEY: path.join(dir, "key.pem"),
    OUTDIAL_LOG_LEVEL: "warn",
  });
  try {
    await child.ready;
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(child.output())?.[1];
    assert.ok(key, "the first start prints an API key");
    const sa = await post(port, "/v1/service-accounts", key, { name: "vox", role: "call_list_manager" });
    assert.equal(sa.status, 201, JSON.stringify(sa.json));
    const file = path.join(dir, "credentials.json");
    fs.writeFileSync(file, JSON.stringify(sa.json.credentials));
    const client = await new Promise<Loose>((resolve) => {
      const c = new VoximplantApiClient({ pathToCredentials: file, host: `127.0.0.1:${port}` });
      c.onReady = () => resolve(c);
    });
    const created = await client.CallLists.createCallList({
      ruleId: 1,
      priority: 0,
      maxSimultaneous: 1,
      numAttempts: 1,
      name: "over tls",
      fileContent: Buffer.from("phone;name\n+12125559001;Ann\n"),
    });
    assert.equal(created.result, true, JSON.stringify(created));
    const lists = await client.CallLists.getCallLists({ name: "over tls" });
    assert.equal(lists.totalCount, 1);
    assert.equal(lists.result[0].listId, created.listId);
    const stop = await client.CallLists.stopCallListProcessing({ listId: created.listId });
    assert.equal(stop.result, true);
  } finally {
    child.child.kill("SIGTERM");
    await new Promise((r) => child.child.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
