// A JSON body is read as UTF-8 strictly (RFC 8259: JSON is UTF-8). Fastify's own JSON parser put U+FFFD in
// place of bytes that are not UTF-8, so POST /v1/campaigns with a name in windows-1251 answered 201 and
// stored "������" (with `charset=windows-1251` declared too), and so did the faces that read JSON with the
// same parser: JAICP's addPhones stored a garbled payload, Xcally's POST /api/cm/lists a garbled name (sent as a form too,
// as the seed's curl -d does). Now
// such a body is a 400 in each face's error format saying the body is not UTF-8, with nothing stored. A
// UTF-8 body (with a leading BOM too), malformed JSON, an empty body, a "__proto__" key and a body over the
// limit are answered as before.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import iconv from "iconv-lite";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

/** `prefix`, `text` in windows-1251, then `suffix`: a JSON body a CRM in that encoding sends. */
const cp1251 = (prefix: string, text: string, suffix: string): Buffer =>
  Buffer.concat([Buffer.from(prefix), iconv.encode(text, "win1251"), Buffer.from(suffix)]);

const JSON_TYPE = { "content-type": "application/json" };

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

const postCampaign = (payload: string | Buffer, headers: Record<string, string> = JSON_TYPE) =>
  f.call({ method: "POST", url: "/v1/campaigns", headers, payload });
const campaignNames = async () =>
  (await f.store.db.selectFrom("campaigns").select("name").execute()).map((c) => c.name);

function assertNotUtf8(res: { statusCode: number; body: string }, field = "body"): void {
  assert.equal(res.statusCode, 400, res.body);
  const error = JSON.parse(res.body).error;
  assert.equal(error.code, "invalid_request");
  assert.equal(error.field, field);
  assert.match(error.message, /not UTF-8/);
}

describe("the native API", () => {
  for (const contentType of ["application/json", "application/json; charset=windows-1251"]) {
    test(`a body (${contentType}) whose bytes are not UTF-8 is a 400 saying so, nothing stored`, async () => {
      const before = await campaignNames();
      assertNotUtf8(await postCampaign(cp1251('{"name":"', "Обзвон", '"}'), { "content-type": contentType }));
      assert.deepEqual(await campaignNames(), before);
    });
  }

  test("the import routes' JSON bodies are read the same way", async () => {
    const { id, listId } = await createCampaignViaApi(f, { name: "import" });
    const res = await f.call({
      method: "POST",
      url: `/v1/campaigns/${id}/lists/${listId}/contacts`,
      headers: JSON_TYPE,
      payload: cp1251('{"contacts":[{"phone":"+12125550100","custom":{"name":"', "Алекс", '"}}]}'),
    });
    assertNotUtf8(res);
    assert.deepEqual(await f.store.db.selectFrom("contacts").select("id").execute(), []);
  });

  test("a UTF-8 body is read as before, a leading BOM too", async () => {
    const plain = await postCampaign(JSON.stringify({ name: "Обзвон" }));
    assert.equal(plain.statusCode, 201, plain.body);
    assert.equal(plain.json().name, "Обзвон");
    const bom = await postCampaign(`\uFEFF${JSON.stringify({ name: "С BOM" })}`);
    assert.equal(bom.statusCode, 201, bom.body);
    assert.equal(bom.json().name, "С BOM");
  });

  test("malformed JSON, an empty body, a reserved key and a body over the limit are answered as before", async () => {
    const invalid = "Body is not valid JSON but content-type is set to 'application/json'";
    // Fastify's parser strips one BOM: a body of a BOM alone, or of two before the JSON, is not JSON.
    for (const body of ['{"name":', "\uFEFF", '\uFEFF\uFEFF{"name":"x"}', '{"name":"p","__proto__":{}}']) {
      const res = await postCampaign(body);
      assert.equal(res.statusCode, 400, body);
      assert.deepEqual(errorOf(res), { code: "invalid_request", message: invalid }, body);
    }
    assert.deepEqual(errorOf(await postCampaign('{"name":"p","constructor":{"prototype":{}}}')), {
      code: "invalid_request",
      message: invalid,
    });
    const empty = await postCampaign("");
    assert.equal(empty.statusCode, 400);
    // An empty body is no body (api13): answered as a request without one, naming the field.
    assert.deepEqual(errorOf(empty), {
      code: "invalid_request",
      message: "body must be an object (got null)",
      field: "body",
    });
    const big = await postCampaign(JSON.stringify({ name: "x".repeat(1024 * 1024) }));
    assert.equal(big.statusCode, 413);
    assert.equal(errorOf(big).code, "payload_too_large");
  });
});

describe("the faces that read JSON with the same parser", () => {
  test("JAICP addPhones: a payload in windows-1251 is a 400 naming the body, not stored garbled", async () => {
    const { id } = await createCampaignViaApi(f, { name: "bot" });
    const token = (
      await f.call({ method: "POST", url: `/v1/campaigns/${id}/tokens`, payload: { name: "j" } })
    ).json().token;
    const before = (await f.store.db.selectFrom("contacts").select("id").execute()).length;
    const res = await f.call({
      method: "POST",
      url: `/api/calls/campaign/${token}/addPhones`,
      key: null,
      headers: JSON_TYPE,
      payload: cp1251('[{"phone":"79110000000","payload":{"name":"', "Алекс", '"}}]'),
    });
    assertNotUtf8(res);
    assert.equal((await f.store.db.selectFrom("contacts").select("id").execute()).length, before);
  });

  test("Xcally: a list named in windows-1251 is a 400 naming the body, not created garbled", async () => {
    const user = await f.call({
      method: "POST",
      url: "/v1/users",
      payload: { username: "xadmin", password: "correct horse battery", role: "admin" },
    });
    assert.equal(user.statusCode, 201, user.body);
    const authorization = `Basic ${Buffer.from("xadmin:correct horse battery").toString("base64")}`;
    const res = await f.call({
      method: "POST",
      url: "/api/cm/lists",
      key: null,
      headers: { ...JSON_TYPE, authorization },
      payload: cp1251('{"name":"', "Список", '"}'),
    });
    assertNotUtf8(res);
    // The seed's curl -d sends it as a form: read as JSON by the face's own parser, as strictly.
    const form = await f.call({
      method: "POST",
      url: "/api/cm/lists",
      key: null,
      headers: { "content-type": "application/x-www-form-urlencoded", authorization },
      payload: cp1251('{"name":"', "Список", '"}'),
    });
    assertNotUtf8(form);
    const lists = await f.call({
      method: "GET",
      url: "/api/cm/lists",
      key: null,
      headers: { authorization },
    });
    assert.equal(lists.json().count, 0, lists.body);
  });

  test("Twin24: a task body in windows-1251 is a 400 naming the body", async () => {
    const res = await f.call({
      method: "POST",
      url: "/cis/api/v1/telephony/autoCall",
      headers: JSON_TYPE,
      payload: cp1251('{"name":"', "Обзвон", '"}'),
    });
    assertNotUtf8(res);
  });
});
