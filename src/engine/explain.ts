// "Why is this campaign not dialing?" — the question dialer users ask most (an empty hopper nobody can
// explain). Answers from the campaign's state, its windows, the dispatcher's last pass and the contacts
// grouped by the rule they wait on.
import type { Kysely } from "kysely";
import { LOW_BALANCE_REASON } from "../model/billing.ts";
import { usesAgents } from "../model/campaign-settings.ts";
import { campaignEverOpens } from "../model/campaign-windows.ts";
import type { CampaignStatus } from "../model/outcome.ts";
import { firstOpenWithin, type WindowConstraint } from "../model/windows.ts";
import { agentSessionsElsewhere } from "../store/agent-sessions.ts";
import { campaignAgents } from "../store/agents.ts";
import type { CampaignHolder } from "../store/campaign-leases.ts";
import type { DispatchStore } from "../store/dispatch/types.ts";
import type { Campaign, Database } from "../store/schema.ts";
import type { TelephonyDriver } from "../telephony/driver.ts";
import { CampaignRuntime } from "./campaign-runtime.ts";
import type { Explanation } from "./types.ts";

/** Dates reach ±8.64e15 ms; a slot or wake computed past that (Infinity too) is said, not thrown on. */
const iso = (t: number | null | undefined) =>
  t === null || t === undefined
    ? "an unknown time"
    : Math.abs(t) <= 8.64e15
      ? new Date(t).toISOString()
      : "a time beyond any date";

/** How far explain looks for the campaign's schedule to open: four years and a day hold a 29th of February
 *  (past the claim's 400 days, which a spec open only on that day is accepted with). */
const LEAP_CYCLE_MS = (4 * 365 + 2) * 86_400_000;

/**
 * When the campaign's windows first open from `from`: the gate's own search, then, off the claim path, a
 * longer one (a 29th of February opens up to four years on). null: none found within four years.
 */
function scheduleOpensAt(
  from: number,
  windows: WindowConstraint[],
  nextAllowed: (t: number, c: WindowConstraint[]) => { at: number } | null,
): number | null {
  if (!windows.length) return from;
  const near = nextAllowed(from, windows);
  if (near !== null) return near.at;
  const far = firstOpenWithin(from, windows, LEAP_CYCLE_MS);
  return far === "exhausted" ? null : far;
}

/** Under the balance floor the command that would dial a campaign (start, resume, recover) is refused. */
const UNDER_FLOOR_REFUSED = (what: string) =>
  `the account balance is under 1 USD; ${what} is refused (409 insufficient_balance) until it is topped up`;

/**
 * The other live nodes that agents of the campaign's queue are logged in on. An agent campaign is dialed
 * by every node for the agents logged in to it there, so this node's last pass (no agent here) says
 * nothing of those. The account's sessions elsewhere come first: on one node there are none, and the
 * queue is not read.
 */
async function queueNodesElsewhere(
  db: Kysely<Database>,
  row: Campaign,
  nodeId: string,
  now: number,
): Promise<string[]> {
  const sessions = await agentSessionsElsewhere(db, { accountId: row.account_id, nodeId }, now);
  if (sessions.size === 0) return [];
  const queue = await campaignAgents(db, row.id);
  const nodes = new Set(queue.flatMap((m) => sessions.get(m.agentId)?.nodeId ?? []));
  return [...nodes].sort();
}

