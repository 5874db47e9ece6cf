// The dashboard's page script: a client of the native API (/v1) with the key the user typed, kept in
// sessionStorage. It shows the 100 newest campaigns' progress (and says when there are more), why each is
// or is not dialing and what it asks for that the node's telephony driver cannot do (explain's warnings),
// runs the lifecycle commands, and for the selected campaign its results, agents and pacing. Data is only
// ever put on the page as text (never as markup), and the page's CSP allows no other script.

const REFRESH_MS = 2000;
/** Counting a campaign of a million contacts takes the server a few hundred ms: after a good refresh the
 *  page waits at least this many times as long as it took, so it never keeps the server busy more than
 *  1/10. Not after a failed one: what took long there was the failure (a gateway's timeout), not work. */
const IDLE_FACTOR = 10;
/** After failed refreshes the page tries again 2 s, 4 s, 8 s, … later, never more than this. */
const MAX_RETRY_MS = 30_000;
/** A call with no answer by then is given up (a dropped connection, a proxy holding it), so one lost
 *  request cannot stop the refreshing for good. */
const TIMEOUT_MS = 10_000;
/** A row's buttons stay disabled while its command runs and this long after they are drawn again, and the
 *  row takes no second command meanwhile: the second click of a double-click (a second Enter) must not land
 *  on the button drawn where the first one was ("recover" where "stop" was) and undo the command. */
const HOLD_MS = 500;
/** Explain's reasons that do not keep a campaign from dialing: shown beside "dialing", not instead of it. */
const NON_BLOCKING = new Set(["other_node"]);
const KEY_ITEM = "outdial.key";

const $ = (id) => document.getElementById(id);
let key = sessionStorage.getItem(KEY_ITEM);
let selected = null;
let timer = null;
/** Bumped by each refresh: a refresh overtaken by a newer one (a click) leaves the next turn to it. */
let generation = 0;
/** Failed refreshes in a row (they space the retries), and when the board last showed a good one. */
let failures = 0;
let lastUpdated = null;
/** Campaigns whose command is on its way, and those whose buttons are held (HOLD_MS) after one or after a
 *  redraw, each with the timer that lets them go. */
const commanding = new Set();
const held = new Map();

/** An element with attributes (class, data-*, …) and children (nodes or text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A call that got no answer within TIMEOUT_MS. */
class NoAnswer extends Error {}

async function api(path, method = "GET") {
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

/** An instant as the page shows every one: the browser's local time, its zone named. */
const formatTime = (ms) => new Date(ms).toLocaleString(undefined, { timeZoneName: "short" });
const formatClock = (date) => date.toLocaleTimeString(undefined, { timeZoneName: "short" });
/** The server's text with its ISO times (explain writes them in UTC) shown like every other time here. */
const localTimes = (text) =>
  String(text).replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : formatTime(ms);
  });

/** The same call, or null when the key's role may not read it (a section is then left out). */
async function optional(path) {
  try {
    return await api(path);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
    throw err;
  }
}

/** Every agent of the account, page by page (a campaign's staff may sit past the first page), or null
 *  when the key may not read them. Bounded, so a huge account cannot keep a refresh going for ever. */
async function allAgents() {
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

const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);

/** Lifecycle commands offered for each status (the engine refuses the others). */
const COMMANDS = {
  draft: ["start"],
  scheduled: ["pause", "stop"],
  running: ["pause", "stop"],
  // Recover too: a paused campaign whose lifetime ran out is refused a resume, and recover counts it again.
  paused: ["resume", "recover", "stop"],
  stopped: ["start", "recover"],
  halted: ["recover"],
  completed: ["recover"],
};

/** Explain's warnings (settings the node's driver cannot honour; the campaign dials regardless), one
 *  `tag` element each, marked as a warning; none when there are none. */
function warningItems(why, tag) {
  return (why?.warnings ?? []).map((w) =>
    el(tag, { class: "warning", "data-code": w.code }, el("strong", {}, "Warning: "), localTimes(w.message)),
  );
}

/** Explain's reasons split: those that keep the campaign from dialing, and those that do not (while it
 *  dials, every reason is one of these: on a cluster, that another node dispatches it). */
function splitReasons(why) {
  const notes = why.dialing ? why.reasons : why.reasons.filter((r) => NON_BLOCKING.has(r.code));
  const blocking = why.dialing ? [] : why.reasons.filter((r) => !notes.includes(r));
  return { blocking, notes };
}

