// Turns the uploaded bytes into UTF-8 for the CSV parser, in chunks, checking they really are in the
// declared encoding. UTF-8 input is only validated (no copy); GB18030 is decoded by Node's TextDecoder,
// other encodings are transcoded through iconv-lite. A UTF-8 or UTF-16 byte order mark at the start is
// honoured and removed, whatever encoding was declared.
//
// A NUL (U+0000) is bad input in every encoding: no text file of contacts holds one (PostgreSQL cannot
// store it in text, and the API refuses it everywhere else), while it is in every ASCII character of
// UTF-16 (and UTF-32) text. Read as UTF-8, a UTF-16 file without a byte order mark is ASCII and NULs,
// valid UTF-8 to the letter, and would be stored as garbage; read in the wrong UTF-16 or as UTF-32's
// half, NUL characters come out too. So a NUL is reported like a byte invalid in the encoding
// (Decoded.nul says which, for the hint).
import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import { badRequest } from "./errors.ts";

// iconv-lite's double-byte decoder sizes a chunk's output at 2 bytes per input byte; a chunk that starts
// with the last byte of a character decoding to two UTF-16 units overflows it, and the chunk's last
// character is dropped without a trace. Only GB18030 (4-byte astral characters) and Big5-HKSCS (2-byte
// astral characters and pairs like Ê̄) have such characters. GB18030 goes to ICU's decoder, which streams
// correctly; ICU's Big5 (like its GBK, Shift_JIS and EUC) drops bytes it cannot map, so Big5 stays with
// iconv-lite and is handed whole characters only, starting every write with nothing held over.
export type EncodingPlan =
  | { kind: "utf8" }
  | { kind: "utf16"; endian: "le" | "be" }
  | { kind: "single"; name: string }
  | { kind: "big5"; name: string }
  | { kind: "gb18030"; name: string };

const UTF8_NAMES = new Set(["utf8", "utf-8", "unicode-1-1-utf-8"]);
const UTF16_NAMES: Record<string, "le" | "be"> = {
  utf16le: "le",
  "utf-16le": "le",
  utf16: "le",
  "utf-16": "le",
  ucs2: "le",
  "ucs-2": "le",
  utf16be: "be",
  "utf-16be": "be",
};

/** Validates an encoding name (400 naming field `encoding` when iconv-lite does not know it). */
const NOT_FOR_FILES = new Set(["utf7", "unicode11utf7", "utf7imap", "base64", "hex"]);

export function resolveEncoding(name: string | undefined): EncodingPlan {
  const key = (name ?? "utf-8").trim().toLowerCase();
  if (UTF8_NAMES.has(key)) return { kind: "utf8" };
  const endian = UTF16_NAMES[key];
  if (endian) return { kind: "utf16", endian };
  if (!iconv.encodingExists(key))
    throw badRequest("unknown_encoding", `unknown encoding "${name}"`, "encoding");
  // iconv-lite knows these, but they are no character sets for a file (base64, hex), or its decoder
  // loses characters where a chunk ends (UTF-7): refused rather than stored altered.
  if (NOT_FOR_FILES.has(key.replace(/[^0-9a-z]/g, "")))
    throw badRequest("unknown_encoding", `encoding "${name}" is not supported for files`, "encoding");
  // Aliases (chinese, cn-big5, …) resolve to the codec iconv-lite would use.
  const codec = iconv.getCodec(key).encodingName;
  if (codec === "gb18030") return { kind: "gb18030", name: key };
  if (codec === "big5hkscs") return { kind: "big5", name: key };
  return { kind: "single", name: key };
}

export interface Decoded {
  /** UTF-8 bytes decoded so far (up to the first bad byte). */
  bytes: Buffer;
  /** The input holds bytes that are not valid in its encoding, right after `bytes`. */
  bad: boolean;
  /** What is bad is a NUL character (the file is likely UTF-16, or in another encoding than read in). */
  nul?: boolean;
}

const EMPTY: Buffer = Buffer.alloc(0);

