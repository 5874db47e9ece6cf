// The import routes through Fastify's inject, with a streamed CSV body, multipart and JSON.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyError } from "fastify";
import { importRoutes } from "../../src/lists/import-routes.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "../api/helpers.ts";
import { contactRows, countContacts, type Fixture, fixture, NOW } from "./helpers.ts";

async function app(f: Fixture) {
  const woken: number[] = [];
  const server = Fastify();
  // What the application's error handler does (src/api/ owns the real one).
  server.setErrorHandler((err: FastifyError & { field?: string }, _req, reply) => {
    reply
      .status(err.statusCode ?? 500)
      .send({ error: { code: err.code, message: err.message, field: err.field } });
  });
  await server.register(swagger, { openapi: { info: { title: "outdial", version: "test" } } });
  await server.register(importRoutes, {
    store: f.store,
    getAccountId: () => f.accountId,
    wake: () => woken.push(1),
    now: () => NOW,
  });
  await server.ready();
  return { server, woken };
}

function chunked(text: string): Readable {
  return Readable.from(text.match(/[\s\S]{1,5}/g) ?? []);
}

test("POST …/import streams a CSV body with options and a column mapping from the query", async () => {
  const f = await fixture();
  const { server, woken } = await app(f);
  const csv = "Tel1;Tel2;Client\n8 916 123-45-67;+74951234567;Ann\n+7 916 000;;Bob\n";
  const res = await server.inject({
    method: "POST",
    url: `/v1/campaigns/${f.campaignId}/lists/${f.listId}/import?delimiter=%3B&default_country=RU&map.phone=Tel1,Tel2&phone_policy=skip`,
    headers: { "content-type": "text/csv" },
    payload: chunked(csv),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    rows: 2,
    inserted: 1,
    skipped: 1,
    flagged: 0,
    errorsTruncated: false,
    errors: [
      {
        row: 2,
        field: "phone",
        code: "invalid_phone",
        message: "not a valid RU phone number",
        value: "+7 916 000",
      },
    ],
  });
  const [row] = await contactRows(f);
  assert.deepEqual([row.phones, row.custom], ['["+79161234567","+74951234567"]', '{"Client":"Ann"}']);
  assert.equal(woken.length, 1);
  await server.close();
});

