// Turns the uploaded bytes into UTF-8 for the CSV parser, in chunks, checking they really are in the
// declared encoding. UTF-8 input is only validated (no copy); other encodings are transcoded through
// iconv-lite. A UTF-8 or UTF-16 byte order mark at the start is honoured and removed.
import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import { badRequest } from "./errors.ts";

export type EncodingPlan =
  | { kind: "utf8" }
  | { kind: "utf16"; endian: "le" | "be" }
  | { kind: "single"; name: string };

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
export function resolveEncoding(name: string | undefined): EncodingPlan {
  const key = (name ?? "utf-8").trim().toLowerCase();
  if (UTF8_NAMES.has(key)) return { kind: "utf8" };
  const endian = UTF16_NAMES[key];
  if (endian) return { kind: "utf16", endian };
  if (!iconv.encodingExists(key))
    throw badRequest("unknown_encoding", `unknown encoding "${name}"`, "encoding");
  return { kind: "single", name: key };
}

export interface Decoded {
  /** UTF-8 bytes decoded so far (up to the first bad byte). */
  bytes: Buffer;
  /** The input holds bytes that are not valid in its encoding, right after `bytes`. */
  bad: boolean;
}

const EMPTY: Buffer = Buffer.alloc(0);

export class ByteDecoder {
  private plan: EncodingPlan;
  private head: Buffer | null = EMPTY;
  private carry: Buffer = EMPTY;
  private decoder: iconv.DecoderStream | null = null;
  private byteCount = 0;
  /** UTF-16: a high surrogate that ended the last chunk, waiting for its pair (iconv-lite passes it on). */
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
      return this.carry.length ? { bytes: out.bytes, bad: true } : out;
    }
    const out = this.transcode(tail);
    if (out.bad || !this.decoder) return out;
    if (this.plan.kind === "utf16" && this.byteCount % 2 === 1) return { bytes: out.bytes, bad: true };
    // What the decoder still held: a character cut by the end of the file (a lone lead byte, a high
    // surrogate without its pair) comes out as U+FFFD or a lone surrogate, both bad.
    const rest = this.checked(this.decoder.end() ?? "", true);
    return {
      bytes: rest.bytes.length ? Buffer.concat([out.bytes, rest.bytes]) : out.bytes,
      bad: rest.bad,
    };
  }

  private stripBom(input: Buffer): Buffer {
    const { plan } = this;
    const utf8Bom = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
    const le = input[0] === 0xff && input[1] === 0xfe;
    const be = input[0] === 0xfe && input[1] === 0xff;
    if (plan.kind === "single") return input;
    if (plan.kind === "utf8" && utf8Bom) return input.subarray(3);
    // A UTF-16 mark overrides a declared UTF-8 (the default) or the other UTF-16 byte order.
    if (le) this.plan = { kind: "utf16", endian: "le" };
    else if (be) this.plan = { kind: "utf16", endian: "be" };
    return le || be ? input.subarray(2) : input;
  }

  private validateUtf8(chunk: Buffer): Decoded {
    const input = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeUtf8Length(input);
    this.carry = end < input.length ? Buffer.from(input.subarray(end)) : EMPTY;
    const complete = input.subarray(0, end);
    if (isUtf8(complete)) return { bytes: complete, bad: false };
    return { bytes: complete.subarray(0, firstInvalidUtf8(complete)), bad: true };
  }

  private transcode(chunk: Buffer): Decoded {
    if (!this.decoder) {
      const { plan } = this;
      this.decoder = iconv.getDecoder(
        plan.kind === "utf16" ? `utf-16${plan.endian}` : (plan as { name: string }).name,
      );
    }
    this.byteCount += chunk.length;
    if (chunk.length === 0) return { bytes: EMPTY, bad: false };
    return this.checked(this.decoder.write(chunk), false);
  }

  /**
   * Decoded text as UTF-8, cut before the first sign of bad input. iconv-lite's encodings other than
   * UTF-16 answer a byte they cannot map (or a sequence cut short) with U+FFFD, which the legacy
   * encodings we take cannot hold themselves; UTF-16 passes a lone surrogate through, which UTF-8 could
   * only store as U+FFFD. A high surrogate ending a chunk is held back for its pair, unless `last`.
   */
  private checked(decoded: string, last: boolean): Decoded {
    let text = decoded;
    let bad = -1;
    if (this.plan.kind === "utf16") {
      if (this.highSurrogate) text = this.highSurrogate + text;
      const end = text.charCodeAt(text.length - 1);
      this.highSurrogate = !last && end >= 0xd800 && end <= 0xdbff ? text.slice(-1) : "";
      if (this.highSurrogate) text = text.slice(0, -1);
    }
    if (this.plan.kind === "single") bad = text.indexOf("\ufffd");
    else bad = text.search(LONE_SURROGATE);
    if (bad >= 0) return { bytes: Buffer.from(text.slice(0, bad), "utf8"), bad: true };
    return { bytes: Buffer.from(text, "utf8"), bad: false };
  }
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
