// `outdial explain ID`: asks a running outdial why a campaign is (not) dialing, and prints the answer.
import { parseArgs } from "node:util";
import type { Explanation } from "../engine/types.ts";
import { apiGet } from "./api-get.ts";
import { refuseExtraPositionals } from "./args.ts";

export function formatExplanation(e: Explanation): string {
  const lines = [`campaign ${e.campaignId}: ${e.status}, ${e.dialing ? "dialing" : "not dialing"}`];
  for (const r of e.reasons) lines.push(`  - ${r.message}`);
  for (const w of e.warnings ?? []) lines.push(`  ! ${w.message}`);
  lines.push(
    `  in flight ${e.inFlight}/${e.maxConcurrent} (${e.callsPlaced} placed), calls per second ${e.callsPerSecond ?? "unlimited"}`,
  );
  lines.push(
    `  contacts: ${
      Object.entries(e.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none"
    }`,
  );
  for (const w of e.waiting) {
    lines.push(
      `  waiting on ${w.reason}: ${w.count}${w.nextAt ? ` (first at ${new Date(w.nextAt).toISOString()})` : ""}`,
    );
  }
  if (e.nextDialAt) lines.push(`  next dial at ${new Date(e.nextDialAt).toISOString()}`);
  return `${lines.join("\n")}\n`;
}

export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: "string" }, key: { type: "string" }, json: { type: "boolean" } },
  });
  const id = positionals[0];
  if (!id) throw new Error("usage: outdial explain ID [--url URL] [--key KEY]");
  refuseExtraPositionals(positionals, 1, "explain takes one campaign id");
  const body = await apiGet(`/v1/campaigns/${encodeURIComponent(id)}/explain`, values);
  if (body === null) return 1;
  process.stdout.write(
    values.json ? `${JSON.stringify(body, null, 2)}\n` : formatExplanation(body as Explanation),
  );
  return 0;
}
