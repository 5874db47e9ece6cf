// Explain's answer (why a campaign is or is not dialing, and what it asks for that the node's telephony
// driver cannot do) read the same way in a campaign's row and in the selected campaign's detail.
import { el, localTimes } from "./dom.js";

/** Explain's reasons that do not keep a campaign from dialing: shown beside "dialing", not instead of it. */
const NON_BLOCKING = new Set(["other_node"]);

/** Explain's warnings (settings the node's driver cannot honour; the campaign dials regardless), one
 *  `tag` element each, marked as a warning; none when there are none. */
export function warningItems(why, tag) {
  return (why?.warnings ?? []).map((w) =>
    el(tag, { class: "warning", "data-code": w.code }, el("strong", {}, "Warning: "), localTimes(w.message)),
  );
}

/** Explain's reasons split: those that keep the campaign from dialing, and those that do not (while it
 *  dials, every reason is one of these: on a cluster, that another node dispatches it). */
export function splitReasons(why) {
  const notes = why.dialing ? why.reasons : why.reasons.filter((r) => NON_BLOCKING.has(r.code));
  const blocking = why.dialing ? [] : why.reasons.filter((r) => !notes.includes(r));
  return { blocking, notes };
}
