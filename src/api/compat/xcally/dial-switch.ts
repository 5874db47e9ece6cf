// A queue's dialActive switch: whether its client switched it off and nothing has made it dial since.
// Pure. The switch is stored in the queue (vendor.xcally.dialActive) with the time it was set off; a queue
// can be started, resumed or recovered without the face (POST /v1/campaigns/{id}/resume, the dashboard),
// which leaves that flag false. So a queue that finished (completed) after the flag was set off has run
// since, whoever started it, and counts as switched on. Read by the queue view and by dialAgain.
import { SWITCHED_OFF_AT, switchedOffSinceRun } from "../../../model/face-adds.ts";
import type { Campaign } from "../../../store/schema.ts";
import type { QueueBody } from "./queues.ts";

/** Where the stored queue keeps the time dialActive: false was set (ms epoch). Not a Motion field: left
 *  out of queue reads, and a body's own value is ignored. */
export { SWITCHED_OFF_AT };

/** The statuses of a queue that dials (or will at its start time): dialActive reads true. */
export const ACTIVE = ["running", "scheduled"];

/** A queue's dialActive as read back: true while it dials (running or scheduled, however it got there: a
 *  /v1 resume too), and when it ran dry (completed) with its switch on, as it dials what its lists are
 *  given then (dialAgain recovers it): a client writing back what it read must not switch it off. False
 *  when paused, stopped, draft or halted (past its end time), or completed after a dialActive: false
 *  that no start, resume or recover followed. */
export function dialActiveOf(
  queue: Record<string, unknown>,
  campaign: Pick<Campaign, "status" | "finished_at">,
): boolean {
  if (ACTIVE.includes(campaign.status)) return true;
  return campaign.status === "completed" && !queueSwitchedOff(queue, campaign);
}

/** The queue to store when `body` is written over `stored` (the stored queue; {} on creation) at `now`:
 *  body's fields over stored's, with the time of a dialActive: false (none once it is true again). */
export function queueWithSwitch(stored: Record<string, unknown>, body: QueueBody, now: number): QueueBody {
  const { [SWITCHED_OFF_AT]: _sent, ...sent } = body;
  const queue: QueueBody = { ...stored, ...sent };
  if (body.dialActive === false) queue[SWITCHED_OFF_AT] = now;
  else if (body.dialActive === true) delete queue[SWITCHED_OFF_AT];
  return queue;
}

/** The queue as a client reads it: without the face's own SWITCHED_OFF_AT. */
export function withoutSwitchTime(queue: Record<string, unknown>): Record<string, unknown> {
  const { [SWITCHED_OFF_AT]: _time, ...shown } = queue;
  return shown;
}

/**
 * Whether the queue (a campaign's vendor.xcally; undefined for a campaign of no queue) is switched off:
 * dialActive: false, and the campaign has not dialed since. One running or scheduled dials; one that
 * finished (completed, halted, stopped) after the switch was set off was started again after it (a start
 * clears the finish time, which the next finish sets later). One switched off before the switch's time
 * was kept counts as off, as it did then. A finish in the same millisecond as the switch counts as before.
 */
export function queueSwitchedOff(
  queue: unknown,
  campaign: Pick<Campaign, "status" | "finished_at">,
): boolean {
  return !ACTIVE.includes(campaign.status) && switchedOffSinceRun(queue, campaign.finished_at);
}

/** An engine command the face sends for dialActive. */
export type DialCommand = "pause" | "resume" | "start" | "recover";

/** The command that makes a queue in `status` what dialActive asks, or null when it already is: off pauses
 *  one that dials; on resumes a paused one, starts a draft or stopped one, recovers a completed or halted
 *  one. */
export function dialCommand(status: string, dialActive: boolean): DialCommand | null {
  if (!dialActive) return ACTIVE.includes(status) ? "pause" : null;
  if (status === "paused") return "resume";
  if (status === "draft" || status === "stopped") return "start";
  if (status === "completed" || status === "halted") return "recover";
  return null;
}

/**
 * After a command a PUT sent, the one that brings the queue back to its stored switch (the last one a PUT
 * committed), or null. A PUT commits its switch, then sends the command it chose from the status it read:
 * a later PUT that read the status before that command landed chose from a status the command then changed
 * (off, then on: the second found it running and sent nothing, the first's pause came after). The only
 * states such a late command leaves are a queue dialing with its switch off and a paused one with its
 * switch on; a completed or halted one is where the engine put it, not undone here.
 */
export function settlingCommand(
  queue: Record<string, unknown>,
  campaign: Pick<Campaign, "status">,
): DialCommand | null {
  const on = queue.dialActive !== false;
  if (!on && ACTIVE.includes(campaign.status)) return "pause";
  if (on && campaign.status === "paused") return "resume";
  return null;
}
