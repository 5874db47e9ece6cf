// What happens when a person answers: a robot scenario, named by the key a campaign's bot script id (Twin24's
// defaultExecData, Voximplant's rule_id) refers to. It has a script to say, with the contact's data filled
// in, and the results it can end with; on the sim driver also how long the conversation lasts. Pure.
import type { Dist } from "../telephony/sim/scenario.ts";

export interface RobotScenario {
  key: string;
  name: string;
  /** What the robot says; `{{field}}` is replaced by the contact's data field of that name. */
  say: string | null;
  /** Results the conversation can end with, and how often (relative weights) on the sim driver. */
  results: { name: string; weight: number }[];
  /** Conversation length on the sim driver, instead of the sim scenario's talk time. */
  talkSec: Dist | null;
}

/** `{{field}}`: any name without braces (a CSV header's: "Имя", "first name"), spaces around it ignored. */
const FIELD = /\{\{([^{}]*)\}\}/g;

/** The script with the contact's data filled in; a field the contact lacks is left empty (only its own
 *  fields count: "{{constructor}}" must not read Object.prototype's). "{{}}" names no field: said as is. */
export function renderSay(template: string, data: Record<string, unknown>): string {
  return template.replace(FIELD, (whole, inner: string) => {
    const field = inner.trim();
    if (field === "") return whole;
    const v = Object.hasOwn(data, field) ? data[field] : undefined;
    return v === undefined || v === null ? "" : String(v);
  });
}

/** The result a draw `u` in [0, 1) lands on, by weight. */
export function pickResult(results: RobotScenario["results"], u: number): string | null {
  const total = results.reduce((s, r) => s + r.weight, 0);
  if (results.length === 0 || total <= 0) return null;
  let x = u * total;
  for (const r of results) {
    if (x < r.weight) return r.name;
    x -= r.weight;
  }
  return results[results.length - 1].name;
}
