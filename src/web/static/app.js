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
/** A row's buttons stay disabled while its command runs and this long after they are drawn again or move,
 *  and the row takes no second command meanwhile: the second click of a double-click (a second Enter) must
 *  not land on the button drawn where the first one was ("recover" where "stop" was) and undo the command,
 *  nor a click aimed at one campaign's "stop" on the row a refresh moved there (a campaign added above). */
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
 *  redraw or a move, each with the timer that lets them go. */
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

/** A call's answer ({ value }) or why it failed ({ error }), for a part of the page that says so in its own
 *  place (a row, a section of the detail) rather than fail the whole refresh. A key no longer accepted
 *  still fails it (and signs out). */
function settle(call) {
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

/** Each row's campaign, and what the row last showed of what is not plain cell text: its status's buttons
 *  and its "now" cell. */
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
  shown.set(row, { id, status: null, now: null });
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

/** Where a row's buttons are on the screen. */
function buttonsPlace(row) {
  const { x, y, width, height } = row.querySelector('[data-field="actions"]').getBoundingClientRect();
  return `${x} ${y} ${width} ${height}`;
}

/** Makes `change` (anything that can move the rows: the rows themselves, a line above them) and holds the
 *  buttons of every row it put somewhere else on the screen, and of new rows drawn among old ones: a click
 *  aimed a moment ago at the button that was there is not meant for these. That covers every way a row
 *  moves: a campaign added above it (the newest are drawn on top) or one deleted, a row above it growing a
 *  line (a warning), the header or the notice wrapping onto another line. */
function holdMoved(change) {
  const body = $("campaigns").tBodies[0];
  const before = new Map([...body.rows].map((row) => [row, buttonsPlace(row)]));
  change();
  // The first rows drawn (after signing in) take the place of none.
  if (before.size === 0) return;
  for (const row of body.rows) {
    if (before.get(row) !== buttonsPlace(row)) hold(shown.get(row).id, row);
  }
}

/** The table shows `campaigns` in their order: rows already there are updated (and moved only when the
 *  order changed), new ones added, those of campaigns no longer listed removed; those that moved are held. */
function showCampaigns(campaigns, results) {
  const body = $("campaigns").tBodies[0];
  const rows = new Map([...body.rows].map((row) => [row.getAttribute("data-id"), row]));
  holdMoved(() => {
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
  });
}

/** The notice above the table (a command's refusal); a longer one may wrap and move the rows. */
const setNotice = (text) => holdMoved(() => setText($("notice"), text));

/** The header's line, and whether the board is marked as an old picture; a longer line may wrap and move
 *  the rows. */
function setHeader(text, stale) {
  holdMoved(() => {
    setText($("updated"), text);
    $("board").classList.toggle("stale", stale);
  });
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
    setNotice("");
  } catch (err) {
    setNotice(
      `${command} campaign ${id}: ${err.message}` +
        (err instanceof NoAnswer ? "; it may have been done: the board shows what is" : ""),
    );
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

/** One table row saying why a section of the detail is not known (its read failed). */
const notKnown = (error) =>
  el("tr", {}, el("td", { class: "error", colspan: 2 }, `not known: ${error.message}`));

/** The detail's results: the report's figures, or why they are not known. */
function showResults({ value: report, error }) {
  if (error) return $("results").tBodies[0].replaceChildren(notKnown(error));
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
}

/** The pacer's latest decision in a line, or that there is none yet. */
function pacingText(latest) {
  if (!latest) return "no pacing decision on this node yet";
  const lines = Object.values(latest.lines).reduce((a, b) => a + b, 0);
  const predictive = latest.predictive;
  return (
    `latest decision: ${latest.agents.ready} ready, ${lines} lines out, asked ${latest.dials}, placed ${latest.placed ?? "–"}` +
    (predictive
      ? `; ${predictive.mode}, next line's drop chance ${pct(predictive.next_dial_drop_chance)} against ${pct(predictive.threshold)} allowed`
      : "")
  );
}

/** The detail's agents (those logged in to campaign `c`) and the pacer's latest decision, each or why it is
 *  not known; the box is left out when it has nothing to say. */
function showAgentsAndPacing(c, agents, pacing) {
  const staff = agents.value?.filter((a) => a.state !== "logged_out" && a.state_campaign_id === c.id) ?? [];
  $("agents-box").hidden = staff.length === 0 && !agents.error && pacing.value === null && !pacing.error;
  if (agents.error) $("agents").tBodies[0].replaceChildren(notKnown(agents.error));
  else
    fillTable(
      $("agents"),
      staff.length === 0 ? [["none logged in", ""]] : staff.map((a) => [a.name, a.state]),
    );
  $("pacing").className = pacing.error ? "error" : "muted";
  $("pacing").textContent = pacing.error
    ? `not known: ${pacing.error.message}`
    : pacingText(pacing.value?.latest);
}

/** The selected campaign's detail; when its explain failed (`error`), the reasons say so and the waiting
 *  contacts are not known, while its results, agents and pacing are read as ever. A read of those that
 *  fails is said in its section (the rows were refreshed all the same): the errors are returned, so that
 *  the refresh can space the next one when a call got no answer. */
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
    settle(optional(`/v1/campaigns/${c.id}/report?bucket=day`)),
    settle(allAgents()),
    c.settings.dialMethod && c.settings.dialMethod !== "robot"
      ? settle(optional(`/v1/campaigns/${c.id}/pacing`))
      : { value: null },
  ]);
  if (!current()) return [];
  showResults(report);
  showAgentsAndPacing(c, agents, pacing);
  return [report, agents, pacing].filter((r) => r.error).map((r) => r.error);
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
        settle(api(`/v1/campaigns/${c.id}/explain`)).then(({ value, error }) => ({ why: value, error })),
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
