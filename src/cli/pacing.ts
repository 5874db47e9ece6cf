// `outdial pacing ID`: asks a running outdial how an agent campaign is being paced (the latest decision,
// the recent ones that placed lines, and what they rested on) and prints them as a table, newest first.
import { parseArgs } from "node:util";
import { apiGet } from "./api-get.ts";
import { refuseExtraPositionals } from "./args.ts";

/** One decision as GET /v1/campaigns/{id}/pacing answers it. */
export interface PacingDecisionBody {
  at: string;
  agents: Record<string, number>;
  lines: Record<string, number>;
  dials: number;
  placed: number | null;
  held_by: string | null;
  predictive: null | {
    mode: string;
    threshold: number;
    last_dial_drop_chance: number | null;
    next_dial_drop_chance: number | null;
    human_share: number;
    mean_talk_sec: number;
    mean_wrap_up_sec: number;
    dial_results: number;
    talks: number;
    wrap_ups: number;
    calibration: number;
  };
}

/** GET /v1/campaigns/{id}/pacing's answer. */
export interface PacingBody {
  campaign_id: number;
  dial_method: string;
  active: boolean;
  abandonment: null | {
    window: string;
    live_answers: number;
    abandoned: number;
    drops: number;
    amd_machine_verdicts: number;
    amd_false_positives: number;
    rate: number;
    target_rate: number;
  };
  latest: PacingDecisionBody | null;
  decisions: PacingDecisionBody[];
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "-" : `${(x * 100).toFixed(2)}%`;
/** Estimated false positives make counts fractional: one decimal, none for whole numbers. */
const round = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** The API renders `latest` and the log's entries from the same records, field for field. */
const sameDecision = (a: PacingDecisionBody, b: PacingDecisionBody) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * The decisions to show, newest first: the latest, then the logged ones. The log keeps only decisions that
 * placed a line or changed mode, so a decision that asked for lines and placed none (held back by no
 * contact due, calling hours, the concurrency cap, calls per second) is only in `latest` — and it is what
 * a supervisor with idle agents runs the command to see. A latest that was logged is decisions[0].
 */
function newestFirst({ latest, decisions }: PacingBody): PacingDecisionBody[] {
  if (latest === null || (decisions.length > 0 && sameDecision(latest, decisions[0]))) return decisions;
  return [latest, ...decisions];
}

export function formatPacing(v: PacingBody, limit = 20): string {
  const out = [
    `campaign ${v.campaign_id} (${v.dial_method}), ${v.active ? "dispatched on this node" : "not dispatched on this node"}`,
  ];
  const a = v.abandonment;
  if (a) {
    out.push(
      `  abandoned ${round(a.abandoned)} of ${round(a.live_answers)} live answers = ${pct(a.rate)} (${a.window} window), target ${pct(a.target_rate)}`,
    );
    if (a.amd_false_positives > 0) {
      out.push(
        `  of which ${round(a.amd_false_positives)} estimated AMD false positives (people among ${a.amd_machine_verdicts} machine verdicts)`,
      );
    }
  }
  const decisions = newestFirst(v);
  // The estimates as of the latest decision, placed a line or not.
  const p = decisions[0]?.predictive;
  if (p) {
    out.push(
      `  estimates: ${pct(p.human_share)} of dials reach a person, talk ${p.mean_talk_sec.toFixed(1)} s, wrap-up ${p.mean_wrap_up_sec.toFixed(1)} s, from ${Math.round(p.dial_results)} dial results; drops per forecast drop ${p.calibration.toFixed(2)}`,
    );
  }
  if (decisions.length === 0) {
    out.push("  no decisions yet");
    return `${out.join("\n")}\n`;
  }
  const rows = [
    [
      "time",
      "ready",
      "busy",
      "lines",
      "asked",
      "placed",
      "mode",
      "threshold",
      "last dial",
      "next dial",
      "held by",
    ],
  ];
  for (const d of decisions.slice(0, limit)) {
    const busy = total(d.agents) - d.agents.ready - (d.agents.paused ?? 0);
    const m = d.predictive;
    rows.push([
      d.at,
      String(d.agents.ready),
      String(busy),
      String(total(d.lines)),
      String(d.dials),
      d.placed === null ? "-" : String(d.placed),
      m?.mode ?? "-",
      pct(m?.threshold),
      pct(m?.last_dial_drop_chance),
      pct(m?.next_dial_drop_chance),
      d.held_by ?? "",
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    out.push(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")}`);
  return `${out.join("\n")}\n`;
}

export async function pacingCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      json: { type: "boolean" },
      limit: { type: "string", default: "20" },
    },
  });
  const id = positionals[0];
  const limit = Number(values.limit);
  if (!id || !Number.isInteger(limit) || limit < 1) {
    throw new Error("usage: outdial pacing ID [--limit N] [--url URL] [--key KEY] [--json]");
  }
  refuseExtraPositionals(positionals, 1, "pacing takes one campaign id");
  const body = await apiGet(`/v1/campaigns/${encodeURIComponent(id)}/pacing`, values);
  if (body === null) return 1;
  process.stdout.write(
    values.json ? `${JSON.stringify(body, null, 2)}\n` : formatPacing(body as PacingBody, limit),
  );
  return 0;
}
