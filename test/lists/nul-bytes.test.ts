// A NUL is in no text CSV of contacts, but in every ASCII character of UTF-16 text: read as UTF-8 (declared
// or by default) a UTF-16 file without a byte order mark is ASCII and NULs, valid UTF-8 to the letter. A NUL
// is bad_encoding in every encoding, hinting at UTF-16 when the file was read as UTF-8; nothing is stored.
import assert from "node:assert/strict";
import { test } from "node:test";
import iconv from "iconv-lite";
import { ByteDecoder, resolveEncoding } from "../../src/lists/byte-decoder.ts";
import { contactRows, fixture, rejects, run } from "./helpers.ts";

for (const worker of [false, true]) {
  test(`UTF-16 without a byte order mark, read as UTF-8: 400 bad_encoding hinting at UTF-16${worker ? " (worker)" : ""}`, async () => {
    const f = await fixture();
    const csv = "phone,name\n+12125550101,Иван Петров\n+12125550102,Ann\n";
    for (const [encoding, bytes] of [
      [undefined, Buffer.from(csv, "utf16le")],
      ["utf-8", Buffer.from(csv, "utf16le")],
      [undefined, iconv.encode(csv, "utf-16be")],
    ] as const) {
      const err = await rejects(run(f, bytes, { encoding, worker }), {
        code: "bad_encoding",
        field: "encoding",
        row: 0,
      });
      assert.match(err.message, /NUL/);
      assert.match(err.message, /encoding=utf-16le, or utf-16be/);
      // Without a header the first line is data row 1, and it is refused all the same.
      await rejects(run(f, bytes, { encoding, worker, header: false }), { code: "bad_encoding", row: 1 });
    }
    assert.equal((await contactRows(f)).length, 0);
  });
}

test("a NUL byte in a row of a UTF-8 file: bad_encoding naming the row, nothing stored", async () => {
  const f = await fixture();
  const body = Buffer.from("phone,name\n+12125550101,Ann\n+12125550102,Bo\u0000b\n");
  const err = await rejects(run(f, body), { code: "bad_encoding", row: 2, field: "encoding" });
  assert.match(err.message, /^row 2 \(line 3\) has a NUL character/);
  assert.equal((await contactRows(f)).length, 0);
});

test("a NUL character decoded from any other encoding is bad_encoding too", async () => {
  const f = await fixture();
  const csv = "phone,name\n+12125550101,A\u0000n\n";
  for (const encoding of ["windows-1251", "utf-16le", "utf-16be", "gb18030", "big5", "shift_jis"]) {
    const err = await rejects(run(f, iconv.encode(csv, encoding), { encoding }), {
      code: "bad_encoding",
      row: 1,
    });
    assert.match(err.message, /NUL/, encoding);
  }
  // UTF-32 read as UTF-16: every other UTF-16 unit is a NUL.
  await rejects(run(f, iconv.encode(csv.replace("\u0000", ""), "utf-32le"), { encoding: "utf-16le" }), {
    code: "bad_encoding",
    row: 0,
  });
  assert.equal((await contactRows(f)).length, 0);
});

test("ByteDecoder: the bytes before a NUL are passed on, the NUL is flagged, wherever the chunks end", () => {
  for (const [name, text] of [
    ["utf-8", "ab,Ж\n\u0000x"],
    ["windows-1251", "ab,Ж\n\u0000x"],
    ["utf-16le", "ab,Ж\n\u0000x"],
    ["gb18030", "ab,Ж\n\u0000x"],
  ] as const) {
    const bytes = iconv.encode(text, name);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new ByteDecoder(resolveEncoding(name));
      const outs = [decoder.decode(bytes.subarray(0, cut))];
      if (!outs[0].bad) outs.push(decoder.decode(bytes.subarray(cut)));
      if (!outs.at(-1)?.bad) outs.push(decoder.end());
      const last = outs.at(-1);
      assert.equal(last?.bad, true, `${name} cut at ${cut}`);
      assert.equal(last?.nul, true, `${name} cut at ${cut}`);
      assert.equal(Buffer.concat(outs.map((o) => o.bytes)).toString(), "ab,Ж\n", `${name} cut at ${cut}`);
    }
  }
  // An invalid byte before the NUL is what is reported.
  const decoder = new ByteDecoder(resolveEncoding("utf-8"));
  const out = decoder.decode(Buffer.from([0x61, 0xff, 0x00, 0x62]));
  assert.deepEqual([out.bytes.toString(), out.bad, out.nul], ["a", true, undefined]);
});
