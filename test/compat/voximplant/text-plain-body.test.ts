// file_content as a text/plain raw body (curl -H 'content-type: text/plain' --data-binary @f.csv, or a
// client's default for a string body) is read as bytes, as text/csv and application/octet-stream are. It
// went through Fastify's own text/plain parser, which decoded it as UTF-8 with U+FFFD for every byte that is
// not: a windows-1251 file sent without `encoding` was stored garbled with result:true, and with
// `encoding=windows-1251` named it was refused with a message telling the client to send it "as the request
// body ... not in a JSON body", which is what it had done. Now the first is refused (101, not UTF-8) and the
// second read in windows-1251.
import assert from "node:assert/strict";
import { test } from "node:test";
import iconv from "iconv-lite";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

/** CreateCallList with the file as a text/plain body and every other field in the query. */
function createAsTextPlain(f: VoxFixture, file: Buffer, extra: Record<string, string> = {}) {
  const fields = Object.entries({ ...listFields(), ...extra }).filter(([k]) => k !== "file_content");
  const query = new URLSearchParams(fields.map(([k, v]) => [k, String(v)]));
  return f.call({
    method: "POST",
    url: `/platform_api/CreateCallList?${query}`,
    headers: { "content-type": "text/plain; charset=windows-1251" },
    payload: file,
  });
}

test("a text/plain raw body is file_content's bytes: read in its encoding, never stored with U+FFFD", async () => {
  const f = await voxFixture();
  try {
    const cp1251 = iconv.encode("phone;Имя\n+12125553026;Анна\n", "win1251");
    const refused = (await createAsTextPlain(f, cp1251)).json();
    assert.equal(refused.error?.code, 101, JSON.stringify(refused));
    assert.match(refused.error.msg, /file_content/);
    assert.equal((await f.vox("GetCallLists", {})).total_count, 0, "a refused file was stored");

    const out = (await createAsTextPlain(f, cp1251, { encoding: "windows-1251" })).json();
    assert.equal(out.count, 1, JSON.stringify(out));
    const details = await f.vox("GetCallListDetails", { list_id: out.list_id, output: "json" });
    assert.equal(JSON.parse(details.result[0].custom_data).Имя, "Анна");

    const utf8 = (await createAsTextPlain(f, Buffer.from("phone;Имя\n+12125553027;Борис\n"))).json();
    assert.equal(utf8.count, 1, JSON.stringify(utf8));
  } finally {
    await f.close();
  }
});
