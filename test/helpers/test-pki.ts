// A test CA and a server certificate for 127.0.0.1 it signed, made with openssl once per process, for the
// tests that serve or call over TLS.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A test CA and a server certificate for 127.0.0.1 it signed, made once per process with openssl. */
let pki: { ca: string; cert: string; key: string } | null = null;
export function testPki(): { ca: string; cert: string; key: string } {
  if (pki) return pki;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-vox-tls-"));
  const f = (n: string) => path.join(dir, n);
  const run = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=outdial test CA",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    f("srv.key"),
    "-out",
    f("srv.csr"),
  );
  fs.writeFileSync(f("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  run(
    "x509",
    "-req",
    "-in",
    f("srv.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    f("srv.pem"),
    "-extfile",
    f("ext.cnf"),
  );
  pki = {
    ca: fs.readFileSync(f("ca.pem"), "utf8"),
    cert: fs.readFileSync(f("srv.pem"), "utf8"),
    key: fs.readFileSync(f("srv.key"), "utf8"),
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return pki;
}
