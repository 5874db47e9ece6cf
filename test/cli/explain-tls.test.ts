// `outdial explain` / `outdial pacing` on the machine of a node serving HTTPS (OUTDIAL_TLS_CERT/KEY) look
// for it at https://127.0.0.1:PORT. A real certificate names the server's DNS name, never 127.0.0.1: the
// handshake failed (ERR_TLS_CERT_ALTNAME_INVALID) and the CLI said "is it running?" of a node that was.
// Without --url the CLI now trusts exactly the certificate OUTDIAL_TLS_CERT holds, whatever name it reached
// the node by, and nothing else; a certificate refused is said so, with the --url to pass.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { testPki } from "../helpers/test-pki.ts";

const KEY = "od_test_key";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-tls-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

/** A private CA and two server certificates it signed for dialer.example.com (never 127.0.0.1). */
function makePki(): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA"],
    ...["-keyout", file("ca.key"), "-out", file("ca.pem")],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  );
  fs.writeFileSync(file("ext.cnf"), "subjectAltName=DNS:dialer.example.com\nextendedKeyUsage=serverAuth\n");
  for (const name of ["srv", "sibling"]) {
    openssl(
      ...["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=dialer.example.com"],
      ...["-keyout", file(`${name}.key`), "-out", file(`${name}.csr`)],
    );
    openssl(
      ...["x509", "-req", "-in", file(`${name}.csr`), "-CA", file("ca.pem"), "-CAkey", file("ca.key")],
      ...["-CAcreateserial", "-days", "2", "-out", file(`${name}.pem`), "-extfile", file("ext.cnf")],
    );
  }
  // What a certificate file often is: the server's certificate, then the chain up to its CA.
  fs.writeFileSync(
    file("fullchain.pem"),
    fs.readFileSync(file("srv.pem"), "utf8") + fs.readFileSync(file("ca.pem"), "utf8"),
  );
}

const EXPLANATION = {
  campaignId: 1,
  status: "running",
  dialing: true,
  reasons: [],
  warnings: [],
  inFlight: 0,
  maxConcurrent: 1,
  callsPlaced: 0,
  callsPerSecond: null,
  counts: {},
  waiting: [],
  nextDialAt: null,
};

/** Stands in for `outdial serve` with OUTDIAL_TLS_CERT/KEY: the explain route's answer, to our key only. */
async function serveTls(
  cert: string | Buffer,
  key: string | Buffer,
): Promise<{ port: number; close(): void }> {
  const server = https.createServer({ cert, key }, (req, res) => {
    const ok = req.headers.authorization === `Bearer ${KEY}`;
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? EXPLANATION : { error: { message: "bad key" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

/** `outdial ARGS…` with `env` added, run without blocking this process (its server must answer). */
async function outdial(env: Record<string, string>, ...args: string[]) {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!("NODE_EXTRA_CA_CERTS" in env)) delete merged.NODE_EXTRA_CA_CERTS;
  try {
    const r = await promisify(execFile)(process.execPath, ["bin/outdial.mjs", ...args], { env: merged });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

let node: { port: number; close(): void };
before(async () => {
  makePki();
  node = await serveTls(fs.readFileSync(file("srv.pem")), fs.readFileSync(file("srv.key")));
});
after(() => node.close());

const settings = (cert: string) => ({
  OUTDIAL_TLS_CERT: cert,
  OUTDIAL_TLS_KEY: file("srv.key"),
  OUTDIAL_PORT: String(node.port),
});

test("explain reaches the node by the default URL, its certificate's CA trusted or not", async () => {
  // A public CA's certificate (the CA trusted, as a public one is), and a private CA's.
  for (const extra of [{ NODE_EXTRA_CA_CERTS: file("ca.pem") }, {}] as Record<string, string>[]) {
    for (const cert of [file("srv.pem"), file("fullchain.pem")]) {
      const r = await outdial({ ...settings(cert), ...extra }, "explain", "1", "--key", KEY);
      assert.equal(r.code, 0, `${cert} ${JSON.stringify(extra)}: exit ${r.code}: ${r.err}`);
      assert.match(r.out, /campaign 1: running, dialing/);
    }
  }
});

test("only the certificate OUTDIAL_TLS_CERT holds is trusted: not another its CA signed, nor the CA's", async (t) => {
  // Another server for dialer.example.com, with a certificate of the same CA.
  const sibling = await serveTls(fs.readFileSync(file("sibling.pem")), fs.readFileSync(file("sibling.key")));
  t.after(() => sibling.close());
  // And one for 127.0.0.1, which passes the default checks once its CA is trusted.
  const pki = testPki();
  fs.writeFileSync(file("other-ca.pem"), pki.ca);
  const other = await serveTls(pki.cert, pki.key);
  t.after(() => other.close());
  for (const [port, cert, extra, code, name] of [
    [sibling.port, file("fullchain.pem"), {}, "[A-Z_]+", "dialer\\.example\\.com"],
    // A certificate file whose first certificate is the CA (which names no server): the server's own
    // certificate chains to it, but is not it.
    [sibling.port, file("ca.pem"), {}, "CERT_NOT_OUTDIAL_TLS_CERT", "<a name in its certificate>"],
    [
      other.port,
      file("srv.pem"),
      { NODE_EXTRA_CA_CERTS: file("other-ca.pem") },
      "[A-Z_]+",
      "dialer\\.example\\.com",
    ],
  ] as const) {
    const r = await outdial(
      { ...settings(cert), OUTDIAL_PORT: String(port), ...extra },
      "explain",
      "1",
      "--key",
      KEY,
    );
    assert.equal(r.code, 1, `${port} ${cert}: ${r.out}`);
    assert.match(
      r.err,
      new RegExp(
        `cannot reach outdial at https://127\\.0\\.0\\.1:${port}: certificate refused \\(${code}\\): pass --url https://${name}:${port}`,
      ),
    );
  }
});

test("a certificate refused through --url is said so, not taken for a node not running", async () => {
  for (const command of ["explain", "pacing"]) {
    const url = `https://127.0.0.1:${node.port}`;
    const r = await outdial(
      { ...settings(file("srv.pem")), NODE_EXTRA_CA_CERTS: file("ca.pem") },
      command,
      "1",
      "--key",
      KEY,
      "--url",
      url,
    );
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.err,
      new RegExp(
        `cannot reach outdial at https://127\\.0\\.0\\.1:${node.port}: certificate refused \\(ERR_TLS_CERT_ALTNAME_INVALID\\): pass --url https://<a name in its certificate>:${node.port}`,
      ),
    );
    assert.doesNotMatch(r.err, /is it running/);
  }
});

test("a certificate file the CLI cannot read is named", async () => {
  const r = await outdial(settings(file("missing.pem")), "explain", "1", "--key", KEY);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /OUTDIAL_TLS_CERT \(.*missing\.pem\) holds no certificate the CLI can read/);
});