/** Disables or enables campaign `id`'s buttons as it is held or not. */
function setButtons(id, row = $("campaigns").tBodies[0].querySelector(`tr[data-id="${id}"]`)) {
  const disabled = commanding.has(id) || held.has(id);
  for (const button of row?.querySelectorAll("button[data-command]") ?? []) button.disabled = disabled;
}

/** Holds campaign `id`'s buttons for HOLD_MS from now. */
function hold(id, row) {
  clearTimeout(held.get(id));
  held.set(
    id,
    setTimeout(() => {
      held.delete(id);
      setButtons(id);
    }, HOLD_MS),
  );
  setButtons(id, row);
}

/** What each row last showed of what is not plain cell text: its status's buttons and its "now" cell. */
const shown = new WeakMap();

/** Sets a node's text only when it differs, so an unchanged cell is left alone (and a selection in it). */
function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** A new, empty row for campaign `id`; updateRow fills it. Its cells are found again by data-field. */
function newRow(id) {
  const fill = el("div");
  // Focusable (not in the tab order): a keyboard user's focus waits on the row while its buttons change.
  const row = el(
    "tr",
    { "data-id": id, tabindex: "-1" },
    el("td", {}, el("span", { "data-field": "name" }), " ", el("span", { class: "muted" }, `#${id}`)),
    el("td", {}, el("span", { class: "status", "data-field": "status" })),
    el("td", {}, el("div", { class: "bar", "data-field": "progress" }, fill)),
    el("td", { class: "num", "data-field": "pending" }),
    el("td", { class: "num", "data-field": "succeeded" }),
    el("td", { class: "num", "data-field": "failed" }),
    el("td", { class: "num", "data-field": "in-flight" }),
    el("td", { "data-field": "now" }),
    el("td", { "data-field": "actions" }),
  );
  row.addEventListener("click", () => {
    selected = id;
    refresh();
  });
  shown.set(row, { status: null, now: null });
  return row;
}

/** Brings a row up to date in place: cells change their text, and the buttons are made again only when
 *  the status (and so the commands offered) changes, so a button under the pointer or holding the
 *  keyboard's focus outlives every refresh. `result` is explain's answer ({ why }) or its error
 *  ({ error }): then the figures are not known, and the row says why instead of showing zeros. */
function updateRow(row, c, result) {
  const cell = (field) => row.querySelector(`[data-field="${field}"]`);
  const state = shown.get(row);
  const { why, error } = result;
  row.classList.toggle("selected", c.id === selected);
  setText(cell("name"), c.name);
  const status = cell("status");
  setText(status, c.status);
  status.className = `status ${c.status}`;

  const counts = why?.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const open = (counts.pending ?? 0) + (counts.in_progress ?? 0);
  const done = total - open;
  const bar = cell("progress");
  bar.title = why ? `${done} of ${total} contacts done` : "not known";
  bar.firstChild.style.width = `${why && total > 0 ? (100 * done) / total : 0}%`;
  setText(cell("pending"), why ? open : "–");
  setText(cell("succeeded"), why ? (counts.succeeded ?? 0) : "–");
  setText(cell("failed"), why ? (counts.failed ?? 0) + (counts.exhausted ?? 0) : "–");
  // Calls placed, as /metrics counts them; dials reserved (previews being read, dials waiting for their
  // slot) are no lines in use, but hold places under the cap.
  const reserved = why ? why.inFlight - why.callsPlaced : 0;
  // Explain's figures are this node's: where another node dispatches the campaign, the row says so.
  const elsewhere = why?.reasons.find((r) => r.code === "other_node");
  const inFlight = cell("in-flight");
  setText(
    inFlight,
    why
      ? `${why.callsPlaced}${reserved > 0 ? ` (+${reserved} reserved)` : ""}${elsewhere ? " on this node" : ""}`
      : "–",
  );
  if (elsewhere) inFlight.title = elsewhere.message;
  else inFlight.removeAttribute("title");

  // The "now" cell holds no control: made again whenever what it says changes. Beside "dialing" (or what
  // keeps it from dialing), the reasons that do not stop it: dialing on another node is still news.
  const split = why ? splitReasons(why) : null;
  const now = error
    ? { error: error.message }
    : {
        text: why.dialing ? "dialing" : localTimes((split.blocking[0] ?? why.reasons[0])?.message ?? ""),
        notes: split.notes.map((r) => [r.code, localTimes(r.message)]),
        warnings: (why.warnings ?? []).map((w) => [w.code, w.message]),
      };
  const nowKey = JSON.stringify(now);
  if (state.now !== nowKey) {
    state.now = nowKey;
    cell("now").replaceChildren(
      ...(error
        ? [el("span", { class: "error" }, `could not explain: ${error.message}`)]
        : [
            now.text,
            ...now.notes.map(([code, message]) => el("div", { class: "note", "data-code": code }, message)),
            ...warningItems(why, "div"),
          ]),
    );
  }

  if (state.status !== c.status) {
    const redrawn = state.status !== null;
    state.status = c.status;
    const actions = cell("actions");
    // A keyboard user on one of the old buttons stays on the row, on the row itself: not on a new button,
    // where a second Enter would run the command drawn in place of the one just run (start after stop).
    const focused = actions.contains(document.activeElement);
    const buttons = (COMMANDS[c.status] ?? []).map((command) => {
      const button = el("button", { type: "button", "data-command": command }, command);
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        run(c.id, command);
      });
      return button;
    });
    if (focused) row.focus();
    actions.replaceChildren(...buttons.flatMap((b) => [b, " "]));
    // Buttons drawn again where others were (the status changed) take no click for a moment: it was meant
    // for the old ones. A row's first buttons replace none.
    if (redrawn) hold(c.id, row);
    else setButtons(c.id, row);
  }
}