export class ByteDecoder {
  private plan: EncodingPlan;
  private head: Buffer | null = EMPTY;
  /** UTF-8 and Big5: the start of a character cut by the end of the last chunk. */
  private carry: Buffer = EMPTY;
  private decoder: iconv.DecoderStream | null = null;
  private gb18030: TextDecoder | null = null;
  private byteCount = 0;
  /** A high surrogate that ended the last chunk, waiting for its pair (iconv-lite passes it on). */
  private highSurrogate = "";

  constructor(plan: EncodingPlan) {
    this.plan = plan;
  }

  get encodingName(): string {
    const plan = this.plan;
    return plan.kind === "utf8"
      ? "UTF-8"
      : plan.kind === "utf16"
        ? `UTF-16${plan.endian.toUpperCase()}`
        : plan.name;
  }

  decode(chunk: Buffer): Decoded {
    let input = chunk;
    if (this.head !== null) {
      // Hold the first bytes until a byte order mark can be recognised.
      input = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
      if (input.length < 3) {
        this.head = input;
        return { bytes: EMPTY, bad: false };
      }
      this.head = null;
      input = this.stripBom(input);
    }
    return this.plan.kind === "utf8" ? this.validateUtf8(input) : this.transcode(input);
  }

  end(): Decoded {
    let tail = EMPTY;
    if (this.head !== null) {
      tail = this.stripBom(this.head);
      this.head = null;
    }
    if (this.plan.kind === "utf8") {
      const out = this.validateUtf8(tail);
      // A multi-byte sequence cut off by the end of the file.
      return this.carry.length && !out.bad ? { bytes: out.bytes, bad: true } : out;
    }
    const out = this.transcode(tail);
    if (out.bad) return out;
    if (this.plan.kind === "utf16" && this.byteCount % 2 === 1) return { bytes: out.bytes, bad: true };
    if (this.plan.kind === "big5" && this.carry.length) return { bytes: out.bytes, bad: true };
    // What the decoder still held: a character cut by the end of the file (a lone lead byte, a high
    // surrogate without its pair) comes out as U+FFFD or a lone surrogate, both bad.
    const held: unknown = this.gb18030 ? this.gb18030.decode() : this.decoder?.end();
    // iconv-lite's CESU-8 decoder ends with the number 0 when it holds nothing.
    const rest = this.checked(typeof held === "string" ? held : "", true);
    return {
      bytes: rest.bytes.length ? Buffer.concat([out.bytes, rest.bytes]) : out.bytes,
      bad: rest.bad,
    };
  }

