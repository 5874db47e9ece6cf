// strictUtf8 reads bytes as UTF-8 or not at all: undefined for windows-1251, a character cut short, an
// overlong form or a CESU-8 surrogate, where Buffer#toString puts U+FFFD in their place. A leading BOM is
// kept as U+FEFF unless the caller asks to drop it (the Voximplant JSON body does; query and parameter
// text and the app's JSON parser, whose secure-json-parse drops one itself, keep it).
import assert from "node:assert/strict";
import { test } from "node:test";
import iconv from "iconv-lite";
import { strictUtf8 } from "../../src/lib/strict-utf8.ts";

test("UTF-8 is read as it is, an empty input as an empty text", () => {
  assert.equal(strictUtf8(Buffer.from("Алекс 📞")), "Алекс 📞");
  assert.equal(strictUtf8(new Uint8Array()), "");
});

test("bytes that are not UTF-8 are undefined, not U+FFFD", () => {
  for (const bytes of [
    iconv.encode("Алекс", "win1251"),
    Buffer.from([0xd0, 0x90, 0xd0]), // "А" and the first byte of another, cut short
    Buffer.from([0xc0, 0xaf]), // "/" written overlong
    Buffer.from([0xed, 0xa0, 0x80]), // a lone surrogate as CESU-8
  ]) {
    assert.equal(strictUtf8(bytes), undefined, bytes.toString("hex"));
    assert.equal(strictUtf8(bytes, { dropBom: true }), undefined, bytes.toString("hex"));
  }
});

test("a leading BOM is kept as U+FEFF unless dropBom; only the leading one is dropped", () => {
  const twice = Buffer.from("\uFEFF\uFEFF{}");
  assert.equal(strictUtf8(twice), "\uFEFF\uFEFF{}");
  assert.equal(strictUtf8(twice, { dropBom: true }), "\uFEFF{}");
  assert.equal(strictUtf8(Buffer.from("a\uFEFF"), { dropBom: true }), "a\uFEFF");
});
