// The dashboard's page script: a client of the native API (/v1) with the key the user typed, kept in
// sessionStorage. It shows the 100 newest campaigns' progress (and says when there are more), why each is
// or is not dialing and what it asks for that the node's telephony driver cannot do (explain's warnings),
// runs the lifecycle commands, and for the selected campaign its results, agents and pacing. Data is only
// ever put on the page as text (never as markup), and the page's CSP allows no other script.
//
// This module owns the refresh loop (its pace, its retries, a refresh overtaken by a newer one), which
// campaign is selected, and signing in and out. The rest is in its modules: api.js (the key and the calls),
// dom.js (elements, text, formats), explain.js (explain's reasons and warnings), rows.js (the campaign table,
// its commands and holds), detail.js (the selected campaign's detail). Each is listed in dashboard.ts.
import { ApiError, api, forgetKey, hasKey, NoAnswer, setKey, settle, storeKey } from "./api.js";
import { showDetail } from "./detail.js";
import { $, formatClock } from "./dom.js";
import { connectRows, setHeader, showCampaigns } from "./rows.js";

const REFRESH_MS = 2000;
/** Counting a campaign of a million contacts takes the server a few hundred ms: after a good refresh the
 *  page waits at least this many times as long as it took, so it never keeps the server busy more than
 *  1/10. Not after a failed one: what took long there was the failure (a gateway's timeout), not work. */
const IDLE_FACTOR = 10;
/** After failed refreshes the page tries again 2 s, 4 s, 8 s, … later, never more than this. */
const MAX_RETRY_MS = 30_000;

let selected = null;
let timer = null;
/** Bumped by each refresh: a refresh overtaken by a newer one (a click) leaves the next turn to it. */
let generation = 0;
/** Failed refreshes in a row (they space the retries), and when the board last showed a good one. */
let failures = 0;
let lastUpdated = null;

async function refresh() {
  clearTimeout(timer);
  timer = null;
  // A hidden tab looks again when it is shown.
  if (document.hidden) return;
  const mine = ++generation;
  const started = performance.now();
  /** Whether this refresh went well: every call answered. One that got no answer spaces the next try as a
   *  failure does, though the board shows what the others answered. */
  let good = false;
  try {
    const list = await api("/v1/campaigns?limit=100");
    // Each campaign's explain, or why it failed: that row then says so rather than show made-up zeros.
    // A key no longer accepted fails the whole refresh (and signs out).
    const explanations = await Promise.all(
      list.data.map((c) =>
        settle(api(`/v1/campaigns/${c.id}/explain`)).then(({ value, error }) => ({ why: value, error })),
      ),
    );
    // Overtaken by a newer refresh (a click) or a sign-out: what this one read is already old.
    const current = () => mine === generation;
    if (!current()) return;
    showCampaigns(list.data, explanations, selected);
    $("no-campaigns").hidden = list.data.length > 0;
    // One page only (each row costs an explain per refresh): say so rather than hide the rest silently.
    $("more-campaigns").hidden = !list.next_cursor;
    const i = list.data.findIndex((c) => c.id === selected);
    // The detail's failures are said in the detail: the board is live all the same.
    const detailErrors = i >= 0 ? await showDetail(list.data[i], explanations[i], current) : [];
    if (i < 0) $("detail").hidden = true;
    if (!current()) return;
    const failed = explanations.filter((e) => e.error).length;
    lastUpdated = new Date();
    setHeader(
      `updated ${formatClock(lastUpdated)}` +
        (failed > 0 ? `; could not explain ${failed} of ${explanations.length} campaigns` : ""),
      false,
    );
    good = ![...explanations.map((e) => e.error), ...detailErrors].some((e) => e instanceof NoAnswer);
  } catch (err) {
    if (mine !== generation) return; // signed out, or overtaken: not this refresh's business any more
    if (err instanceof ApiError && err.status === 401) return signOut("That key is no longer accepted.");
    // In the header, where the next good refresh replaces it (the notice is for the buttons' refusals);
    // the board stays, marked as what it is: an old picture.
    setHeader(
      `${lastUpdated ? `last updated ${formatClock(lastUpdated)} — ` : ""}not live: could not refresh (${err.message})`,
      true,
    );
  }
  if (hasKey() && mine === generation) {
    failures = good ? 0 : failures + 1;
    timer = setTimeout(
      refresh,
      good
        ? Math.max(REFRESH_MS, IDLE_FACTOR * (performance.now() - started))
        : Math.min(MAX_RETRY_MS, REFRESH_MS * 2 ** (failures - 1)),
    );
  }
}

/** Campaign `id` becomes the selected one (its row was clicked): its detail is read at once. */
function select(id) {
  selected = id;
  refresh();
}

connectRows({ select, refresh });

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && hasKey() && timer === null) refresh();
});

function show(signedIn) {
  $("sign-in").hidden = signedIn;
  $("board").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

function signOut(message = "") {
  clearTimeout(timer);
  generation++;
  forgetKey();
  selected = null;
  failures = 0;
  lastUpdated = null;
  $("board").classList.remove("stale");
  $("sign-in-error").textContent = message;
  $("updated").textContent = "";
  // Nothing of this account stays in the page: a key of another typed into the same tab would show it,
  // as that account's, until (or, failing, instead of) its first refresh.
  $("campaigns").tBodies[0]?.replaceChildren();
  for (const id of ["notice", "pacing"]) $(id).textContent = "";
  for (const id of ["reasons", "warnings", "waiting"]) $(id).replaceChildren();
  for (const id of ["results", "agents"]) $(id).tBodies[0]?.replaceChildren();
  for (const id of ["detail", "more-campaigns", "no-campaigns"]) $(id).hidden = true;
  show(false);
}

/** What a key holds: printable ASCII (an API key is od_ and base64url, a service account's token base64url
 *  and dots). The browser refuses any other character in a header with a message about ISO-8859-1 code
 *  points that tells nothing of the key; a key pasted with a curly quote or a space inside is said so. */
const KEY_SHAPE = /^[\x21-\x7e]+$/;

$("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const typed = $("key").value.trim();
  if (!KEY_SHAPE.test(typed)) {
    return signOut(
      "That is not an outdial key: a key holds letters, digits and - _ . only (no spaces, quotes or other characters).",
    );
  }
  setKey(typed);
  try {
    await api("/v1/campaigns?limit=1");
  } catch (err) {
    return signOut(
      err instanceof ApiError && err.status === 401 ? "That key was not accepted." : err.message,
    );
  }
  storeKey();
  $("key").value = "";
  $("sign-in-error").textContent = "";
  show(true);
  refresh();
});

$("sign-out").addEventListener("click", () => signOut());

if (hasKey()) {
  show(true);
  refresh();
} else {
  show(false);
}
