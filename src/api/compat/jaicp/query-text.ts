// GET addPhone's query read from its raw bytes: Fastify's query parser keeps a parameter whose percent-escapes
// are not UTF-8 as the escape text itself, which the script then reads as the subscriber's data (a CRM that
// encodes in windows-1251, as 1C and older PHP do, sends "Алекс" as %C0%EB%E5%EA%F1; CESU-8 sends a lone
// surrogate as %ED%A0%80). Such a parameter is refused naming it, as text-guard.ts refuses text it cannot
// store as sent. Pure.
import { strictUtf8 } from "../../../lib/strict-utf8.ts";
import { invalidRequest } from "../../plugins/errors.ts";

const ESCAPE = /^%[0-9A-Fa-f]{2}$/;

/** A query name or value as text, its escapes read as UTF-8 and '+' as a space; undefined when the bytes
 *  are not UTF-8. A '%' not followed by two hex digits is itself, as the query parser and browsers take it. */
export function strictQueryText(raw: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (ESCAPE.test(raw.slice(i, i + 3))) {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (raw[i] === "+") bytes.push(0x20);
    else {
      // A character the client did not escape: its own UTF-8 (a surrogate pair is one code point).
      const ch = String.fromCodePoint(raw.codePointAt(i) ?? 0);
      bytes.push(...Buffer.from(ch, "utf8"));
      i += ch.length - 1;
    }
  }
  // A leading %EF%BB%BF stays U+FEFF: the parameter's text as sent.
  return strictUtf8(Uint8Array.from(bytes));
}

/** Refuses the first parameter of `url`'s query whose name or value is not UTF-8, naming it: by its name
 *  when that decodes, else by the name as sent. */
export function refuseQueryNotUtf8(url: string): void {
  const at = url.indexOf("?");
  if (at < 0) return;
  for (const pair of url.slice(at + 1).split("&")) {
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = strictQueryText(rawName);
    if (name === undefined) {
      throw invalidRequest(`${rawName}: a parameter name that is not UTF-8 text`, rawName);
    }
    if (eq >= 0 && strictQueryText(pair.slice(eq + 1)) === undefined) {
      throw invalidRequest(
        `${name}: not UTF-8 text (percent-escaped bytes of another encoding, such as windows-1251?)`,
        name,
      );
    }
  }
}
