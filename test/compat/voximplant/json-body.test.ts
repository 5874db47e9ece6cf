// A JSON body is read as UTF-8 strictly. Fastify's own JSON parser put U+FFFD in place of bytes that are not
// UTF-8, so a list name and a file in windows-1251 sent in a JSON body were stored garbled and answered
// result:true, with `charset=windows-1251` declared too; multipart and url-encoded bodies were already
// refused so (multipart-bytes.test.ts). Now such a body is refused with 101 naming the parameter, nothing
// stored, and a UTF-8 JSON body is read as before. The parser is registered in the face's own scope: the
// native API's JSON bodies keep the app's (plugins/json-body.ts), with the native error format.
import assert from "node:assert/strict";
import { test } from "node:test";
import iconv from "iconv-lite";
import { listFields, voxFixture } from "./helpers.ts";

/** A CreateCallList JSON body whose `name` and `file_content` strings are in windows-1251. */
function cp1251Json(): Buffer {
  const text = JSON.stringify({ cmd: "CreateCallList", ...listFields(), name: "@N@", file_content: "@F@" });
  const [before, rest] = text.split("@N@");
  const [between, after] = rest.split("@F@");
  return Buffer.concat([
    Buffer.from(before),
    iconv.encode("Список", "win1251"),
    Buffer.from(between),
    iconv.encode("phone;Имя\\n+12125553026;Анна\\n", "win1251"),
    Buffer.from(after),
  ]);
}

/** The same CreateCallList in UTF-8. */
const utf8Json = () =>
  JSON.stringify({
    cmd: "CreateCallList",
    ...listFields(),
    name: "Список",
    file_content: "phone;Имя\n+12125553026;Анна\n",
  });

for (const contentType of ["application/json", "application/json; charset=windows-1251"]) {
  test(`a JSON body (${contentType}) with bytes that are not UTF-8 is refused (101) naming the parameter, in the face only`, async () => {
    const f = await voxFixture();
    try {
      const post = (payload: string | Buffer, type = contentType) =>
        f.call({ method: "POST", url: "/platform_api", headers: { "content-type": type }, payload });
      const res = await post(cp1251Json());
      assert.equal(res.statusCode, 200);
      const { error } = res.json();
      assert.equal(error?.code, 101, res.body);
      assert.match(error.msg, /'name' parameter is not UTF-8/);
      assert.equal((await f.vox("GetCallLists", {})).total_count, 0);
      assert.deepEqual(await f.store.db.selectFrom("contacts").select("id").execute(), []);

      // Sent again in UTF-8, it is created as it was before; a malformed body is 101 as before.
      const out = (await post(utf8Json(), "application/json; charset=utf-8")).json();
      assert.equal(out.count, 1, JSON.stringify(out));
      assert.equal((await f.vox("GetCallLists", {})).result[0].list_name, "Список");
      const details = await f.vox("GetCallListDetails", { list_id: out.list_id, output: "json" });
      assert.equal(JSON.parse(details.result[0].custom_data).Имя, "Анна");
      assert.equal((await post('{"cmd": "GetCallLists",')).json().error?.code, 101);

      // The parser is registered in the face's scope: the native API's JSON bodies do not reach it.
      const native = await f.call({
        method: "POST",
        url: "/v1/campaigns",
        headers: { "content-type": contentType },
        payload: Buffer.concat([
          Buffer.from('{"name": "'),
          iconv.encode("Хук", "win1251"),
          Buffer.from('"}'),
        ]),
      });
      assert.doesNotMatch(native.body, /not UTF-8 text: a JSON body is read as UTF-8/);
    } finally {
      await f.close();
    }
  });
}

test("an empty JSON body is no body: the parameters in the query are read, not refused as an empty body", async () => {
  const f = await voxFixture();
  try {
    const res = await f.call({
      method: "POST",
      url: "/platform_api/GetCallLists",
      headers: { "content-type": "application/json" },
      payload: "",
    });
    assert.equal(res.statusCode, 200, res.body);
    const out = res.json();
    assert.equal(out.error, undefined, res.body);
    assert.deepEqual(out.result, []);
  } finally {
    await f.close();
  }
});
