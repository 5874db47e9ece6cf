// Bytes read as UTF-8 strictly: undefined for bytes that are not UTF-8 (windows-1251, a cut-off character,
// CESU-8 surrogates), where Buffer#toString and a lenient TextDecoder put U+FFFD in their place and text
// arrives garbled under a 200. Every reader of client bytes that must be UTF-8 (JSON bodies, query escapes,
// Voximplant's parameters) decodes through here and refuses in its own face's words.

/** A leading byte order mark kept as U+FEFF in the text (TextDecoder's ignoreBOM). */
const KEEPING_BOM = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** A leading byte order mark dropped, as a UTF-8 reader of whole files does. */
const DROPPING_BOM = new TextDecoder("utf-8", { fatal: true });

export interface StrictUtf8Options {
  /** Drop a leading byte order mark (EF BB BF) rather than keep it as U+FEFF. Default false: a caller that
   *  hands the text on to a parser which strips one BOM itself (secure-json-parse does) must keep it, or a
   *  body of two BOMs would read differently. */
  dropBom?: boolean;
}

/** `bytes` as text, or undefined when they are not UTF-8. */
export function strictUtf8(bytes: Uint8Array, opts: StrictUtf8Options = {}): string | undefined {
  try {
    return (opts.dropBom ? DROPPING_BOM : KEEPING_BOM).decode(bytes);
  } catch {
    return undefined;
  }
}
