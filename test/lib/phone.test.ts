// Phone normalization: the fast path must answer exactly like libphonenumber-js on every input it takes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getCountries, parsePhoneNumberFromString } from "libphonenumber-js/max";
import metadata from "libphonenumber-js/max/metadata";
import examples from "libphonenumber-js/mobile/examples";
import { fastParse } from "../../src/lib/phone/fast-parse.ts";
import { normalizePhone, normalizeRuPhone } from "../../src/lib/phone.ts";

/** mulberry32: a small seeded PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = ["RU", "US", "GB", "DE", "FR", "KZ", "UA", "BY", "IN", "BR", "CN", "AR", "MX", "IT", "ES"];
const MORE_COMMON = ["NL", "TR", "AU", "CA", "JP", "AG", "JM", "PR", "GG", "IM", "VA", "SJ", "AX", "CC"];
/** IDD prefixes as dialed from a few countries. */
const DIAL_OUT: Record<string, string> = {
  RU: "810",
  US: "011",
  CA: "011",
  GB: "00",
  DE: "00",
  JP: "010",
  AU: "0011",
  FR: "00",
  BR: "0014",
  KZ: "810",
};
const SEPARATORS = [" ", "-", ".", "/", "\u00a0", " - "];

type RawPlan = readonly unknown[];
const plans = metadata.countries as unknown as Record<string, RawPlan>;

function generate(random: () => number): { raw: string; defaultCountry: string | undefined } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const digit = () => String(Math.floor(random() * 10));
  const all = getCountries();
  const roll = random();
  const country = roll < 0.45 ? pick(COMMON) : roll < 0.6 ? pick(MORE_COMMON) : pick(all);
  const plan = plans[country];
  const callingCode = plan[0] as string;
  const trunk = (plan[5] as string | 0) || "";
  // A national number: the mobile example with its tail replaced (mostly valid), or random digits.
  let national: string;
  const example = (examples as Record<string, string>)[country] ?? "";
  if (example && random() < 0.75) {
    const keep = Math.max(1, example.length - 1 - Math.floor(random() * 6));
    national = example.slice(0, keep);
    while (national.length < example.length) national += digit();
    if (random() < 0.08) national += digit(); // one digit too many
    if (random() < 0.08) national = national.slice(0, -1); // one too few
  } else {
    const lengths = (plan[3] as number[] | 0) || [8];
    const length = pick(lengths) + (random() < 0.2 ? pick([-2, -1, 1]) : 0);
    national = "";
    for (let i = 0; i < Math.max(1, length); i++) national += digit();
  }
  const punctuate = (digits: string): string => {
    if (random() < 0.3) return digits;
    let out = "";
    let i = 0;
    while (i < digits.length) {
      const n = 1 + Math.floor(random() * 4);
      const part = digits.slice(i, i + n);
      out += i === 0 || random() < 0.2 ? part : pick(SEPARATORS) + part;
      if (i === 0 && random() < 0.15) out = `(${out})`;
      i += n;
    }
    return out;
  };
  const pad = (s: string) => (random() < 0.1 ? ` ${s} ` : s);
  const format = Math.floor(random() * 8);
  switch (format) {
    case 0:
      return {
        raw: pad(`+${callingCode} ${punctuate(national)}`),
        defaultCountry: random() < 0.5 ? undefined : pick(COMMON),
      };
    case 1: {
      const from = pick(Object.keys(DIAL_OUT));
      return { raw: pad(`${DIAL_OUT[from]} ${callingCode} ${punctuate(national)}`), defaultCountry: from };
    }
    case 2:
      return { raw: pad(punctuate(trunk + national)), defaultCountry: country };
    case 3:
      return { raw: pad(punctuate(national)), defaultCountry: country };
    case 4:
      return { raw: pad(punctuate(callingCode + national)), defaultCountry: country };
    case 5:
      return { raw: pad(punctuate(trunk + national)), defaultCountry: pick(COMMON) };
    case 6:
      return { raw: `(+${callingCode}) ${punctuate(national)}`, defaultCountry: undefined };
    default: {
      // Shapes for the library itself: extensions, letters, other digits, stray "+", tabs, tiny inputs.
      const oddities = [
        `+${callingCode} ${national} ext. ${digit()}${digit()}`,
        `+${callingCode}${national}#${digit()}`,
        `tel:+${callingCode}${national}`,
        `${national}+`,
        `++${callingCode}${national}`,
        `+${callingCode}\t${national}`,
        `${digit()}${digit()}`,
        `${digit()}-${digit()}`,
        `+${callingCode}${national}`.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
        `call ${trunk}${national}`,
        "",
        "   ",
      ];
      return { raw: pick(oddities), defaultCountry: random() < 0.5 ? country : undefined };
    }
  }
}

