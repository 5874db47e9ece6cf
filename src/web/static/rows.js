// The campaign table: a row per campaign, kept in place across refreshes (updated, moved, added, removed),
// each row's lifecycle buttons and the commands they run, and the holds that keep a click from landing on
// a button it was not aimed at. The notice and the header line live here too: both sit above the rows, so
// a change to either may move them.
import { api, currentSession, NoAnswer } from "./api.js";
import { $, el, localTimes, setText } from "./dom.js";
import { splitReasons, warningItems } from "./explain.js";

/** A row's buttons stay disabled while its command runs and this long after they are drawn again or move,
 *  and the row takes no second command meanwhile: the second click of a double-click (a second Enter) must
 *  not land on the button drawn where the first one was ("recover" where "stop" was) and undo the command,
 *  nor a click aimed at one campaign's "stop" on the row a refresh moved there (a campaign added above). */
const HOLD_MS = 500;

/** What the rows ask of the page script: a campaign selected (its row clicked, or Enter or Space on it)
 *  and the board read again (after a command). app.js gives them once: it imports this module, and an
 *  import back would be a cycle. */
let page = { select: () => {}, refresh: async () => {} };

export function connectRows(handlers) {
  page = handlers;
}

/** Campaigns whose command is on its way, and those whose buttons are held (HOLD_MS) after one or after a
 *  redraw or a move, each with the timer that lets them go. */
const commanding = new Set();
const held = new Map();

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

/** A new, empty row for campaign `id`; updateRow fills it. Its cells are found again by data-field. */
function newRow(id) {
  const fill = el("div");
  // In the tab order, so a keyboard user can select it (Enter or Space) as a click does; their focus also
  // waits on the row while its buttons change.
  const row = el(
    "tr",
    { "data-id": id, tabindex: "0" },
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
  row.addEventListener("click", () => page.select(id));
  row.addEventListener("keydown", (event) => {
    // Keys pressed on one of its buttons are the button's.
    if (event.target !== row || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault(); // Space would scroll the page
    // The focus lands here from a button that just ran a command: a second Enter (or a key repeat) was
    // meant for that button, not for opening the campaign.
    if (commanding.has(id) || held.has(id)) return;
    page.select(id);
  });
  shown.set(row, { id, status: null, now: null });
  return row;
}

/** Brings a row up to date in place: cells change their text, and the buttons are made again only when
 *  the status (and so the commands offered) changes, so a button under the pointer or holding the
 *  keyboard's focus outlives every refresh. `result` is explain's answer ({ why }) or its error
 *  ({ error }): then the figures are not known, and the row says why instead of showing zeros. The row
 *  of campaign `selected` is marked as such. */
function updateRow(row, c, result, selected) {
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
export function showCampaigns(campaigns, results, selected) {
  const body = $("campaigns").tBodies[0];
  const rows = new Map([...body.rows].map((row) => [row.getAttribute("data-id"), row]));
  holdMoved(() => {
    let previous = null;
    campaigns.forEach((c, i) => {
      let row = rows.get(String(c.id));
      if (row) rows.delete(String(c.id));
      else row = newRow(c.id);
      updateRow(row, c, results[i], selected);
      const place = previous ? previous.nextSibling : body.firstChild;
      if (row !== place) body.insertBefore(row, place);
      previous = row;
    });
    for (const row of rows.values()) row.remove();
  });
}

/** The notice above the table (a command's refusal); a longer one may wrap and move the rows. The server
 *  writes its times in UTC ISO ("campaign 1 ended at 2026-01-05T12:01:00.000Z"): shown as the page shows
 *  every time. */
const setNotice = (text) => holdMoved(() => setText($("notice"), localTimes(text)));

/** The header's line, and whether the board is marked as an old picture; a longer line may wrap and move
 *  the rows. */
export function setHeader(text, stale) {
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
  const session = currentSession();
  let refusal = "";
  try {
    await api(`/v1/campaigns/${id}/${command}`, "POST");
  } catch (err) {
    refusal =
      `${command} campaign ${id}: ${err.message}` +
      (err instanceof NoAnswer ? "; it may have been done: the board shows what is" : "");
  }
  // Signed out meanwhile (and maybe in again, as another account): the answer is for a board no longer
  // shown, and a refresh now would go out with no key or with another account's.
  if (currentSession() !== session) {
    commanding.delete(id);
    setButtons(id);
    return;
  }
  setNotice(refusal);
  try {
    await page.refresh();
  } finally {
    commanding.delete(id);
    hold(id);
  }
}
