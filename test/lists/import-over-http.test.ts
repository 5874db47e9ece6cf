// The README tour's import over a real HTTP connection, not app.inject (whose fake request is shallow): a
// raw CSV body is the request stream itself, which the API's text guard must not walk into (it went down
// socket.parser.socket… and answered every raw upload 400 "nested deeper than 32 levels").
import assert from "node:assert/strict";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture } from "../api/helpers.ts";

const CONTACTS = fs.readFileSync(new URL("../../examples/contacts.csv", import.meta.url));
const QUERY = "delimiter=;&default_country=US&phone_policy=skip";

let f: ApiFixture;
let base: string;
before(async () => {
  f = await apiFixture();
  await f.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
});
after(() => f.close());

async function newList(): Promise<string> {
  const headers = { authorization: `Bearer ${f.key}`, "content-type": "application/json" };
  const post = async (url: string, body: object) =>
    (await fetch(`${base}${url}`, { method: "POST", headers, body: JSON.stringify(body) })).json();
  const campaign = await post("/v1/campaigns", { name: "tour" });
  const list = await post(`/v1/campaigns/${campaign.id}/lists`, { name: "people" });
  return `${base}/v1/campaigns/${campaign.id}/lists/${list.id}/import?${QUERY}`;
}

for (const type of ["text/csv", "application/octet-stream"]) {
  test(`a raw ${type} body imports the file`, async () => {
    const res = await fetch(await newList(), {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}`, "content-type": type },
      body: CONTACTS,
    });
    const report = await res.json();
    assert.equal(res.status, 200, JSON.stringify(report).slice(0, 300));
    assert.equal(report.rows, 500);
  });
}

test("a multipart upload imports the file", async () => {
  const form = new FormData();
  form.append("file", new Blob([CONTACTS]), "contacts.csv");
  const res = await fetch(await newList(), {
    method: "POST",
    headers: { authorization: `Bearer ${f.key}` },
    body: form,
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).rows, 500);
});
