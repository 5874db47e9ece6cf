// Putting things on the dashboard's page, and how values read there: elements made with their children,
// text set only where it changed, lists and tables filled, instants in the browser's own time zone, rates
// as percentages. Data goes in as text only (a text node, an attribute), never parsed as markup.

export const $ = (id) => document.getElementById(id);

/** An element with attributes (class, data-*, …) and children (nodes or text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

/** Sets a node's text only when it differs, so an unchanged cell is left alone (and a selection in it). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

export function fillList(list, items) {
  list.replaceChildren(...items.map((text) => el("li", {}, text)));
}

export function fillTable(table, rows) {
  table.tBodies[0].replaceChildren(
    ...rows.map((cells) =>
      el("tr", {}, ...cells.map((c, i) => el("td", { class: i > 0 ? "num" : undefined }, c))),
    ),
  );
}

/** An instant as the page shows every one: the browser's local time, its zone named. */
export const formatTime = (ms) => new Date(ms).toLocaleString(undefined, { timeZoneName: "short" });
export const formatClock = (date) => date.toLocaleTimeString(undefined, { timeZoneName: "short" });
/** The server's text with its ISO times (explain writes them in UTC) shown like every other time here. */
export const localTimes = (text) =>
  String(text).replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : formatTime(ms);
  });

export const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
