// The dashboard's client of the native API (/v1): the key the user typed, kept in sessionStorage (this tab
// only), and the calls made with it, with how they fail: refused (ApiError, with its status) or unanswered
// (NoAnswer). The key changes only through setKey, storeKey and forgetKey (an importer cannot assign it).

/** A call with no answer by then is given up (a dropped connection, a proxy holding it), so one lost
 *  request cannot stop the refreshing for good. */
const TIMEOUT_MS = 10_000;
const KEY_ITEM = "outdial.key";

let key = sessionStorage.getItem(KEY_ITEM);
/** Bumped whenever the key changes (a key typed in, a sign-out): what answers a call made before is no
 *  business of the page after (another account's, or nobody's). */
let session = 0;

/** The session the page is in now: compared with the one a call was made in once it answers. */
export const currentSession = () => session;

/** Whether the page has a key to call with (one the tab kept, or one typed and being tried). */
export const hasKey = () => Boolean(key);

/** Calls with `typed` from now on; only storeKey keeps it for the tab (once it is accepted). */
export function setKey(typed) {
  key = typed;
  session++;
}

export function storeKey() {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey() {
  key = null;
  session++;
  sessionStorage.removeItem(KEY_ITEM);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A call that got no answer within TIMEOUT_MS. */
export class NoAnswer extends Error {}

export async function api(path, method = "GET") {
  // Signed out while a refresh or a command was under way: its next calls are nobody's ("Bearer null"
  // would be refused, and the refusal taken for the key's).
  if (!key) throw new Error("not signed in");
  let res;
  let text;
  try {
    res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await res.text();
  } catch (err) {
    if (err?.name === "TimeoutError") throw new NoAnswer(`no answer within ${TIMEOUT_MS / 1000} s`);
    throw err;
  }
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {}
  if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** The same call, or null when the key's role may not read it (a section is then left out). */
export async function optional(path) {
  try {
    return await api(path);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
    throw err;
  }
}

/** A call's answer ({ value }) or why it failed ({ error }), for a part of the page that says so in its own
 *  place (a row, a section of the detail) rather than fail the whole refresh. A key no longer accepted
 *  still fails it (and signs out). */
export function settle(call) {
  return call.then(
    (value) => ({ value }),
    (error) => {
      if (error instanceof ApiError && error.status === 401) throw error;
      return { error };
    },
  );
}

/** Every agent of the account, page by page (a campaign's staff may sit past the first page), or null
 *  when the key may not read them. Bounded, so a huge account cannot keep a refresh going for ever. */
export async function allAgents() {
  const agents = [];
  let after = null;
  for (let pages = 0; pages < 20; pages++) {
    const body = await optional(`/v1/agents?limit=1000${after === null ? "" : `&after_id=${after}`}`);
    if (body === null) return pages === 0 ? null : agents;
    agents.push(...body.data);
    if (body.next_after_id === null || body.next_after_id === undefined) break;
    after = body.next_after_id;
  }
  return agents;
}