export async function explainCampaign(args: {
  row: Campaign;
  /** Where the agents of the campaign's queue logged in on other nodes are read from. */
  db: Kysely<Database>;
  runtime: CampaignRuntime | null;
  dispatch: DispatchStore;
  now: number;
  hasBalance: boolean;
  /** The end time (endAt) that has passed and makes a recover refused until it is changed, or null. */
  endedAt: number | null;
  /** Who holds the campaign's dispatch lease now, and which node answers. */
  holder: CampaignHolder | null;
  nodeId: string;
  /** Of the campaign's inFlight on this node, the calls handed to the driver. */
  callsPlaced: number;
  driver: Pick<TelephonyDriver, "name" | "capabilities">;
  nextAllowed(t: number, c: WindowConstraint[]): { at: number; reason: string | null } | null;
}): Promise<Explanation> {
  const { row, now } = args;
  const rt = args.runtime ?? new CampaignRuntime(row);
  const status = row.status as CampaignStatus;
  const counts = await args.dispatch.countByStatus(row.id);
  const waitingRows = await args.dispatch.waitingSummary(row.id, now);
  const reasons: Explanation["reasons"] = [];
  const due = waitingRows.find((w) => w.reason === "due")?.count ?? 0;
  const waiting = waitingRows.filter((w) => w.reason !== "due");
  const nextWaiting = waiting.reduce<number | null>(
    (m, w) => (w.nextAt !== null && (m === null || w.nextAt < m) ? w.nextAt : m),
    null,
  );
  let nextDialAt: number | null = null;

  const add = (code: string, message: string, until?: number | null) =>
    reasons.push(until === undefined ? { code, message } : { code, message, until });
  switch (status) {
    case "draft":
      add("not_running", "the campaign is a draft; start it to dial");
      if (!args.hasBalance) add("balance", UNDER_FLOOR_REFUSED("a start"));
      break;
    case "paused":
      add("paused", "the campaign is paused; resume it to dial");
      if (!args.hasBalance) add("balance", UNDER_FLOOR_REFUSED("a resume"));
      break;
    case "stopped":
      if (row.status_reason === LOW_BALANCE_REASON) {
        add(
          "balance",
          args.hasBalance
            ? "the campaign stopped when the account balance fell under 1 USD; it is topped up now: resume or recover the campaign to dial"
            : "the account balance is under 1 USD; top it up and resume or recover the campaign",
        );
        break;
      }
      add(
        "not_running",
        `the campaign was stopped${row.status_reason ? ` (${row.status_reason})` : ""}; recover it to dial`,
      );
      break;
    case "completed":
      if (row.status_reason === LOW_BALANCE_REASON) {
        add(
          "balance",
          args.hasBalance
            ? "contacts came after it completed, under 1 USD of balance; it is topped up now: recover it"
            : "contacts came after it completed, under 1 USD of balance; top it up and recover it",
        );
        break;
      }
      if ((counts.pending ?? 0) > 0) {
        // A list reset after completion: the dispatcher leaves a completed campaign alone until a recover.
        add(
          "completed",
          `the campaign completed, but ${counts.pending} contact${counts.pending === 1 ? " is" : "s are"} pending again (a list was reset); recover it to dial them`,
        );
        break;
      }
      add("completed", "every contact has reached a final status");
      break;
    case "halted":
      add(
        "halted",
        args.endedAt === null
          ? `the campaign reached its end time or lifetime at ${iso(row.halt_at)}; recover it to dial`
          : `the campaign reached its end time at ${iso(args.endedAt)}; change its endAt, then recover it to dial`,
      );
      break;
    case "scheduled": {
      const startAt = rt.settings.startAt;
      add("not_started", `the campaign starts at ${iso(startAt)}`, startAt);
      if (!args.hasBalance) {
        // The gate stops it for the balance at its start time: no dial is coming unless it is topped up.
        add(
          "balance",
          "the account balance is under 1 USD; at its start time the campaign stops unless it is topped up",
        );
        break;
      }
      // Its first dial: the first instant its schedule is open from the start time on, and a contact due,
      // before it halts; with no contact waiting, none.
      const contactDueAt = due > 0 ? now : nextWaiting;
      const from = startAt === null || contactDueAt === null ? null : Math.max(startAt, contactDueAt);
      const opens = from === null ? null : scheduleOpensAt(from, rt.windows.campaign, args.nextAllowed);
      nextDialAt = opens !== null && (rt.haltAt === null || opens < rt.haltAt) ? opens : null;
      break;
    }
  }

  if (args.endedAt !== null && (status === "stopped" || status === "completed")) {
    // The recover the reason above names is refused (409) until the end time moves.
    add(
      "ended",
      `its end time passed at ${iso(args.endedAt)}: a recover is refused until its endAt is changed`,
    );
  }
  const recoverable = status === "stopped" || status === "completed" || status === "halted";
  if (recoverable && !args.hasBalance && !reasons.some((r) => r.code === "balance")) {
    add("balance", UNDER_FLOOR_REFUSED("a recover"));
  }

  if (status === "running") {
    const haltAt = rt.haltAt;
    const figuresHere = `calls in flight and the last pass shown here are this node's (${args.nodeId})`;
    const elsewhere = args.holder && args.holder.nodeId !== args.nodeId && !usesAgents(rt.settings);
    // Agent campaigns hold no lease: every node dials one for its own agents.
    const agentNodes = usesAgents(rt.settings)
      ? await queueNodesElsewhere(args.db, row, args.nodeId, now)
      : [];
    // Not a block: the figures below (calls in flight, the last pass) are this node's, not the dialing one's.
    if (elsewhere) add("other_node", `node ${args.holder?.nodeId} dispatches this campaign; ${figuresHere}`);
    if (agentNodes.length > 0) {
      const nodes =
        agentNodes.length === 1
          ? `node ${agentNodes[0]}, which dials`
          : `nodes ${agentNodes.join(", ")}, which dial`;
      add(
        "other_node",
        `agents of the campaign's queue are logged in on ${nodes} it for those logged in to it; ${figuresHere}`,
      );
    }
    // The dispatcher's gate (engine/campaign-gate.ts) halts a running campaign at its first pass at or past
    // halt_at, before it looks at anything else: no dial comes at or after that instant.
    const halting = haltAt !== null && now >= haltAt;
    if (halting) {
      add(
        "halting",
        `the campaign reached its end time or lifetime at ${iso(haltAt)}; the dispatcher halts it at its next pass`,
        haltAt,
      );
    }
    if (!args.hasBalance)
      add("balance", "the account balance is under 1 USD; dialing stops at the next pass");
    /** When the campaign windows are first open from now; null: not within four years, or never. */
    const windowOpensAt = scheduleOpensAt(now, rt.windows.campaign, args.nextAllowed);
    if (windowOpensAt === null) {
      // "Never" only when the save's own check says so: a 29th of February is eight years off across 2100.
      add(
        "window_closed",
        campaignEverOpens(rt.settings, now)
          ? "no opening of the campaign schedule was found within the next four years"
          : "the campaign schedule never opens again",
        null,
      );
    } else if (windowOpensAt > now) {
      add("window_closed", `the campaign schedule is closed until ${iso(windowOpensAt)}`, windowOpensAt);
      if (!halting && haltAt !== null && windowOpensAt >= haltAt) {
        add(
          "ends_before_open",
          `the campaign halts at its end time or lifetime at ${iso(haltAt)}, before its schedule opens again`,
          haltAt,
        );
      }
    }
    if (rt.inFlight >= rt.settings.maxConcurrent) {
      add("concurrency_saturated", `all ${rt.settings.maxConcurrent} concurrent calls are in use`);
    } else if (rt.lastBlock?.code === "global_channels_saturated") {
      add(
        "global_channels_saturated",
        "every channel of the telephony driver is in use by this or higher-priority campaigns",
      );
    }
    const agentBlockCode = rt.lastBlock?.code ?? "";
    const agentBlock = AGENT_BLOCKS[agentBlockCode];
    // No agent logged in here is no block while agents of the queue are logged in on another node.
    const agentsElsewhere = agentBlockCode === "no_agents" && agentNodes.length > 0;
    if (agentBlock && rt.settings.dialMethod !== "robot" && !agentsElsewhere) add(agentBlockCode, agentBlock);
    if (rt.lastBlock?.code === "cps_saturated" && (rt.lastBlock.until ?? 0) > now) {
      add(
        "cps_saturated",
        `calls per second (${rt.settings.callsPerSecond}) allow the next dial at ${iso(rt.lastBlock.until)}`,
        rt.lastBlock.until,
      );
    }
    if (due === 0) {
      const detail = waiting.map((w) => `${w.count} on ${w.reason}`).join(", ");
      add(
        "no_contacts_due",
        nextWaiting !== null
          ? `no contact is due before ${iso(nextWaiting)}${detail ? ` (${detail})` : ""}`
          : "no contact is left to dial",
        nextWaiting,
      );
    }
    // The next dial: the first instant, not before now nor before the earliest contact falls due, at which
    // the campaign's windows are open (the gate's own search) — and before halt_at, where the gate halts the
    // campaign instead. Under the balance floor the gate stops it at the next pass: no dial is coming.
    const contactDueAt = due > 0 ? now : nextWaiting;
    if (!halting && args.hasBalance && windowOpensAt !== null && contactDueAt !== null) {
      // Calls per second space the dials from the last one: no dial before the next slot either.
      const from = Math.max(now, contactDueAt, rt.spacing.nextSlot(now));
      const slot = scheduleOpensAt(from, rt.windows.campaign, args.nextAllowed);
      if (slot !== null && haltAt !== null && slot >= haltAt) {
        if (!reasons.some((r) => r.code === "ends_before_open")) {
          add(
            "ends_before_due",
            `the campaign halts at its end time or lifetime at ${iso(haltAt)}, before a contact is due while its schedule is open`,
            haltAt,
          );
        }
      } else if (slot !== null && slot > now && !reasons.some((r) => r.code in AGENT_BLOCKS)) {
        // Saturation now does not hold the dial back past a later slot; at `now` itself, `dialing` decides.
        // A campaign waiting on its agents (none logged in, a preview) dials when they act: no time to say.
        nextDialAt = slot;
      }
    }
  }
  const warnings = driverWarnings(rt.settings, args.driver);
  const dialing = status === "running" && reasons.every((r) => r.code === "other_node");
  if (dialing) nextDialAt = now;
  return {
    campaignId: row.id,
    status,
    dialing,
    reasons,
    warnings,
    inFlight: rt.inFlight,
    callsPlaced: args.callsPlaced,
    maxConcurrent: rt.settings.maxConcurrent,
    callsPerSecond: rt.settings.callsPerSecond,
    counts,
    waiting: waitingRows,
    nextDialAt,
  };
}

