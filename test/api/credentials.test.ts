// Users (HTTP Basic) and service accounts (RS256 JWTs as Voximplant's clients sign them) authenticate
// requests like API keys do: scoped to their account, limited by their role, refused when anything is off.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { importPKCS8, SignJWT } from "jose";
import { type ApiFixture, apiFixture } from "./helpers.ts";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

async function jwt(
  privateKey: string,
  claims: { kid: string; iss: number | string; iat: number; exp: number; aud?: string | string[] },
): Promise<string> {
  const key = await importPKCS8(privateKey, "RS256");
  return new SignJWT({ iss: claims.iss as string, ...(claims.aud === undefined ? {} : { aud: claims.aud }) })
    .setProtectedHeader({ alg: "RS256", kid: claims.kid, typ: "JWT" })
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key);
}

describe("service accounts and users", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const nowSec = () => Math.floor(f.clock.now() / 1000);
  const get = (authorization: string, url = "/v1/campaigns") =>
    f.call({ method: "GET", url, key: null, headers: { authorization } });

  test("a service account's JWT is accepted while valid, and refused when expired, tampered or foreign", async () => {
    const created = await f.call({
      method: "POST",
      url: "/v1/service-accounts",
      payload: { name: "integration", role: "developer" },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { credentials } = created.json();
    assert.equal(credentials.account_id, f.accountId);
    const { key_id: kid, private_key: pk } = credentials;
    const iat = nowSec();
    // Voximplant's client: iss is the account id as a number, a 64 s lifetime.
    const good = await jwt(pk, { kid, iss: f.accountId, iat, exp: iat + 64 });
    assert.equal((await get(`Bearer ${good}`)).statusCode, 200);
    assert.equal(
      (await get(`Bearer ${await jwt(pk, { kid, iss: String(f.accountId), iat, exp: iat + 64 })}`))
        .statusCode,
      200,
    );
    // A little clock skew is allowed, an expired token is not.
    assert.equal(
      (await get(`Bearer ${await jwt(pk, { kid, iss: f.accountId, iat: iat - 80, exp: iat - 10 })}`))
        .statusCode,
      200,
    );
    const expired = await get(
      `Bearer ${await jwt(pk, { kid, iss: f.accountId, iat: iat - 200, exp: iat - 100 })}`,
    );
    assert.equal(expired.statusCode, 401);
    assert.match(expired.json().error.message, /exp/);
    assert.equal(
      (await get(`Bearer ${await jwt(pk, { kid, iss: f.accountId, iat: iat + 600, exp: iat + 700 })}`))
        .statusCode,
      401,
      "issued in the future",
    );
    assert.equal(
      (await get(`Bearer ${await jwt(pk, { kid, iss: f.accountId, iat, exp: iat + 7200 })}`)).statusCode,
      401,
      "lives too long",
    );
    assert.equal(
      (await get(`Bearer ${await jwt(pk, { kid, iss: f.accountId + 1, iat, exp: iat + 64 })}`)).statusCode,
      401,
      "another account's iss",
    );
    // A token addressed to another service is refused; one addressed to outdial is accepted.
    for (const aud of ["billing-service", ["outdial", "billing-service"]]) {
      const foreign = await get(
        `Bearer ${await jwt(pk, { kid, iss: f.accountId, iat, exp: iat + 64, aud })}`,
      );
      assert.equal(foreign.statusCode, 401, JSON.stringify(aud));
      assert.match(foreign.json().error.message, /aud/);
    }
    for (const aud of ["outdial", ["outdial"]]) {
      assert.equal(
        (await get(`Bearer ${await jwt(pk, { kid, iss: f.accountId, iat, exp: iat + 64, aud })}`)).statusCode,
        200,
        JSON.stringify(aud),
      );
    }
    // Tampered: the payload changed, the signature kept.
    const [h, , s] = good.split(".");
    const forged = Buffer.from(JSON.stringify({ iss: f.accountId, iat, exp: iat + 3000 })).toString(
      "base64url",
    );
    assert.equal((await get(`Bearer ${h}.${forged}.${s}`)).statusCode, 401);
    // Signed by some other key under this kid.
    const other = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    assert.equal(
      (await get(`Bearer ${await jwt(other.privateKey, { kid, iss: f.accountId, iat, exp: iat + 64 })}`))
        .statusCode,
      401,
    );
    assert.equal(
      (await get(`Bearer ${await jwt(pk, { kid: "nope", iss: f.accountId, iat, exp: iat + 64 })}`))
        .statusCode,
      401,
    );

    // A key nobody could sign for is refused: garbage after the PEM line, or a key that is not RSA.
    const ec = generateKeyPairSync("ec", {
      namedCurve: "P-256",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    for (const publicKey of ["-----BEGIN PUBLIC KEY-----garbage", ec.publicKey]) {
      const refused = await f.call({
        method: "POST",
        url: "/v1/service-accounts",
        payload: { name: "bad key", role: "supervisor", publicKey },
      });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().error.field, "body.publicKey");
    }
    // Nor an RSA key too short for RS256 (under 2048 bits): every token signed with it would be refused.
    const short = generateKeyPairSync("rsa", {
      modulusLength: 1024,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const tooShort = await f.call({
      method: "POST",
      url: "/v1/service-accounts",
      payload: { name: "short key", role: "supervisor", publicKey: short.publicKey },
    });
    assert.equal(tooShort.statusCode, 400, tooShort.body);
    assert.equal(tooShort.json().error.field, "body.publicKey");

    // A key of one's own: upload the public key, sign with the private one.
    const own = await f.call({
      method: "POST",
      url: "/v1/service-accounts",
      payload: { name: "byo", role: "supervisor", publicKey: other.publicKey },
    });
    assert.equal(own.statusCode, 201);
    assert.equal(own.json().credentials, undefined, "no private key was made, so none is shown");
    const ownToken = await jwt(other.privateKey, {
      kid: own.json().key_id,
      iss: f.accountId,
      iat,
      exp: iat + 64,
    });
    assert.equal((await get(`Bearer ${ownToken}`)).statusCode, 200);
    const write = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      key: null,
      headers: { authorization: `Bearer ${ownToken}` },
      payload: { name: "x" },
    });
    assert.equal(write.statusCode, 403, "a supervisor may not create campaigns");

    // Revoked: refused from now on.
    assert.equal(
      (await f.call({ method: "DELETE", url: `/v1/service-accounts/${created.json().id}` })).statusCode,
      204,
    );
    assert.equal((await get(`Bearer ${good}`)).statusCode, 401);
    const listed = await f.call({ method: "GET", url: "/v1/service-accounts" });
    assert.ok(
      listed
        .json()
        .data.every((s: Record<string, unknown>) => !("credentials" in s) && !("private_key" in s)),
    );
  });

  test("wrong passwords are throttled per address, for one user name and for all: 429 with Retry-After, then open again", async () => {
    const created = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "tess", password: "a good long password", role: "supervisor" },
    });
    assert.equal(created.statusCode, 201, created.body);
    const from = (remoteAddress: string, authorization: string) =>
      f.call({ method: "GET", url: "/v1/campaigns", key: null, remoteAddress, headers: { authorization } });
    for (let i = 0; i < 10; i++) {
      assert.equal((await from("198.51.100.1", basic("tess", `guess ${i}`))).statusCode, 401);
    }
    // The right password from that address is refused for the rest of the window, unchecked; from another
    // address it works: nobody can lock a user out by failing in their name.
    const locked = await from("198.51.100.1", basic("tess", "a good long password"));
    assert.equal(locked.statusCode, 429, locked.body);
    assert.equal(locked.json().error.code, "too_many_requests");
    assert.equal((await from("198.51.100.2", basic("tess", "a good long password"))).statusCode, 200);
    // One IPv6 host holds a /64: its addresses share one count.
    for (let i = 0; i < 10; i++) {
      assert.equal((await from(`2001:db8:5:6::${i + 1}`, basic("tess", `guess ${i}`))).statusCode, 401);
    }
    assert.equal((await from("2001:db8:5:6:ffff::1", basic("tess", "a good long password"))).statusCode, 429);
    assert.equal((await from("2001:db8:5:7::1", basic("tess", "a good long password"))).statusCode, 200);
    const wait = Number(locked.headers["retry-after"]);
    assert.ok(wait > 0 && wait <= 900, `Retry-After ${wait}`);
    // Made-up user names from one address: 50 wrong, then that address is refused for any name.
    for (let i = 0; i < 40; i++) {
      assert.equal((await from("198.51.100.1", basic(`nobody${i}`, "x"))).statusCode, 401);
    }
    assert.equal((await from("198.51.100.1", basic("nobody99", "x"))).statusCode, 429);
    assert.equal((await from("198.51.100.3", basic("nobody99", "x"))).statusCode, 401, "another address");
    // API keys are not throttled (they cannot be guessed).
    assert.equal(
      (await f.call({ method: "GET", url: "/v1/campaigns", remoteAddress: "198.51.100.1" })).statusCode,
      200,
    );
    await f.clock.advance(wait * 1000);
    assert.equal((await from("198.51.100.1", basic("tess", "a good long password"))).statusCode, 200);
  });

  test("wrong passwords sent all at once are throttled too: no more than the limit are checked", async () => {
    const created = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "burst", password: "a good long password", role: "supervisor" },
    });
    assert.equal(created.statusCode, 201, created.body);
    // The right password among 40 guesses sent together, from one address.
    const tries = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        f.call({
          method: "GET",
          url: "/v1/campaigns",
          key: null,
          remoteAddress: "198.51.100.77",
          headers: { authorization: basic("burst", i === 30 ? "a good long password" : `guess ${i}`) },
        }),
      ),
    );
    const codes = tries.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 401).length, 10, codes.join(" "));
    assert.equal(codes.filter((c) => c === 429).length, 30, codes.join(" "));
  });

  test("the right password sent many times at once goes through every time: tries being checked only make the rest wait", async () => {
    const created = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "busy.client", password: "a good long password", role: "supervisor" },
    });
    assert.equal(created.statusCode, 201, created.body);
    const tries = await Promise.all(
      Array.from({ length: 60 }, () =>
        f.call({
          method: "GET",
          url: "/v1/campaigns",
          key: null,
          remoteAddress: "198.51.100.78",
          headers: { authorization: basic("busy.client", "a good long password") },
        }),
      ),
    );
    assert.deepEqual(new Set(tries.map((r) => r.statusCode)), new Set([200]));
  });

  test("behind a proxy named in OUTDIAL_TRUST_PROXY, wrong passwords count by the forwarded client address", async () => {
    const proxied = await apiFixture(undefined, { OUTDIAL_TRUST_PROXY: "10.0.0.7" });
    try {
      const created = await proxied.call({
        method: "POST",
        url: "/v1/users",
        payload: { username: "pat", password: "a good long password", role: "supervisor" },
      });
      assert.equal(created.statusCode, 201, created.body);
      const via = (proxy: string, client: string, authorization: string) =>
        proxied.call({
          method: "GET",
          url: "/v1/campaigns",
          key: null,
          remoteAddress: proxy,
          headers: { authorization, "x-forwarded-for": client },
        });
      for (let i = 0; i < 10; i++) {
        assert.equal((await via("10.0.0.7", "203.0.113.9", basic("pat", `guess ${i}`))).statusCode, 401);
      }
      assert.equal(
        (await via("10.0.0.7", "203.0.113.9", basic("pat", "a good long password"))).statusCode,
        429,
      );
      // Another client behind the same proxy is its own address, not the proxy's.
      assert.equal(
        (await via("10.0.0.7", "203.0.113.10", basic("pat", "a good long password"))).statusCode,
        200,
      );
      // A peer that is not the proxy cannot choose its address with the header.
      for (let i = 0; i < 10; i++) {
        assert.equal(
          (await via("198.51.100.7", `203.0.113.${20 + i}`, basic("pat", `x${i}`))).statusCode,
          401,
        );
      }
      assert.equal(
        (await via("198.51.100.7", "203.0.113.99", basic("pat", "a good long password"))).statusCode,
        429,
      );
    } finally {
      await proxied.close();
    }
  });

  test("users sign in with HTTP Basic, scoped to their account and role", async () => {
    const created = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "ann", password: "correct horse battery", role: "call_list_manager" },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().password, undefined);
    assert.equal((await get(basic("ann", "correct horse battery"))).statusCode, 200);
    assert.equal((await get(basic("ann", "wrong horse battery"))).statusCode, 401);
    assert.equal((await get(basic("bob", "correct horse battery"))).statusCode, 401);
    assert.equal((await get("Basic !!!")).statusCode, 401);
    const denied = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      key: null,
      headers: { authorization: basic("ann", "correct horse battery") },
      payload: { name: "x" },
    });
    assert.equal(denied.statusCode, 403);

    const dup = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "ann", password: "another long password", role: "supervisor" },
    });
    assert.equal(dup.statusCode, 409);
    const short = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "c", password: "short", role: "supervisor" },
    });
    assert.equal(short.statusCode, 400);
    assert.equal(short.json().error.field, "body.password");

    // Another account's user sees only that account.
    const other = await f.newAccount("other");
    await f.call({ method: "POST", url: "/v1/campaigns", key: other.key, payload: { name: "theirs" } });
    await f.call({
      method: "POST",
      url: "/v1/users",
      key: other.key,
      payload: { username: "zed", password: "zed's long password", role: "supervisor" },
    });
    const theirs = (await get(basic("zed", "zed's long password")))
      .json()
      .data.map((c: { name: string }) => c.name);
    assert.deepEqual(theirs, ["theirs"]);
    assert.equal((await f.call({ method: "GET", url: `/v1/users`, key: other.key })).json().data.length, 1);

    // Disabled users and changed passwords.
    const id = created.json().id;
    await f.call({ method: "PATCH", url: `/v1/users/${id}`, payload: { disabled: true } });
    assert.equal((await get(basic("ann", "correct horse battery"))).statusCode, 401);
    await f.call({
      method: "PATCH",
      url: `/v1/users/${id}`,
      payload: { disabled: false, password: "a brand new password" },
    });
    assert.equal((await get(basic("ann", "correct horse battery"))).statusCode, 401);
    assert.equal((await get(basic("ann", "a brand new password"))).statusCode, 200);
  });

  test("only an owner hands out ownership; other roles cannot manage credentials", async () => {
    const admin = await f.keyWithRole("admin");
    const asAdmin = await f.call({
      method: "POST",
      url: "/v1/users",
      key: admin,
      payload: { username: "boss", password: "a long enough password", role: "owner" },
    });
    assert.equal(asAdmin.statusCode, 403);
    const developer = await f.keyWithRole("developer");
    for (const url of ["/v1/users", "/v1/service-accounts"]) {
      assert.equal((await f.call({ method: "GET", url, key: developer })).statusCode, 403);
    }
    assert.equal((await get("Bearer not-a-key")).statusCode, 401);
    assert.equal((await get("Digest abc")).statusCode, 401);
  });
  test("a user deleted while a password change is hashed: the change answers 404, not 500", async () => {
    const created = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "dora", password: "a long enough password", role: "supervisor" },
    });
    assert.equal(created.statusCode, 201, created.body);
    const url = `/v1/users/${created.json().id}`;
    // The password is hashed with scrypt (tens of milliseconds); the delete lands meanwhile.
    const patching = f.call({ method: "PATCH", url, payload: { password: "another long password" } });
    await new Promise((r) => setTimeout(r, 15));
    const deleted = await f.call({ method: "DELETE", url });
    const patched = await patching;
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.equal(patched.statusCode, 404, patched.body);
    assert.equal(patched.json().error.code, "not_found");
  });
});
