// The one number a vendor face's field holds, as normalizePhone reads it but refused when the text says more
// than the dialer will dial: an extension ("ext. 5", "x5", "#5", ";ext=5"), which normalizePhone drops, or a
// second number after ';', which libphonenumber-js reads as one (digits after ';' are an extension to it).
// The native import refuses both as invalid_phone (src/lists/contact-rules.ts phoneProblem); the faces do
// so in their own error shape, as they refuse a number that is not valid.
import { addCellPhones, extensionProblem, type PhoneResult, phoneDetails } from "../../lib/phone.ts";

/**
 * `text` (as the face prepares it: trimmed, '+' added where the face takes digits as international) as
 * E.164, or the reason it is refused: normalizePhone's, or the extension or second number it carries.
 * Dialing the main number alone would reach a switchboard, not the person, and a second number given in
 * the same field would never be called.
 */
export function dialablePhone(text: string): PhoneResult {
  const numbers: string[] = [];
  addCellPhones(numbers, text);
  if (numbers.length > 1)
    return {
      ok: false,
      reason: `${numbers.length} numbers separated by ';' where one number is taken: give one number here`,
    };
  const details = phoneDetails(text);
  if (typeof details === "string") return { ok: false, reason: details };
  if (details.extension !== undefined) return { ok: false, reason: extensionProblem(details.extension) };
  return details.country === undefined
    ? { ok: true, e164: details.e164 }
    : { ok: true, e164: details.e164, country: details.country };
}