/** A campaign set up for the sim driver and run on the sip one would otherwise count every answering
 *  machine as a person, or promise recordings that never come, without a word. */
function driverWarnings(
  settings: CampaignRuntime["settings"],
  driver: Pick<TelephonyDriver, "name" | "capabilities">,
): Explanation["warnings"] {
  const warnings: Explanation["warnings"] = [];
  if (settings.amd?.enabled && !driver.capabilities.amd) {
    warnings.push({
      code: "amd_unavailable",
      message: `answering-machine detection is on, but the ${driver.name} driver has none: every answer counts as a person`,
    });
  }
  if ((settings.abandonMessage || settings.amd?.voicemailMessage) && !driver.capabilities.announcements) {
    warnings.push({
      code: "announcements_unavailable",
      message: `the campaign has an abandon or voicemail message, but the ${driver.name} driver plays none: calls end without it`,
    });
  }
  if (usesAgents(settings) && !driver.capabilities.agentAudio) {
    warnings.push({
      code: "agents_not_connected",
      message: `answered calls are given to agents, but the ${driver.name} driver does not connect their audio: the PBX must route them (X-Outdial-Call-Id names the attempt)`,
    });
  }
  if (settings.record?.enabled && !driver.capabilities.recording) {
    warnings.push({
      code: "recording_unavailable",
      message: `recording is on, but the ${driver.name} driver records nothing`,
    });
  }
  return warnings;
}

/** Why an agent campaign placed no dial at its last pass. */
const AGENT_BLOCKS: Record<string, string> = {
  no_agents: "no agent of the campaign's queue is logged in",
  agents_busy: "the pacer wants no more lines now: every agent is busy or already has a line coming",
  preview: "a preview campaign dials only when an agent asks for the next contact",
};