test("the fast path answers like libphonenumber-js on 30,000 generated numbers", () => {
  const random = prng(20240601);
  let fast = 0;
  let valid = 0;
  const total = 30_000;
  for (let i = 0; i < total; i++) {
    const { raw, defaultCountry } = generate(random);
    const lib = parsePhoneNumberFromString(raw, defaultCountry as never);
    const libValid = lib?.isValid() ?? false;
    const mine = fastParse(raw, defaultCountry);
    const context = `${JSON.stringify(raw)} default ${defaultCountry}`;
    if (mine !== undefined) {
      fast++;
      if (mine === null) {
        assert.equal(lib, undefined, `fast path found no number in ${context}`);
      } else {
        assert.ok(lib, `library found no number in ${context}`);
        assert.equal(mine.valid, libValid, `isValid differs for ${context}`);
        assert.equal(mine.number, lib.number, `number differs for ${context}`);
        assert.equal(mine.country, lib.country, `country differs for ${context}`);
      }
    }
    const result = normalizePhone(raw, defaultCountry as never);
    assert.equal(result.ok, libValid, `normalizePhone validity differs for ${context}`);
    if (result.ok && lib) {
      valid++;
      assert.equal(result.e164, lib.number, `normalizePhone e164 differs for ${context}`);
      assert.equal(result.country, lib.country, `normalizePhone country differs for ${context}`);
    }
  }
  // The generator aims most inputs at the fast path and a fair share of them at valid numbers.
  assert.ok(fast > total * 0.8, `fast path took only ${fast} of ${total}`);
  assert.ok(valid > total * 0.3 && valid < total * 0.9, `${valid} valid of ${total}`);
});

test("normalizePhone: formats, trunk and international prefixes", () => {
  assert.deepEqual(normalizePhone("+7 (916) 123-45-67"), { ok: true, e164: "+79161234567", country: "RU" });
  assert.deepEqual(normalizePhone("8 916 123 45 67", "RU"), {
    ok: true,
    e164: "+79161234567",
    country: "RU",
  });
  assert.deepEqual(normalizePhone("810 1 212 555 0123", "RU"), {
    ok: true,
    e164: "+12125550123",
    country: "US",
  });
  assert.deepEqual(normalizePhone("0049 30 1234567", "GB"), {
    ok: true,
    e164: "+49301234567",
    country: "DE",
  });
  assert.deepEqual(normalizePhone("+800 1234 5678"), { ok: true, e164: "+80012345678" });
  assert.deepEqual(normalizePhone("+1 212 555 0123 ext. 12"), {
    ok: true,
    e164: "+12125550123",
    country: "US",
  });
  assert.equal(normalizePhone("8 916 123 45 67").ok, false, "a national number needs a default country");
  assert.equal(normalizePhone("+7 916 123 45").ok, false);
  assert.equal(normalizePhone("").ok, false);
  assert.equal(normalizePhone("not a phone").ok, false);
  assert.equal(
    normalizePhone("8 916 123 45 67", "XX" as never).ok,
    false,
    "an unknown default country is ignored",
  );
});

test("normalizeRuPhone: Twin24's RU normalization", () => {
  assert.deepEqual(normalizeRuPhone("9161234567"), { ok: true, e164: "+79161234567", country: "RU" });
  assert.deepEqual(normalizeRuPhone("8 (916) 123-45-67"), { ok: true, e164: "+79161234567", country: "RU" });
  assert.deepEqual(normalizeRuPhone("79161234567"), { ok: true, e164: "+79161234567", country: "RU" });
  assert.deepEqual(normalizeRuPhone("+44 20 7946 0958"), { ok: true, e164: "+442079460958", country: "GB" });
  assert.equal(normalizeRuPhone("59161234567").ok, false);
  // Only digits are kept: an extension's digits were glued in, dialing someone else (facephones12).
  for (const text of ["916123456 x7", "916123456 доб. 7", "91612345;67", "8916123456#7"]) {
    assert.equal(normalizeRuPhone(text).ok, false, text);
  }
  assert.deepEqual(normalizeRuPhone("8\u00a0916\u2013123.45/67"), {
    ok: true,
    e164: "+79161234567",
    country: "RU",
  });
  assert.equal(normalizeRuPhone("916123456").ok, false);
  assert.equal(normalizeRuPhone("0000000000").ok, false, "10 digits that are no Russian number");
});
