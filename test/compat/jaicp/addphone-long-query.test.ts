// GET addPhone over a real socket: Node's HTTP parser reads a request line and headers of at most
// http.maxHeaderSize bytes (16 KiB, its default, which the app keeps) before any route sees them, so the
// route's limits of 100 payload parameters and 4,000 characters a value hold only within that; the route's
// OpenAPI description says so. A longer request is a 431 in the app's {"error": {code, message, field}}
// shape, not Fastify's default body: for GET addPhone naming POST addPhones (which JAICP's own doc prefers
// for long or many parameters), for any other route the limit alone. Through inject, which skips Node's
// parser, none of this shows.
import assert from "node:assert/strict";
import { maxHeaderSize } from "node:http";
import { test } from "node:test";
import { jaicpFace } from "./helpers.ts";

const face = jaicpFace();
let listening: Promise<string> | undefined;
/** The app's address, listening as `outdial serve` does: Node's defaults, no server options of its own. */
const base = () => {
  listening ??= face.f.app.listen({ port: 0, host: "127.0.0.1" });
  return listening;
};

/** `n` payload parameters of `chars` characters each. */
const payload = (n: number, chars: number) =>
  Array.from({ length: n }, (_, i) => `note${i}=${"x".repeat(chars)}`).join("&");
const addPhoneUrl = async (query: string) =>
  `${await base()}/api/calls/campaign/${face.token}/addPhone?${query}`;

test("the limit is Node's default 16 KiB", () => {
  assert.equal(maxHeaderSize, 16 * 1024);
});

test("a GET addPhone within 16 KiB with values of 4,000 characters is taken over a socket", async () => {
  const res = await fetch(await addPhoneUrl(`phone=79110000000&${payload(3, 4000)}`));
  const body = await res.text();
  assert.equal(res.status, 200, body);
  assert.match(body, /^\d+$/);
});

test("a GET addPhone over 16 KiB is a 431 in the app's error shape naming POST addPhones", async () => {
  const before = await face.contactCount();
  const res = await fetch(await addPhoneUrl(`phone=79110000000&${payload(5, 4000)}`));
  assert.equal(res.status, 431);
  assert.match(String(res.headers.get("content-type")), /^application\/json/);
  const { error } = await res.json();
  assert.equal(error.code, "headers_too_large");
  assert.equal(error.field, "query");
  assert.match(error.message, new RegExp(`over ${maxHeaderSize} bytes`));
  assert.match(error.message, /POST addPhones/);
  assert.equal(await face.contactCount(), before, "nothing stored");
});

test("another route's request over 16 KiB is a 431 in the app's error shape, without addPhone's advice", async () => {
  const res = await fetch(`${await base()}/v1/campaigns?${payload(5, 4000)}`, {
    headers: { authorization: `Bearer ${face.f.key}` },
  });
  assert.equal(res.status, 431);
  const { error } = await res.json();
  assert.equal(error.code, "headers_too_large");
  assert.equal(error.field, undefined);
  assert.match(error.message, new RegExp(`over ${maxHeaderSize} bytes`));
  assert.doesNotMatch(error.message, /addPhones/);
});

test("the OpenAPI document states the 16 KiB limit and points to POST addPhones", async () => {
  const doc = (await face.f.call({ method: "GET", url: "/v1/openapi.json", key: null })).json();
  const description: string = doc.paths["/api/calls/campaign/{token}/addPhone"].get.description;
  assert.match(description, new RegExp(`fit in ${maxHeaderSize} bytes`));
  assert.match(description, /more: 431/);
  assert.match(description, /POST addPhones/);
});
