// The campaign file `outdial simulate` reads: checked against the same settings schema as the API, so a
// file that simulates is a file the API would accept.
import { Ajv } from "ajv";
import { campaignSettingsSchema, findSettingsProblem } from "../api/native/schemas/campaign-settings.ts";
import { DUPLICATE_POLICIES, type DuplicatePolicy } from "../lists/types.ts";
import type { CampaignSettings } from "../model/campaign-settings.ts";
import { checkDist, type Dist, resolveScenario } from "../telephony/sim/scenario.ts";

export interface CampaignFile {
  name?: string;
  settings?: Partial<CampaignSettings>;
  /** Sim scenario name or inline scenario object. */
  scenario?: string | Record<string, unknown>;
  seed?: number;
  /** ISO 8601 start of the simulation (default 2026-01-05T06:00:00Z, a Monday). */
  startAt?: string;
  /** How the contacts CSV is read; a phone repeated in it is skipped unless duplicatePolicy says otherwise,
   *  as `outdial import` and the HTTP import do. */
  csv?: { delimiter?: string; encoding?: string; defaultCountry?: string; duplicatePolicy?: DuplicatePolicy };
  /** Simulated agents for a campaign that dials for agents: how many, and their talk and wrap-up times
   *  in seconds (a number, or a distribution as in sim scenarios). */
  agents?: { count: number; talkSec?: Dist; wrapSec?: Dist; previewSec?: Dist };
}

const dist = {
  anyOf: [
    { type: "number", minimum: 0 },
    {
      type: "object",
      required: ["kind"],
      properties: { kind: { type: "string", enum: ["fixed", "uniform", "lognormal", "exponential"] } },
    },
  ],
};

const fileSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    settings: campaignSettingsSchema,
    scenario: { type: ["string", "object"] },
    // As --seed: a negative seed would replay another (hashSeed folds -1 onto 0).
    seed: { type: "integer", minimum: 0, maximum: 4_294_967_295 },
    startAt: { type: "string", format: "date-time" },
    agents: {
      type: "object",
      additionalProperties: false,
      required: ["count"],
      properties: {
        count: { type: "integer", minimum: 1, maximum: 10_000 },
        talkSec: dist,
        wrapSec: dist,
        previewSec: dist,
      },
    },
    csv: {
      type: "object",
      additionalProperties: false,
      properties: {
        delimiter: { type: "string", minLength: 1, maxLength: 4 },
        encoding: { type: "string", minLength: 1, maxLength: 40 },
        defaultCountry: { type: "string", pattern: "^[A-Z]{2}$" },
        duplicatePolicy: { type: "string", enum: DUPLICATE_POLICIES },
      },
    },
  },
};

const validate = new Ajv({ allErrors: false, strict: false, formats: { "date-time": true } }).compile(
  fileSchema,
);

/** Where a simulation starts when its file names no startAt: a Monday, 06:00 UTC. */
export const DEFAULT_START_AT = Date.UTC(2026, 0, 5, 6, 0, 0);

/** The virtual clock's start for a checked campaign file: its startAt, or DEFAULT_START_AT. */
export function campaignStart(file: CampaignFile): number {
  return file.startAt === undefined ? DEFAULT_START_AT : Date.parse(file.startAt);
}

/** An ISO 8601 date and time with its offset (or a bare date, which JavaScript reads as UTC midnight). */
const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/** Parses and checks a campaign file; throws an Error naming the field and the reason. */
export function parseCampaignFile(text: string, source: string): CampaignFile {
  let data: unknown;
  try {
    // A byte order mark, as Windows editors save "UTF-8" (RFC 8259 §8.1 lets a parser ignore it).
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!validate(data)) {
    const e = validate.errors?.[0];
    const where = e ? e.instancePath.replaceAll("/", ".").replace(/^\./, "") || "(root)" : "(root)";
    const extra =
      e?.params && "additionalProperty" in e.params
        ? ` "${e.params.additionalProperty}"`
        : e?.params && "allowedValues" in e.params
          ? ` (${(e.params.allowedValues as string[]).join(", ")})`
          : "";
    throw new Error(`${source}: ${where} ${e?.message ?? "is invalid"}${extra}`);
  }
  const file = data as CampaignFile;
  if (file.startAt !== undefined && Number.isNaN(Date.parse(file.startAt)))
    throw new Error(`${source}: startAt is not a date`);
  // Date.parse rolls a day the month lacks over into the next month (2026-02-30 runs as March 2).
  const noSuchDay = file.startAt === undefined ? null : missingDay(file.startAt.trim());
  if (noSuchDay) throw new Error(`${source}: startAt "${file.startAt}" is not a calendar date: ${noSuchDay}`);
  // Date.parse reads a time without a zone in the machine's own zone: the same file and seed would give
  // another simulation under another TZ. The file must say which instant it means.
  if (file.startAt !== undefined && !ZONED_INSTANT.test(file.startAt.trim()))
    throw new Error(
      `${source}: startAt "${file.startAt}" needs a time zone: an ISO 8601 time ending in Z or ±hh:mm (e.g. 2026-03-02T06:00:00Z)`,
    );
  // Judged at the campaign's own start: whether its windows open within 400 days is a question of the
  // simulated time, not of the day it is simulated on.
  const problem = file.settings ? findSettingsProblem(file.settings, "settings", campaignStart(file)) : null;
  if (problem) throw new Error(`${source}: ${problem.message}`);
  // The schema only knows a distribution's kind: a uniform without min and max would give the agents
  // NaN seconds, and the run would never end; a misspelled clip ("mx") would run unclipped. The file's scenario and distributions are checked in full
  // here, before any import, with the sim driver's own rules (findSettingsProblem checks settings.scenario).
  try {
    if (file.scenario !== undefined) resolveScenario(file.scenario);
    for (const k of ["talkSec", "wrapSec", "previewSec"] as const) {
      const d = file.agents?.[k];
      if (d !== undefined) checkDist(d, k, "agents");
    }
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  return file;
}

/** Why the date an ISO 8601 string starts with does not exist (e.g. "2026-02 has 28 days"), or null. */
function missingDay(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `there is no month ${m[2]}`;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day < 1 || day > days) return `${m[1]}-${m[2]} has ${days} days`;
  return null;
}
