// Audit xcally13: POST /api/cm/lists/{id}/contacts takes at most 10,000 contacts, but set no body limit of
// its own: a JSON body was held to the app's 1 MiB, so 10,000 contacts shaped as the seed's (~120 bytes each,
// 1.2 MB) were a 413 as application/json and taken as a form (the seed's curl -d, read by the face's own
// parser with the upload's 200 MiB). Now each route's limit holds in every encoding: the bulk add's 16 MiB,
// the upload's own (for the file only: a JSON body there is refused unread), and the
// app's 1 MiB for every other route, a form included.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BULK_ADD_BODY_LIMIT } from "../../../src/api/compat/xcally/cm-routes.ts";
import { errorOf } from "../../api/helpers.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";
const MIB = 1024 * 1024;

/** `n` contacts as the seed's bulk add sends them, as JSON text. */
function seedContacts(listId: number, n: number): string {
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      ListId: listId,
      firstName: `first${i}`,
      lastName: "asdasdasd",
      phone: `+1212555${String(i).padStart(4, "0")}`,
      cf_1: "qwertyuio",
      cf_3: "asdfghjk",
    })),
  );
}

describe("xcally: a route's body limit is the same in every encoding", () => {
  let f: Twin24Fixture;
  before(async () => {
    f = await twin24Fixture({ scenario: "all_human" });
  });
  after(() => f.close());

  const post = (url: string, type: string, payload: string) =>
    f.call({ method: "POST", url, headers: { "content-type": type }, payload });
  async function newList(name: string): Promise<number> {
    const r = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id;
  }

  for (const type of [JSON_TYPE, FORM_TYPE]) {
    test(`a bulk add of 10,000 seed-shaped contacts (over 1 MiB) is taken as ${type}`, async () => {
      const listId = await newList(type);
      const body = seedContacts(listId, 10_000);
      assert.ok(Buffer.byteLength(body) > MIB, "the body is over the app's 1 MiB");
      const r = await post(`/api/cm/lists/${listId}/contacts`, type, body);
      assert.equal(r.statusCode, 201, r.body.slice(0, 300));
      assert.equal(r.json().length, 10_000);
    });

    test(`a bulk add over ${BULK_ADD_BODY_LIMIT} bytes is a 413 as ${type}`, async () => {
      const listId = await newList(`${type} big`);
      const body = JSON.stringify([{ phone: "+12125550100", cf_1: "x".repeat(BULK_ADD_BODY_LIMIT) }]);
      const r = await post(`/api/cm/lists/${listId}/contacts`, type, body);
      assert.equal(r.statusCode, 413, r.body);
      assert.equal(errorOf(r).code, "payload_too_large");
      assert.match(
        errorOf(r).message,
        new RegExp(`limit of ${BULK_ADD_BODY_LIMIT} bytes`),
        "names the limit",
      );
    });

    test(`another route's body is held to the app's 1 MiB as ${type}, not to the upload's limit`, async () => {
      const body = JSON.stringify({ name: "big", description: "x".repeat(MIB) });
      const r = await post("/api/cm/lists", type, body);
      assert.equal(r.statusCode, 413, r.body);
    });
  }

  test("the CSV upload takes a file over the app's 1 MiB; a JSON body there is refused unread", async () => {
    // Its own limits (16 MiB, 250,000 rows) are upload-size-limit.test.ts's.
    const rows = Array.from(
      { length: 100_000 },
      (_, i) => `name${i};+1212555${String(i % 10_000).padStart(4, "0")}`,
    );
    const csv = `name;phone\n${rows.join("\n")}\n`;
    assert.ok(Buffer.byteLength(csv) > MIB);
    const up = await post("/api/cm/contacts/upload", "text/csv", csv);
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().size, Buffer.byteLength(csv));
    const asJson = await post("/api/cm/contacts/upload", JSON_TYPE, JSON.stringify(csv));
    assert.equal(asJson.statusCode, 400, asJson.body);
    assert.equal(errorOf(asJson).field, "body");
    assert.match(errorOf(asJson).message, /CSV file/);
  });
});
