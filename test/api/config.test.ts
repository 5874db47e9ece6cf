import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { describeConfig, loadConfig } from "../../src/config/config.ts";
import { isPostgresUrl } from "../../src/store/db.ts";

const EXISTING_FILE = fileURLToPath(import.meta.url);

describe("loadConfig", () => {
  test("defaults, frozen", () => {
    const c = loadConfig({});
    assert.equal(c.databaseUrl, "./data/outdial.db");
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.port, 8080);
    assert.equal(c.logLevel, "info");
    assert.equal(c.driver, "sim");
    assert.equal(c.simSeed, 1);
    assert.equal(c.simScenario, "default");
    assert.equal(c.simDialLog, null);
    assert.equal(c.leaseMs, 60_000);
    assert.equal(c.tlsCert, null);
    assert.equal(c.maxImportBytes, 200 * 1024 * 1024);
    assert.deepEqual(c.trustProxy, []);
    assert.match(c.nodeId, new RegExp(`-${process.pid}$`));
    assert.ok(Object.isFrozen(c));
  });

  test("reads every variable", () => {
    const c = loadConfig({
      OUTDIAL_DATABASE_URL: "postgres://u:p@db/outdial",
      OUTDIAL_HOST: "0.0.0.0",
      OUTDIAL_PORT: "9000",
      OUTDIAL_LOG_LEVEL: "debug",
      OUTDIAL_SIM_SEED: "42",
      OUTDIAL_SIM_SCENARIO: "demo",
      OUTDIAL_SIM_DIAL_LOG: "/tmp/dials.log",
      OUTDIAL_LEASE_MS: "5000",
      OUTDIAL_TLS_CERT: EXISTING_FILE,
      OUTDIAL_TLS_KEY: EXISTING_FILE,
      OUTDIAL_MAX_IMPORT_BYTES: "50MiB",
      OUTDIAL_NODE_ID: "node-a",
      OUTDIAL_TRUST_PROXY: "10.0.0.5, 192.168.0.0/16,fd00::/8,loopback",
    });
    assert.deepEqual(
      [c.port, c.logLevel, c.simSeed, c.leaseMs, c.maxImportBytes, c.nodeId, c.tlsKey],
      [9000, "debug", 42, 5000, 50 * 1024 * 1024, "node-a", EXISTING_FILE],
    );
    assert.deepEqual(c.trustProxy, ["10.0.0.5", "192.168.0.0/16", "fd00::/8", "loopback"]);
  });

  test("bad values fail fast naming the variable", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ OUTDIAL_PORT: "eighty" }, /OUTDIAL_PORT must be an integer/],
      [{ OUTDIAL_PORT: "70000" }, /OUTDIAL_PORT must be between 0 and 65535/],
      [{ OUTDIAL_LOG_LEVEL: "loud" }, /OUTDIAL_LOG_LEVEL must be one of/],
      [{ OUTDIAL_DRIVER: "carrier-pigeon" }, /OUTDIAL_DRIVER must be one of/],
      [{ OUTDIAL_LEASE_MS: "10" }, /OUTDIAL_LEASE_MS must be between/],
      [{ OUTDIAL_MAX_IMPORT_BYTES: "lots" }, /OUTDIAL_MAX_IMPORT_BYTES must be a byte count/],
      [{ OUTDIAL_TLS_CERT: EXISTING_FILE }, /OUTDIAL_TLS_KEY must be set together/],
      // "Trust everyone" would let any client pick the address its password tries count under.
      [{ OUTDIAL_TRUST_PROXY: "true" }, /OUTDIAL_TRUST_PROXY must list addresses or CIDR ranges/],
      [{ OUTDIAL_TRUST_PROXY: "10.0.0.0/33" }, /OUTDIAL_TRUST_PROXY must list/],
      [{ OUTDIAL_TRUST_PROXY: "0.0.0.0/0" }, /OUTDIAL_TRUST_PROXY must list/],
      [{ OUTDIAL_TRUST_PROXY: "::/0" }, /OUTDIAL_TRUST_PROXY must list/],
      [{ OUTDIAL_TRUST_PROXY: "10.0.0.1,,10.0.0.2" }, /OUTDIAL_TRUST_PROXY must list/],
      [{ OUTDIAL_TRUST_PROXY: "10.0.0.0/8/8" }, /OUTDIAL_TRUST_PROXY must list/],
      [
        { OUTDIAL_TLS_CERT: "/no/such/cert.pem", OUTDIAL_TLS_KEY: EXISTING_FILE },
        /OUTDIAL_TLS_CERT names a file that does not exist/,
      ],
    ];
    for (const [env, message] of cases) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
  });

  test("describeConfig masks the database password", () => {
    const shown = describeConfig(
      loadConfig({ OUTDIAL_DATABASE_URL: "postgres://outdial:s3cret@db:5432/outdial" }),
    );
    assert.equal(shown.databaseUrl, "postgres://outdial:***@db:5432/outdial");
    assert.ok(!JSON.stringify(shown).includes("s3cret"));
  });

  test("the database URL is masked however pg would find a password in it", () => {
    const cases: [string, string][] = [
      ["postgres://postgres:S3c@retPw@127.0.0.1:5432/db", "postgres://postgres:***@127.0.0.1:5432/db"],
      ["postgres://u@h:5432/db?password=S3cretPw", "postgres://u@h:5432/db?password=***"],
      [
        "postgresql://db/x?user=u&password=p1&sslpassword=p2",
        "postgresql://db/x?user=u&password=***&sslpassword=***",
      ],
      ["postgres://u@h/db?sslmode=require", "postgres://u@h/db?sslmode=require"],
      ["./data/outdial.db", "./data/outdial.db"],
    ];
    for (const [url, shown] of cases) {
      assert.equal(describeConfig(loadConfig({ OUTDIAL_DATABASE_URL: url })).databaseUrl, shown, url);
    }
  });

  // A URL of another scheme (mysql://, a typo) used to be taken as a SQLite file path: folders named after
  // the URL, its password among them, and a fresh database in them, under a postgres:// banner.
  test("the database URL is postgres:// or postgresql:// in any case, or a path; another URL is refused", () => {
    const taken: [string, string][] = [
      ["Postgres://u:p@db:5432/outdial", "postgres://u:p@db:5432/outdial"],
      ["POSTGRESQL://db/outdial?sslmode=require", "postgresql://db/outdial?sslmode=require"],
      ["postgres://u:p@db/outdial", "postgres://u:p@db/outdial"],
      ["./data/outdial.db", "./data/outdial.db"],
      [":memory:", ":memory:"],
      ["/var/lib/outdial/outdial.db", "/var/lib/outdial/outdial.db"],
    ];
    for (const [url, read] of taken) {
      const c = loadConfig({ OUTDIAL_DATABASE_URL: url });
      assert.equal(c.databaseUrl, read, url);
      assert.equal(isPostgresUrl(c.databaseUrl), url.includes("://"), url);
    }
    assert.equal(
      describeConfig(loadConfig({ OUTDIAL_DATABASE_URL: "Postgres://u:s3cret@db/x" })).databaseUrl,
      "postgres://u:***@db/x",
    );
    for (const url of [
      "mysql://ops:s3cret@127.0.0.1/outdial",
      "postgress://ops:s3cret@db/outdial",
      "postgres+ssl://ops:s3cret@db/outdial",
      "sqlite:///var/lib/outdial.db",
      "MySQL://ops:s3cr/et@db/outdial",
    ]) {
      assert.throws(
        () => loadConfig({ OUTDIAL_DATABASE_URL: url }),
        (err: Error) =>
          err.name === "ConfigError" &&
          /OUTDIAL_DATABASE_URL must be a postgres:\/\/ \(or postgresql:\/\/\) URL or a SQLite file path/.test(
            err.message,
          ) &&
          !/s3cr/.test(err.message),
        url,
      );
    }
  });

  test("isPostgresUrl takes the scheme in any case", () => {
    for (const url of ["postgres://h/d", "Postgres://h/d", "POSTGRESQL://h/d", "postgresql://h/d"])
      assert.ok(isPostgresUrl(url), url);
    for (const url of ["./postgres.db", "postgres:h/d", "mysql://h/d", ":memory:"])
      assert.ok(!isPostgresUrl(url), url);
  });

  test("the sip driver: its trunk, local address and credentials; the password masked", () => {
    const c = loadConfig({
      OUTDIAL_DRIVER: "sip",
      OUTDIAL_SIP_TRUNK: "sip:pbx.example.net:5080",
      OUTDIAL_SIP_BIND: "10.0.0.5:5062",
      OUTDIAL_SIP_USERNAME: "outdial",
      OUTDIAL_SIP_PASSWORD: "Tr0nk-s3cret",
      OUTDIAL_SIP_MAX_CHANNELS: "30",
    });
    assert.deepEqual(c.sip, {
      trunk: { host: "pbx.example.net", port: 5080 },
      bindHost: "10.0.0.5",
      bindPort: 5062,
      publicHost: null,
      username: "outdial",
      password: "Tr0nk-s3cret",
      fromDomain: null,
      maxChannels: 30,
      maxCallSec: 4 * 3600,
    });
    assert.ok(!JSON.stringify(describeConfig(c)).includes("Tr0nk-s3cret"));
    assert.equal((describeConfig(c).sip as { password: string }).password, "***");
    assert.equal(loadConfig({}).sip, null, "no sip settings for the sim driver");
    const local = loadConfig({ OUTDIAL_DRIVER: "sip", OUTDIAL_SIP_TRUNK: "127.0.0.1" }).sip;
    assert.equal(local?.bindHost, "127.0.0.1");
    assert.equal(local?.bindPort, 5060);
    assert.equal(local?.maxChannels, null);
    assert.deepEqual(local?.trunk, { host: "127.0.0.1", port: 5060 }, "port 5060 when left out");
    assert.deepEqual(
      loadConfig({ OUTDIAL_DRIVER: "sip", OUTDIAL_SIP_TRUNK: "sip:[::1]:5070" }).sip?.trunk,
      { host: "::1", port: 5070 },
      "an IPv6 trunk's host without its brackets",
    );
    const short = loadConfig({
      OUTDIAL_DRIVER: "sip",
      OUTDIAL_SIP_TRUNK: "pbx",
      OUTDIAL_SIP_MAX_CALL_SEC: "600",
    });
    assert.equal(short.sip?.maxCallSec, 600);
    assert.throws(
      () => loadConfig({ OUTDIAL_DRIVER: "sip", OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_MAX_CALL_SEC: "5" }),
      /OUTDIAL_SIP_MAX_CALL_SEC must be between 10 and 604800/,
    );
  });

  test("the sip driver refuses a setup that cannot work, naming the variable", () => {
    const sip = { OUTDIAL_DRIVER: "sip" };
    const cases: [Record<string, string>, RegExp][] = [
      [sip, /OUTDIAL_SIP_TRUNK must be set when OUTDIAL_DRIVER is sip/],
      [{ ...sip, OUTDIAL_SIP_TRUNK: "pbx:99999" }, /OUTDIAL_SIP_TRUNK must be host\[:port\]/],
      [{ ...sip, OUTDIAL_SIP_TRUNK: "pbx:0" }, /OUTDIAL_SIP_TRUNK must name a port other than 0/],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_BIND: "0.0.0.0:5060" },
        /OUTDIAL_SIP_PUBLIC_HOST must be set/,
      ],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_USERNAME: "u" },
        /OUTDIAL_SIP_PASSWORD must be set together/,
      ],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_BIND: "a b" },
        /OUTDIAL_SIP_BIND must be host\[:port\]/,
      ],
      [{ ...sip, OUTDIAL_SIP_TRUNK: "sips:pbx" }, /OUTDIAL_SIP_TRUNK is sips: \(TLS\)/],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_BIND: "[::0]:5060" },
        /OUTDIAL_SIP_PUBLIC_HOST must be set/,
      ],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_PUBLIC_HOST: "203.0.113.5:5070" },
        /OUTDIAL_SIP_PUBLIC_HOST must be a host name or IP address alone/,
      ],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_FROM_DOMAIN: "a.example>;x=1" },
        /OUTDIAL_SIP_FROM_DOMAIN must be a host name or IP address alone/,
      ],
      [
        { ...sip, OUTDIAL_SIP_TRUNK: "pbx", OUTDIAL_SIP_USERNAME: 'al"ice', OUTDIAL_SIP_PASSWORD: "p" },
        /OUTDIAL_SIP_USERNAME must be printable ASCII/,
      ],
    ];
    for (const [env, message] of cases) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
  });
});
