// OUTDIAL_TLS_CERT / OUTDIAL_TLS_KEY naming a file that exists but is not what it should be: the start is
// refused naming the variable (node's own errors say only "PEM routines::no start line").
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readTlsFiles } from "../../src/config/config.ts";
import { testPki } from "../helpers/test-pki.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-tls-files-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

test("a good pair is read", () => {
  const pki = testPki();
  const files = readTlsFiles({ tlsCert: file("c.pem", pki.cert), tlsKey: file("k.pem", pki.key) });
  assert.equal(files?.cert.toString(), pki.cert);
  assert.equal(files?.key.toString(), pki.key);
  assert.equal(readTlsFiles({ tlsCert: null, tlsKey: null }), undefined);
});

test("a certificate file that holds no certificate is named", () => {
  const pki = testPki();
  assert.throws(
    () => readTlsFiles({ tlsCert: file("bad-c.pem", "not a certificate"), tlsKey: file("k.pem", pki.key) }),
    /invalid configuration: OUTDIAL_TLS_CERT names a file that holds no PEM certificate \(.*bad-c\.pem\)/,
  );
});

test("a certificate in DER (binary), which node's TLS does not read, is named as not PEM", () => {
  const pki = testPki();
  const der = new crypto.X509Certificate(pki.cert).raw;
  const f = path.join(dir, "c.der");
  fs.writeFileSync(f, der);
  assert.throws(
    () => readTlsFiles({ tlsCert: f, tlsKey: file("k.pem", pki.key) }),
    /invalid configuration: OUTDIAL_TLS_CERT names a file that holds no PEM certificate/,
  );
});

test("a key file that holds no key is named", () => {
  const pki = testPki();
  assert.throws(
    () => readTlsFiles({ tlsCert: file("c.pem", pki.cert), tlsKey: file("bad-k.pem", pki.cert) }),
    /invalid configuration: OUTDIAL_TLS_KEY names a file that holds no unencrypted private key \(.*bad-k\.pem\)/,
  );
});

test("a key that is not the certificate's is named", () => {
  const pki = testPki();
  const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const otherPem = other.export({ type: "pkcs8", format: "pem" }).toString();
  assert.throws(
    () => readTlsFiles({ tlsCert: file("c.pem", pki.cert), tlsKey: file("other-k.pem", otherPem) }),
    /invalid configuration: OUTDIAL_TLS_KEY is not the key of the certificate in OUTDIAL_TLS_CERT/,
  );
});