test("errors come back as {error:{code,message,field}} with their status, and store nothing", async () => {
  const f = await fixture();
  const { server, woken } = await app(f);
  const url = `/v1/campaigns/${f.campaignId}/lists/${f.listId}/import`;
  const bad = await server.inject({
    method: "POST",
    url: `${url}?phone_policy=reject`,
    headers: { "content-type": "application/octet-stream" },
    payload: chunked("phone,tz\n+79161234567,UTC\n+79161234568,Atlantis\n"),
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, "invalid_time_zone");
  assert.equal(bad.json().error.field, "time_zone");
  const enc = await server.inject({
    method: "POST",
    url: `${url}?encoding=ebcdic-martian`,
    headers: { "content-type": "text/csv" },
    payload: "phone\n",
  });
  assert.deepEqual(
    [enc.statusCode, enc.json().error.code, enc.json().error.field],
    [400, "unknown_encoding", "encoding"],
  );
  const missing = await server.inject({
    method: "POST",
    url: `/v1/campaigns/${f.campaignId}/lists/4242/import`,
    headers: { "content-type": "text/csv" },
    payload: "phone\n+79161234567\n",
  });
  assert.deepEqual([missing.statusCode, missing.json().error.code], [404, "list_not_found"]);
  assert.equal(await countContacts(f), 0);
  assert.equal(woken.length, 0);
  await server.close();
});

test("an over-size upload gets 413 payload_too_large and the connection is closed", async () => {
  const f = await fixture();
  const server = Fastify();
  server.setErrorHandler((err: FastifyError, _req, reply) => {
    reply.status(err.statusCode ?? 500).send({ error: { code: err.code, message: err.message } });
  });
  await server.register(importRoutes, {
    store: f.store,
    getAccountId: () => f.accountId,
    wake: () => {},
    maxBytes: 64,
  });
  const rows = Array.from({ length: 100 }, (_, i) => `+7916${String(1_000_000 + i)}`).join("\n");
  const res = await server.inject({
    method: "POST",
    url: `/v1/campaigns/${f.campaignId}/lists/${f.listId}/import`,
    headers: { "content-type": "text/csv" },
    payload: chunked(`phone\n${rows}\n`),
  });
  assert.deepEqual([res.statusCode, res.json().error.code], [413, "payload_too_large"]);
  assert.equal(res.headers.connection, "close");
  assert.equal(await countContacts(f), 0);
  await server.close();
});

test("multipart/form-data with a file part", async () => {
  const f = await fixture();
  const { server } = await app(f);
  const boundary = "----outdial-test";
  const body = [
    `--${boundary}`,
    'Content-Disposition: form-data; name="file"; filename="people.csv"',
    "Content-Type: text/csv",
    "",
    "phone,name\n+79161234567,Ann\n+79161234568,Bob\n",
    `--${boundary}--`,
    "",
  ].join("\r\n");
  const res = await server.inject({
    method: "POST",
    url: `/v1/campaigns/${f.campaignId}/lists/${f.listId}/import`,
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().inserted, 2);
  await server.close();
});

test("POST …/contacts adds JSON contacts; more than 10,000 → 413; both routes are documented", async () => {
  const f = await fixture();
  const { server, woken } = await app(f);
  const url = `/v1/campaigns/${f.campaignId}/lists/${f.listId}/contacts`;
  const res = await server.inject({
    method: "POST",
    url,
    payload: {
      contacts: [{ phone: "+79161234567", custom: { name: "Ann" } }, { phone: "89161234568" }],
      default_country: "RU",
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    rows: 2,
    inserted: 2,
    skipped: 0,
    flagged: 0,
    errors: [],
    errorsTruncated: false,
  });
  assert.equal(woken.length, 1);
  const contacts = Array.from({ length: 10_001 }, () => ({ phone: "+79161234569" }));
  const tooMany = await server.inject({ method: "POST", url, payload: { contacts } });
  assert.deepEqual([tooMany.statusCode, tooMany.json().error.code], [413, "too_many_contacts"]);
  const invalid = await server.inject({
    method: "POST",
    url,
    payload: { contacts: [], phone_policy: "never" },
  });
  assert.equal(invalid.statusCode, 400);
  const paths = (server.swagger() as { paths: Record<string, unknown> }).paths;
  assert.ok(paths["/v1/campaigns/{campaignId}/lists/{listId}/import"]);
  assert.ok(paths["/v1/campaigns/{campaignId}/lists/{listId}/contacts"]);
  await server.close();
});

test("quote given without escape: a doubled quote escapes it, as when both are given", async () => {
  const f = await fixture();
  const { server } = await app(f);
  const url = `/v1/campaigns/${f.campaignId}/lists/${f.listId}/import?delimiter=%3B&quote='&duplicate_policy=allow`;
  for (const query of ["", "&escape='"]) {
    const res = await server.inject({
      method: "POST",
      url: url + query,
      headers: { "content-type": "text/csv" },
      payload: "phone;name\n+12125550123;'O''Brien; Jr.'\n",
    });
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
  }
  assert.deepEqual(
    (await contactRows(f)).map((c) => JSON.parse(c.custom).name),
    ["O'Brien; Jr.", "O'Brien; Jr."],
  );
  await server.close();
});

test("at most 100 custom fields a contact: a CSV with more custom columns is a 400, a JSON contact a skipped row", async () => {
  const f = await fixture();
  const { server } = await app(f);
  const base = `/v1/campaigns/${f.campaignId}/lists/${f.listId}`;
  const names = Array.from({ length: 101 }, (_, i) => `f${i}`);
  const csv = `phone,${names.join(",")}\n+12125550123,${names.join(",")}\n`;
  const wide = await server.inject({
    method: "POST",
    url: `${base}/import`,
    headers: { "content-type": "text/csv" },
    payload: csv,
  });
  assert.equal(wide.statusCode, 400, wide.body);
  assert.deepEqual(
    [wide.json().error.code, wide.json().error.field],
    ["too_many_custom_fields", "map.custom"],
  );
  const mapped = await server.inject({
    method: "POST",
    url: `${base}/import?map.phone=phone&map.custom=${names.slice(0, 100).join(",")}`,
    headers: { "content-type": "text/csv" },
    payload: csv,
  });
  assert.equal(mapped.statusCode, 200, mapped.body);
  assert.equal(mapped.json().inserted, 1);

  const custom = (n: number) => Object.fromEntries(names.slice(0, n).map((k) => [k, "v"]));
  const json = await server.inject({
    method: "POST",
    url: `${base}/contacts`,
    payload: {
      contacts: [
        { phone: "+12125550124", custom: custom(100) },
        { phone: "+12125550125", custom: custom(101) },
      ],
    },
  });
  assert.equal(json.statusCode, 200, json.body);
  assert.deepEqual(
    [json.json().inserted, json.json().errors.map((e: { row: number; code: string }) => [e.row, e.code])],
    [1, [[2, "too_many_custom_fields"]]],
  );
  assert.equal(await countContacts(f), 2);
  await server.close();
});

/** The whole application: its schema options, error handler and authentication around the routes. */
async function appWithList(): Promise<{ f: ApiFixture; base: string }> {
  const f = await apiFixture();
  const { id, listId } = await createCampaignViaApi(f, { name: "imports" });
  return { f, base: `/v1/campaigns/${id}/lists/${listId}` };
}

async function storedPhones(f: ApiFixture): Promise<string[]> {
  return (await f.store.db.selectFrom("contacts").select("phone").execute()).map((r) => r.phone);
}

test("a misspelt option is a 400 naming it as sent, not ignored: query parameters, map.<field>, body fields", async () => {
  const { f, base } = await appWithList();
  const csv = (url: string, payload: string) =>
    f.call({ method: "POST", url: `${base}${url}`, headers: { "content-type": "text/csv" }, payload });
  const cases = [
    [
      await csv("/import?duplicate-policy=reject&phone-policy=reject", "phone\n+79161234567\n+79161234567\n"),
      "querystring.duplicate-policy",
    ],
    [
      await csv("/import?map.phones=Mobile", "Phone,Mobile\n+79161230001,+79161239999\n"),
      "querystring.map.phones",
    ],
    [
      await csv("/import?map.Phone=Mobile", "Phone,Mobile\n+79161230001,+79161239999\n"),
      "querystring.map.Phone",
    ],
    [
      await f.call({
        method: "POST",
        url: `${base}/contacts`,
        payload: { contacts: [{ phone: "+79161235555" }], duplicatePolicy: "reject" },
      }),
      "body.duplicatePolicy",
    ],
  ] as const;
  for (const [res, field] of cases) {
    assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
    assert.equal(res.json().error.code, "invalid_request");
    assert.equal(res.json().error.field, field);
    assert.match(res.json().error.message, /not a known property/);
  }
  assert.deepEqual(await storedPhones(f), []);
  // The options spelt right still work.
  const ok = await csv(
    "/import?duplicate_policy=reject&map.phone=Mobile&map.custom=Phone",
    "Phone,Mobile\n+79161230001,+79161239999\n",
  );
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(await storedPhones(f), ["+79161239999"]);
  await f.close();
});

test("a CSV sent as another content type is a 415 naming the types taken, before the body is read", async () => {
  const { f, base } = await appWithList();
  for (const [type, payload] of [
    ["text/plain", "phone\n+79161234567\n"],
    ["application/json", '"phone\\n+79161234567\\n"'],
    ["application/x-www-form-urlencoded", "phone=%2B79161234567"],
    // Over the 1 MiB limit of Fastify's own text parser: reading it first would answer 413.
    ["text/plain; charset=utf-8", `phone\n${"+79161234567\n".repeat(200_000)}`],
  ]) {
    const res = await f.call({
      method: "POST",
      url: `${base}/import`,
      headers: { "content-type": type },
      payload,
    });
    assert.equal(res.statusCode, 415, `${type}: ${res.body}`);
    const { error } = res.json();
    assert.equal(error.code, "unsupported_media_type");
    assert.equal(error.field, "headers.content-type");
    for (const taken of ["text/csv", "application/csv", "application/octet-stream", "multipart/form-data"])
      assert.ok(error.message.includes(taken), `${type}: ${error.message}`);
    assert.equal(res.headers.connection, "close", type);
  }
  const noType = await f.call({ method: "POST", url: `${base}/import`, payload: Buffer.from("phone\n") });
  assert.deepEqual([noType.statusCode, noType.json().error.code], [415, "unsupported_media_type"]);
  // Without a body there is nothing to type: still told to send one.
  const empty = await f.call({ method: "POST", url: `${base}/import` });
  assert.deepEqual([empty.statusCode, empty.json().error.code], [400, "missing_body"]);
  // Parameters and case do not matter; an unauthenticated caller hears 401 first.
  const csv = await f.call({
    method: "POST",
    url: `${base}/import`,
    headers: { "content-type": "Text/CSV; charset=utf-8" },
    payload: "phone\n+79161234567\n",
  });
  assert.equal(csv.statusCode, 200, csv.body);
  const anonymous = await f.call({
    method: "POST",
    url: `${base}/import`,
    key: null,
    headers: { "content-type": "text/plain" },
    payload: "phone\n",
  });
  assert.equal(anonymous.statusCode, 401);
  assert.deepEqual(await storedPhones(f), ["+79161234567"]);
  await f.close();
});

test("column-mapping errors name the query parameter the caller used (map.<field>)", async () => {
  const { f, base } = await appWithList();
  const cases = [
    ["?map.phone=Tel", "phone\n+79161234567\n", "unknown_column", "map.phone"],
    ["?map.external_id=Ref", "phone\n+79161234567\n", "unknown_column", "map.external_id"],
    ["?map.phone=phone&map.custom=phone", "phone\n+79161234567\n", "duplicate_mapping", "map.custom"],
    ["", "name\nAnn\n", "missing_phone_column", "map.phone"],
  ];
  for (const [query, payload, code, field] of cases) {
    const res = await f.call({
      method: "POST",
      url: `${base}/import${query}`,
      headers: { "content-type": "text/csv" },
      payload,
    });
    assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
    assert.deepEqual([res.json().error.code, res.json().error.field], [code, field], query);
  }
  assert.deepEqual(await storedPhones(f), []);
  await f.close();
});

test("a multipart body the parser cannot read is a 400 naming file, and stores nothing", async () => {
  const { f, base } = await appWithList();
  try {
    const boundary = "XyZ";
    for (const [type, payload] of [
      ["multipart/form-data", "garbage"],
      [`multipart/form-data; boundary=${boundary}`, "garbage"],
      [
        `multipart/form-data; boundary=${boundary}`,
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nphone\n+12125550109`,
      ],
    ]) {
      const res = await f.call({
        method: "POST",
        url: `${base}/import`,
        headers: { "content-type": type },
        payload,
      });
      assert.equal(res.statusCode, 400, `${type}: ${res.body}`);
      assert.deepEqual([res.json().error.code, res.json().error.field], ["malformed_multipart", "file"]);
    }
    assert.deepEqual(await storedPhones(f), []);
  } finally {
    await f.close();
  }
});

test("a multipart upload with a second file part is a 400 naming file, and stores nothing", async () => {
  const { f, base } = await appWithList();
  try {
    const boundary = "XyZ";
    const part = (name: string, filename: string, csv: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`;
    for (const second of ["file", "more"]) {
      const res = await f.call({
        method: "POST",
        url: `${base}/import`,
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: `${part("file", "a.csv", "phone\n+79161234567\n")}${part(second, "b.csv", "phone\n+79161234568\n")}--${boundary}--\r\n`,
      });
      assert.equal(res.statusCode, 400, `${second}: ${res.body}`);
      const { error } = res.json();
      assert.deepEqual([error.code, error.field], ["multiple_files", "file"], second);
      assert.match(error.message, new RegExp(`one file part.*\`${second}\``), second);
    }
    assert.deepEqual(await storedPhones(f), []);
    // A form field beside the one file part is refused too (options go in the query string), nothing stored.
    const withField = await f.call({
      method: "POST",
      url: `${base}/import`,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      payload: `${part("file", "a.csv", "phone\n+79161234567\n")}--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`,
    });
    assert.equal(withField.statusCode, 400, withField.body);
    assert.deepEqual(
      [withField.json().error.code, withField.json().error.field],
      ["unexpected_form_field", "note"],
    );
    assert.deepEqual(await storedPhones(f), []);
  } finally {
    await f.close();
  }
});

test("a bad multipart upload to a list that does not exist is a 404, and the node lives on", async () => {
  // The route fails before it reads the file (no such list): the file stream's own error (a second file
  // part, a body cut short) came with no reader, and an unhandled 'error' event ended the process.
  const { f, base } = await appWithList();
  try {
    const boundary = "XyZ";
    const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nphone\n+79161234567\r\n`;
    const missing = base.replace(/\/lists\/\d+$/, "/lists/999999");
    for (const rest of [
      `--${boundary}\r\nContent-Disposition: form-data; name="more"; filename="b.csv"\r\n\r\nphone\n+79161234568\r\n--${boundary}--\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\nabc`,
    ]) {
      const res = await f.call({
        method: "POST",
        url: `${missing}/import`,
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        payload: file + rest,
      });
      assert.equal(res.statusCode, 404, res.body);
    }
    await new Promise((r) => setTimeout(r, 50));
    const ok = await f.call({
      method: "POST",
      url: `${base}/import`,
      headers: { "content-type": "text/csv" },
      payload: "phone\n+79161234567\n",
    });
    assert.equal(ok.statusCode, 200, ok.body);
  } finally {
    await f.close();
  }
});

test("a 400 found at a row names it in error.row, through the routes' own error schema", async () => {
  const { f, base } = await appWithList();
  try {
    const csv = await f.call({
      method: "POST",
      url: `${base}/import?phone_policy=reject`,
      headers: { "content-type": "text/csv" },
      payload: "phone\n+12125550100\nbad\n",
    });
    assert.equal(csv.statusCode, 400, csv.body);
    assert.deepEqual([csv.json().error.code, csv.json().error.row], ["invalid_phone", 2]);
    const header = await f.call({
      method: "POST",
      url: `${base}/import`,
      headers: { "content-type": "text/csv" },
      payload: Buffer.concat([Buffer.from("phone,"), Buffer.from([0xc8, 0xec, 0xff]), Buffer.from("\n")]),
    });
    assert.deepEqual(
      [header.statusCode, header.json().error.code, header.json().error.row],
      [400, "bad_encoding", 0],
    );
    const json = await f.call({
      method: "POST",
      url: `${base}/contacts`,
      payload: { contacts: [{ phone: "+12125550100" }, { phone: "x" }], phone_policy: "reject" },
    });
    assert.equal(json.statusCode, 400, json.body);
    assert.equal(json.json().error.row, 2);
    assert.deepEqual(await storedPhones(f), []);
  } finally {
    await f.close();
  }
});
