// config/README promises a bad value is refused "naming the variable". Some OUTDIAL_* values can only be
// checked by a start (a TLS path that is a directory, a host that does not resolve, a dial log in a
// missing folder): they failed with node's own message ("EISDIR", "getaddrinfo ENOTFOUND", "ENOENT"),
// naming no variable, after the database had been opened and migrated. They are now refused naming the
// variable before the database is touched; a listen that fails names OUTDIAL_HOST or OUTDIAL_PORT.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.ts";
import { startServer } from "../../src/server.ts";

/** The message a start with `extra` fails with, and whether it left a database file behind. */
async function failedStart(extra: Record<string, string>): Promise<{ message: string; database: boolean }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-start-config-"));
  const databaseUrl = path.join(dir, "outdial.db");
  const env = {
    OUTDIAL_DATABASE_URL: databaseUrl,
    OUTDIAL_HOST: "127.0.0.1",
    OUTDIAL_PORT: "0",
    OUTDIAL_LOG_LEVEL: "silent",
    ...extra,
  };
  try {
    const server = await startServer(loadConfig(env));
    await server.close();
    return { message: "(started)", database: true };
  } catch (err) {
    return { message: (err as Error).message, database: fs.existsSync(databaseUrl) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("a TLS certificate or key path naming a directory is refused naming its variable, nothing opened", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-tls-dir-"));
  try {
    const result = await failedStart({ OUTDIAL_TLS_CERT: dir, OUTDIAL_TLS_KEY: dir });
    assert.match(
      result.message,
      /invalid configuration: OUTDIAL_TLS_CERT names a file that cannot be read \(.*\): EISDIR/,
    );
    assert.equal(result.database, false, "no database was created");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an OUTDIAL_HOST that does not resolve is refused naming it, nothing opened", async () => {
  const { message, database } = await failedStart({ OUTDIAL_HOST: "no-such-host.invalid" });
  assert.match(
    message,
    /invalid configuration: OUTDIAL_HOST does not resolve to an address \(no-such-host\.invalid\)/,
  );
  assert.equal(database, false, "no database was created");
});

test("an OUTDIAL_SIM_DIAL_LOG that cannot be appended to is refused naming it, nothing opened", async () => {
  const { message, database } = await failedStart({
    OUTDIAL_SIM_DIAL_LOG: "/nonexistent-outdial/dials.jsonl",
  });
  assert.match(message, /invalid configuration: OUTDIAL_SIM_DIAL_LOG cannot be appended to: ENOENT/);
  assert.equal(database, false, "no database was created");
});

test("a listen that fails names OUTDIAL_HOST (an address not of this host) or OUTDIAL_PORT (taken)", async () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): it resolves, and no host has it.
  const foreign = await failedStart({ OUTDIAL_HOST: "192.0.2.1" });
  assert.match(
    foreign.message,
    /invalid configuration: OUTDIAL_HOST is not an address of this host .*EADDRNOTAVAIL/,
  );
  const occupied = net.createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
  try {
    const port = String((occupied.address() as net.AddressInfo).port);
    const taken = await failedStart({ OUTDIAL_PORT: port });
    assert.match(taken.message, /invalid configuration: OUTDIAL_PORT cannot be listened on .*EADDRINUSE/);
  } finally {
    occupied.close();
  }
});