/** The table shows `campaigns` in their order: rows already there are updated (and moved only when the
 *  order changed), new ones added, those of campaigns no longer listed removed. */
function showCampaigns(campaigns, results) {
  const body = $("campaigns").tBodies[0];
  const rows = new Map([...body.rows].map((row) => [row.getAttribute("data-id"), row]));
  let previous = null;
  campaigns.forEach((c, i) => {
    let row = rows.get(String(c.id));
    if (row) rows.delete(String(c.id));
    else row = newRow(c.id);
    updateRow(row, c, results[i]);
    const place = previous ? previous.nextSibling : body.firstChild;
    if (row !== place) body.insertBefore(row, place);
    previous = row;
  });
  for (const row of rows.values()) row.remove();
}

async function run(id, command) {
  // A second command on the row while its first runs or just after (a double-click, Enter twice): ignored.
  if (commanding.has(id) || held.has(id)) return;
  commanding.add(id);
  const row = $("campaigns").tBodies[0].querySelector(`tr[data-id="${id}"]`);
  // Focus on the button moves to its row first: disabled, the button would drop it.
  if (row?.querySelector('[data-field="actions"]').contains(document.activeElement)) row.focus();
  setButtons(id, row);
  try {
    await api(`/v1/campaigns/${id}/${command}`, "POST");
    $("notice").textContent = "";
  } catch (err) {
    $("notice").textContent =
      `${command} campaign ${id}: ${err.message}` +
      (err instanceof NoAnswer ? "; it may have been done: the board shows what is" : "");
  }
  try {
    await refresh();
  } finally {
    commanding.delete(id);
    hold(id);
  }
}

function fillList(list, items) {
  list.replaceChildren(...items.map((text) => el("li", {}, text)));
}

function fillTable(table, rows) {
  table.tBodies[0].replaceChildren(
    ...rows.map((cells) =>
      el("tr", {}, ...cells.map((c, i) => el("td", { class: i > 0 ? "num" : undefined }, c))),
    ),
  );
}

/** The selected campaign's detail; when its explain failed (`error`), the reasons say so and the waiting
 *  contacts are not known, while its results, agents and pacing are read as ever. */
