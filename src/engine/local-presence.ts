// engine/local-presence owns the choice of a caller id near the callee (callerIdMode "local"): the ids
// sharing the callee's country calling code and the most digits after it (area code, then exchange), each
// in turn. Pure: no store, no clock.
import { parsePhoneNumberFromString } from "libphonenumber-js/max";

interface KnownId {
  id: string;
  /** E.164 without the "+". */
  digits: string;
  countryCode: string;
}

export class LocalPresence {
  private readonly known: KnownId[] = [];
  /** Turns per pool (keyed by the digits its members share with the callee), so no pool starves another. */
  private readonly turns = new Map<string, number>();

  /** Parses the caller ids once; one that is not a valid international number is only ever used when no
   *  id shares the callee's country. */
  constructor(private readonly ids: readonly string[]) {
    for (const id of ids) {
      const parsed = parsePhoneNumberFromString(id);
      if (parsed?.isValid()) {
        this.known.push({ id, digits: parsed.number.slice(1), countryCode: parsed.countryCallingCode });
      }
    }
  }

  /** The caller id for a call to `phone` (E.164): in turn among the closest, or among all when none shares
   *  its country calling code. */
  pick(phone: string): string {
    const callee = phone.startsWith("+") ? phone.slice(1) : phone;
    let best = -1;
    let closest: string[] = [];
    for (const k of this.known) {
      // Country calling codes are a prefix code: the callee's starts with exactly one of them.
      if (!callee.startsWith(k.countryCode)) continue;
      let n = k.countryCode.length;
      while (n < k.digits.length && n < callee.length && k.digits.charCodeAt(n) === callee.charCodeAt(n)) n++;
      if (n > best) {
        best = n;
        closest = [k.id];
      } else if (n === best) closest.push(k.id);
    }
    const pool = best < 0 ? this.ids : closest;
    const key = best < 0 ? "" : callee.slice(0, best);
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    return pool[turn % pool.length];
  }
}