  /** A byte order mark overrides whatever encoding was declared: a mark is what the file says it is
   *  (Excel's "CSV UTF-8" is often sent as windows-1251), and read in the declared legacy encoding it
   *  would be mojibake in the first header name. */
  private stripBom(input: Buffer): Buffer {
    // UTF-32LE's mark starts with UTF-16LE's; iconv-lite's UTF-32 decoder reads its own marks.
    if (this.plan.kind === "single" && /^(utf32|ucs4)/.test(this.plan.name.replace(/[^0-9a-z]/g, "")))
      return input;
    if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
      this.plan = { kind: "utf8" };
      return input.subarray(3);
    }
    const le = input[0] === 0xff && input[1] === 0xfe;
    const be = input[0] === 0xfe && input[1] === 0xff;
    if (le) this.plan = { kind: "utf16", endian: "le" };
    else if (be) this.plan = { kind: "utf16", endian: "be" };
    return le || be ? input.subarray(2) : input;
  }

  private validateUtf8(chunk: Buffer): Decoded {
    const input = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeUtf8Length(input);
    this.carry = end < input.length ? Buffer.from(input.subarray(end)) : EMPTY;
    const complete = input.subarray(0, end);
    // memchr: a small cost beside isUtf8's.
    const nul = complete.indexOf(0);
    const valid = isUtf8(complete) ? complete.length : firstInvalidUtf8(complete);
    if (nul >= 0 && nul < valid) return { bytes: complete.subarray(0, nul), bad: true, nul: true };
    return valid === complete.length
      ? { bytes: complete, bad: false }
      : { bytes: complete.subarray(0, valid), bad: true };
  }

  private transcode(chunk: Buffer): Decoded {
    const { plan } = this;
    if (plan.kind === "gb18030") {
      this.gb18030 ??= new TextDecoder("gb18030");
      if (chunk.length === 0) return { bytes: EMPTY, bad: false };
      return this.checked(this.gb18030.decode(chunk, { stream: true }), false);
    }
    this.decoder ??= iconv.getDecoder(
      plan.kind === "utf16" ? `utf-16${plan.endian}` : (plan as { name: string }).name,
    );
    this.byteCount += chunk.length;
    let input = chunk;
    if (plan.kind === "big5") {
      input = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
      const end = completeBig5Length(input);
      this.carry = end < input.length ? Buffer.from(input.subarray(end)) : EMPTY;
      input = input.subarray(0, end);
    }
    if (input.length === 0) return { bytes: EMPTY, bad: false };
    return this.checked(this.decoder.write(input), false);
  }

  /**
   * Decoded text as UTF-8, cut before the first sign of bad input. The decoders of the legacy encodings
   * answer a byte they cannot map (or a sequence cut short) with U+FFFD, which the legacy encodings we
   * take cannot hold themselves; UTF-16 passes a lone surrogate through, which UTF-8 could only store as
   * U+FFFD. A lone surrogate from any other iconv-lite codec (UTF-7, CESU-8, a character cut in two) is
   * just as bad. A high surrogate ending a chunk is held back for its pair, unless `last`.
   */
  private checked(decoded: string, last: boolean): Decoded {
    const { kind } = this.plan;
    let text = decoded;
    let bad = -1;
    if (this.highSurrogate) text = this.highSurrogate + text;
    const end = text.charCodeAt(text.length - 1);
    this.highSurrogate = !last && end >= 0xd800 && end <= 0xdbff ? text.slice(-1) : "";
    if (this.highSurrogate) text = text.slice(0, -1);
    if (kind !== "utf16") bad = text.indexOf("\ufffd");
    // TextDecoder only ever yields whole surrogate pairs.
    const lone = kind === "gb18030" ? -1 : (bad >= 0 ? text.slice(0, bad) : text).search(LONE_SURROGATE);
    if (lone >= 0) bad = lone;
    const nul = text.indexOf("\u0000");
    if (nul >= 0 && (bad < 0 || nul < bad))
      return { bytes: Buffer.from(text.slice(0, nul), "utf8"), bad: true, nul: true };
    if (bad >= 0) return { bytes: Buffer.from(text.slice(0, bad), "utf8"), bad: true };
    return { bytes: Buffer.from(text, "utf8"), bad: false };
  }
}

/** Length of the prefix of Big5 bytes that ends on a character boundary: 0x81–0xFE lead a 2-byte character.
 *  Trail bytes share the lead range, so the scan starts after the last byte below 0x40 (digits, delimiters,
 *  line ends), which is a character by itself and never part of one. */
function completeBig5Length(buf: Buffer): number {
  let i = buf.length;
  while (i > 0 && buf[i - 1] >= 0x40) i--;
  while (i < buf.length) i += buf[i] >= 0x81 && buf[i] <= 0xfe ? 2 : 1;
  return i > buf.length ? buf.length - 1 : buf.length;
}

/** Half of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Length of the prefix that ends on a character boundary (a cut multi-byte sequence waits for more). */
function completeUtf8Length(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Offset of the first byte that breaks UTF-8 (only called once isUtf8 said there is one). */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return buf.length;
}

/** What to pass when the input is not valid in `encodingName`: after a NUL (one in every ASCII character
 *  of UTF-16 text), a UTF-16 encoding; else another single- or multi-byte one. */
export function encodingAdvice(encodingName: string, nul: boolean): string {
  if (!nul) return "pass the file's encoding (e.g. encoding=windows-1251)";
  return encodingName === "UTF-8"
    ? "pass the file's encoding (encoding=utf-16le, or utf-16be)"
    : "pass the file's encoding (e.g. encoding=utf-16le, utf-16be or utf-8)";
}