async function showDetail(c, { why, error }, current) {
  $("detail").hidden = false;
  $("detail-title").textContent = `${c.name} (#${c.id}) — ${c.settings.dialMethod ?? "robot"}`;
  if (error) {
    $("reasons").replaceChildren(el("li", { class: "error" }, `could not explain: ${error.message}`));
  } else {
    // What keeps it from dialing first, then what does not (another node dispatching it).
    const { blocking, notes } = splitReasons(why);
    fillList($("reasons"), [
      ...(why.dialing ? ["dialing now"] : blocking.map((r) => localTimes(r.message))),
      ...notes.map((r) => localTimes(r.message)),
    ]);
  }
  const warnings = warningItems(why, "li");
  $("warnings").replaceChildren(...warnings);
  $("warnings-box").hidden = warnings.length === 0;
  fillList(
    $("waiting"),
    error
      ? ["not known"]
      : why.waiting.length === 0
        ? ["none"]
        : why.waiting.map(
            (w) => `${w.count} on ${w.reason}${w.nextAt ? ` (first at ${formatTime(w.nextAt)})` : ""}`,
          ),
  );
  const [report, agents, pacing] = await Promise.all([
    optional(`/v1/campaigns/${c.id}/report?bucket=day`),
    allAgents(),
    c.settings.dialMethod && c.settings.dialMethod !== "robot"
      ? optional(`/v1/campaigns/${c.id}/pacing`)
      : null,
  ]);
  if (!current()) return;
  fillTable(
    $("results"),
    report
      ? [
          ["attempts", report.attempts],
          ["answered", `${report.answered} (${pct(report.answer_rate)})`],
          ["live answers", report.live_answers],
          ["successes", `${report.successes} (${pct(report.success_rate)})`],
          ["mean talk", report.mean_talk_sec === null ? "–" : `${report.mean_talk_sec.toFixed(0)} s`],
          ...Object.entries(report.by_outcome).map(([outcome, n]) => [outcome, n]),
        ]
      : [["not readable with this key", ""]],
  );
  const staff = agents?.filter((a) => a.state !== "logged_out" && a.state_campaign_id === c.id) ?? [];
  $("agents-box").hidden = staff.length === 0 && pacing === null;
  fillTable($("agents"), staff.length === 0 ? [["none logged in", ""]] : staff.map((a) => [a.name, a.state]));
  const latest = pacing?.latest;
  $("pacing").textContent = latest
    ? `latest decision: ${latest.agents.ready} ready, ${Object.values(latest.lines).reduce((a, b) => a + b, 0)} lines out, asked ${latest.dials}, placed ${latest.placed ?? "–"}` +
      (latest.predictive
        ? `; ${latest.predictive.mode}, next line's drop chance ${pct(latest.predictive.next_dial_drop_chance)} against ${pct(latest.predictive.threshold)} allowed`
        : "")
    : "no pacing decision on this node yet";
}

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
        api(`/v1/campaigns/${c.id}/explain`).then(
          (why) => ({ why }),
          (error) => {
            if (error instanceof ApiError && error.status === 401) throw error;
            return { error };
          },
        ),
      ),
    );
    // Overtaken by a newer refresh (a click) or a sign-out: what this one read is already old.
    const current = () => mine === generation;
    if (!current()) return;
    showCampaigns(list.data, explanations);
    $("no-campaigns").hidden = list.data.length > 0;
    // One page only (each row costs an explain per refresh): say so rather than hide the rest silently.
    $("more-campaigns").hidden = !list.next_cursor;
    const i = list.data.findIndex((c) => c.id === selected);
    if (i >= 0) await showDetail(list.data[i], explanations[i], current);
    else $("detail").hidden = true;
    if (!current()) return;
    const failed = explanations.filter((e) => e.error).length;
    lastUpdated = new Date();
    $("updated").textContent =
      `updated ${formatClock(lastUpdated)}` +
      (failed > 0 ? `; could not explain ${failed} of ${explanations.length} campaigns` : "");
    $("board").classList.remove("stale");
    good = !explanations.some((e) => e.error instanceof NoAnswer);
  } catch (err) {
    if (mine !== generation) return; // signed out, or overtaken: not this refresh's business any more
    if (err instanceof ApiError && err.status === 401) return signOut("That key is no longer accepted.");
    // In the header, where the next good refresh replaces it (the notice is for the buttons' refusals);
    // the board stays, marked as what it is: an old picture.
    $("updated").textContent =
      `${lastUpdated ? `last updated ${formatClock(lastUpdated)} — ` : ""}not live: could not refresh (${err.message})`;
    $("board").classList.add("stale");
  }
  if (key && mine === generation) {
    failures = good ? 0 : failures + 1;
    timer = setTimeout(
      refresh,
      good
        ? Math.max(REFRESH_MS, IDLE_FACTOR * (performance.now() - started))
        : Math.min(MAX_RETRY_MS, REFRESH_MS * 2 ** (failures - 1)),
    );
  }
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && key && timer === null) refresh();
});

function show(signedIn) {
  $("sign-in").hidden = signedIn;
  $("board").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

function signOut(message = "") {
  clearTimeout(timer);
  generation++;
  key = null;
  selected = null;
  failures = 0;
  lastUpdated = null;
  $("board").classList.remove("stale");
  sessionStorage.removeItem(KEY_ITEM);
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

$("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  key = $("key").value.trim();
  try {
    await api("/v1/campaigns?limit=1");
  } catch (err) {
    return signOut(
      err instanceof ApiError && err.status === 401 ? "That key was not accepted." : err.message,
    );
  }
  sessionStorage.setItem(KEY_ITEM, key);
  $("key").value = "";
  $("sign-in-error").textContent = "";
  show(true);
  refresh();
});

$("sign-out").addEventListener("click", () => signOut());

if (key) {
  show(true);
  refresh();
} else {
  show(false);
}
