// The selected campaign's detail below the table: why it is or is not dialing, explain's warnings, its
// waiting contacts, its results so far, and for an agent campaign the agents logged in to it and the
// pacer's latest decision. Each section says in its own place when its read failed.
import { allAgents, optional, settle } from "./api.js";
import { $, el, fillList, fillTable, formatTime, localTimes, pct } from "./dom.js";
import { splitReasons, warningItems } from "./explain.js";

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

/** An agent logged in on another node (GET /v1/agents): its state and campaign are that node's to know. */
const ELSEWHERE = "logged_in_elsewhere";

/** The detail's agents (those logged in to campaign `c` here, and those of its queue logged in on another
 *  node, which dials it for them) and the pacer's latest decision, each or why it is not known; the box is
 *  left out when it has nothing to say. */
function showAgentsAndPacing(c, agents, queue, pacing) {
  const here = agents.value?.filter(
    (a) => a.state !== "logged_out" && a.state !== ELSEWHERE && a.state_campaign_id === c.id,
  );
  const elsewhere = queue.value?.data.filter((a) => a.state === ELSEWHERE);
  const staff = [
    ...(here ?? []).map((a) => [a.name, a.state]),
    ...(elsewhere ?? []).map((a) => [a.name, "logged in on another node"]),
  ];
  const error = agents.error ?? queue.error;
  $("agents-box").hidden = staff.length === 0 && !error && pacing.value === null && !pacing.error;
  if (error) $("agents").tBodies[0].replaceChildren(notKnown(error));
  else fillTable($("agents"), staff.length === 0 ? [["none logged in", ""]] : staff);
  $("pacing").className = pacing.error ? "error" : "muted";
  $("pacing").textContent = pacing.error
    ? `not known: ${pacing.error.message}`
    : pacingText(pacing.value?.latest);
}

/** The selected campaign's detail; when its explain failed (`error`), the reasons say so and the waiting
 *  contacts are not known, while its results, agents and pacing are read as ever. A read of those that
 *  fails is said in its section (the rows were refreshed all the same): the errors are returned, so that
 *  the refresh can space the next one when a call got no answer. */
export async function showDetail(c, { why, error }, current) {
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
  const withAgents = c.settings.dialMethod && c.settings.dialMethod !== "robot";
  const [report, agents, queue, pacing] = await Promise.all([
    settle(optional(`/v1/campaigns/${c.id}/report?bucket=day`)),
    settle(allAgents()),
    // The campaign's queue: which of those logged in on another node serve it.
    withAgents ? settle(optional(`/v1/campaigns/${c.id}/agents`)) : { value: null },
    withAgents ? settle(optional(`/v1/campaigns/${c.id}/pacing`)) : { value: null },
  ]);
  if (!current()) return [];
  showResults(report);
  showAgentsAndPacing(c, agents, queue, pacing);
  return [report, agents, queue, pacing].filter((r) => r.error).map((r) => r.error);
}
