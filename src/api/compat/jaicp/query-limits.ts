// GET addPhone's query held to its limits before the schema sees it: the schema's anyOf (one value, or a
// list of a parameter given several times) can only say its first branch's "must be a string" for a list
// over a limit, and "phone must be a string" for a repeated phone. Each refusal here names the parameter
// and the limit it crossed. Beyond them all, Node's own limit on a request line and its headers: a GET
// addPhone over it is told of POST addPhones. Pure.
import { ApiError, invalidRequest } from "../../plugins/errors.ts";
import { MAX_PAYLOAD_FIELDS } from "./call-jobs.ts";

/** Values of one payload parameter given several times (?tag=a&tag=b, as form serializers write a list). */
export const MAX_LIST_VALUES = 100;
/** Characters of one payload value. */
export const MAX_VALUE_CHARS = 4000;

/** The query as Fastify parsed it: a parameter given several times is a list of its values. */
export type ParsedQuery = Record<string, string | string[] | undefined>;

/** GET addPhone's query once `refuseQueryOverLimits` and the schema took it. */
export interface AddPhoneQuery {
  phone: string;
  gmtZone?: string;
  [payload: string]: string | string[] | undefined;
}

/** What the route's OpenAPI description says of its limits; `headBytes` is Node's http.maxHeaderSize. */
export function addPhoneLimits(headBytes: number): string {
  return [
    `At most ${MAX_PAYLOAD_FIELDS} payload parameters; one given several times is a list of at most`,
    `${MAX_LIST_VALUES} values; a value has at most ${MAX_VALUE_CHARS} characters (more: 400 naming it).`,
    `The request line (percent-escapes as sent) and the headers together fit in ${headBytes} bytes, the`,
    "server's limit (more: 431): send long or many parameters in POST addPhones' payload.",
  ].join(" ");
}

/** Refuses a repeated phone or gmtZone, too many payload parameters, a list of too many values and a value
 *  too long, naming the parameter and the limit. */
export function refuseQueryOverLimits(query: ParsedQuery): void {
  const { phone, gmtZone, ...payload } = query;
  if (Array.isArray(phone)) throw invalidRequest("phone: give one number", "phone");
  if (Array.isArray(gmtZone)) throw invalidRequest("gmtZone: give one zone", "gmtZone");
  // Counted here, not by the schema: phone and gmtZone are parameters too, gmtZone not always given.
  const fields = Object.keys(payload).length;
  if (fields > MAX_PAYLOAD_FIELDS) {
    const most = `at most ${MAX_PAYLOAD_FIELDS} payload parameters besides phone and gmtZone`;
    throw invalidRequest(`query: ${most} (${fields} given)`, "query");
  }
  for (const [name, value] of Object.entries(payload)) {
    const values = [value ?? ""].flat();
    if (values.length > MAX_LIST_VALUES) {
      throw invalidRequest(
        `${name}: given ${values.length} times; a repeated parameter takes at most ${MAX_LIST_VALUES} values`,
        name,
      );
    }
    // In code points, as the schema's maxLength counts.
    const longest = Math.max(...values.map((v) => [...v].length));
    if (longest > MAX_VALUE_CHARS) {
      throw invalidRequest(
        `${name}: at most ${MAX_VALUE_CHARS} characters a value (${longest} given); send long values in POST addPhones' payload`,
        name,
      );
    }
  }
}

/** The start of a GET addPhone request as Node's parser received it (the router is case-sensitive, and a
 *  doubled slash is a 404). */
const ADD_PHONE_REQUEST = /^GET \/api\/calls\/campaign\/[^/?#\s]+\/addPhone[?\s]/;

/** The 431 of a request whose request line and headers are over `headBytes` (Node refuses it before any
 *  route sees it), given its first bytes: for GET addPhone, naming POST addPhones, which JAICP's own doc
 *  prefers for long or many parameters; null for any other request. */
export function addPhoneTooLong(requestStart: string, headBytes: number): ApiError | null {
  if (!ADD_PHONE_REQUEST.test(requestStart)) return null;
  return new ApiError(
    "headers_too_large",
    431,
    `query: the request line and headers are over ${headBytes} bytes, the most this server reads; send long or many payload parameters in POST addPhones' payload`,
    "query",
  );
}
