// The engine's refusals of a lifecycle command (EngineError: a start, pause, resume, stop or recover in the
// wrong state, past the end time, under the balance floor…) said in a vendor face's own terms: its name and
// id for the campaign, its status names, and advice about the end time in the settings it has. The engine
// words its messages for the native API ("campaign 12 is paused; …change its endAt or lifetimeSec…"); each
// face passes its terms here before the error leaves. Pure; anything but an EngineError is returned as is.
import { EngineError } from "../../engine/types.ts";
import type { CampaignStatus } from "../../model/outcome.ts";

export interface RefusalTerms {
  /** The face's name of campaign `campaignId`, with the id its client knows ("task 3f2a…", "queue 12"). */
  name(campaignId: number): string;
  /** The face's word for a campaign and for campaigns ("task", "tasks"). */
  noun: readonly [singular: string, plural: string];
  /** The face's status names; without them the native ones stay (the face shows those itself). */
  statuses?: Readonly<Record<CampaignStatus, string>>;
  /** Leave a status word that is a verb ("can be paused", "cannot be stopped") as it is. */
  keepVerbs?: boolean;
  /** What replaces the engine's end-time wording; each one left out stays as the engine wrote it. */
  ended?: {
    /** For "(its endAt, or its lifetime from its first start)" of a refused start or resume. */
    cause?: string;
    /** For "; change its [startAt, ]endAt or lifetimeSec first, or recover it to count its lifetime again". */
    startAdvice?: string;
    /** For "; change its endAt first" of a refused recover. */
    recoverAdvice?: string;
  };
}

const START_ENDED_CAUSE = "(its endAt, or its lifetime from its first start)";
/** startEndedError's advice; "startAt, " when the start was to begin past its halt time. */
const START_ENDED_ADVICE =
  /; change its (?:startAt, )?endAt or lifetimeSec first, or recover it to count its lifetime again/;
/** endedError's advice: the end of the message. */
const RECOVER_ENDED_ADVICE = /; change its endAt first$/;

const STATUS = "draft|scheduled|running|paused|stopped|completed|halted";
/** A status, or several in a row ("draft, scheduled, paused or stopped"), with the article before them. */
const STATUS_RUN = new RegExp(`\\b(a )?((?:${STATUS})(?:(?:, | or )(?:${STATUS}))*)\\b`, "g");

export function refusalInTerms(err: unknown, terms: RefusalTerms): unknown {
  if (!(err instanceof EngineError)) return err;
  const { ended = {}, statuses } = terms;
  let message = err.message.replace(/\bcampaign (\d+)\b/g, (_, id: string) => terms.name(Number(id)));
  if (ended.cause !== undefined) message = message.replace(START_ENDED_CAUSE, ended.cause);
  if (ended.startAdvice !== undefined) message = message.replace(START_ENDED_ADVICE, ended.startAdvice);
  if (ended.recoverAdvice !== undefined) message = message.replace(RECOVER_ENDED_ADVICE, ended.recoverAdvice);
  if (statuses) {
    message = message.replace(STATUS_RUN, (run: string, a: string | undefined, names: string, at: number) =>
      terms.keepVerbs && message.slice(0, at).endsWith(" be ") ? run : statusRun(a, names, statuses),
    );
  }
  message = message.replace(/\bcampaigns?\b/g, (s) => (s === "campaign" ? terms.noun[0] : terms.noun[1]));
  return new EngineError(err.code, message, err.status);
}

/** A run of statuses in the face's names: each named once (two native ones may share a face name), and
 *  "an" before a name that starts with a vowel. */
function statusRun(
  article: string | undefined,
  run: string,
  statuses: Readonly<Record<CampaignStatus, string>>,
): string {
  const parts = run.split(/(, | or )/);
  const names = parts.filter((_, i) => i % 2 === 0).map((s) => statuses[s as CampaignStatus]);
  const unique = [...new Set(names)];
  let out: string;
  if (unique.length === names.length) {
    out = parts.map((p, i) => (i % 2 === 0 ? names[i / 2] : p)).join("");
  } else {
    const last = unique.pop() as string;
    out = unique.length === 0 ? last : `${unique.join(", ")} or ${last}`;
  }
  if (article === undefined) return out;
  return `${/^[AEIOUaeiou]/.test(out) ? "an" : "a"} ${out}`;
}
