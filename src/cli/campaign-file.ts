// The campaign file `outdial simulate` reads: checked against the same settings schema as the API, so a
// file that simulates is a file the API would accept.
import { Ajv } from "ajv";
import { campaignSettingsSchema, findSettingsProblem } from "../api/native/schemas/campaign-settings.ts";
import type { CampaignSettings } from "../model/campaign-settings.ts";
import type { Dist } from "../telephony/sim/scenario.ts";

export interface CampaignFile {
  name?: string;
  settings?: Partial<CampaignSettings>;
  /** Sim scenario name or inline scenario object. */
  scenario?: string | Record<string, unknown>;
  seed?: number;
  /** ISO 8601 start of the simulation (default 2026-01-05T06:00:00Z, a Monday). */
  startAt?: string;
  csv?: { delimiter?: string; encoding?: string; defaultCountry?: string };
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
    seed: { type: "integer" },
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
      },
    },
  },
};

const validate = new Ajv({ allErrors: false, strict: false, formats: { "date-time": true } }).compile(
  fileSchema,
);

/** Parses and checks a campaign file; throws an Error naming the field and the reason. */
export function parseCampaignFile(text: string, source: string): CampaignFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!validate(data)) {
    const e = validate.errors?.[0];
    const where = e ? e.instancePath.replaceAll("/", ".").replace(/^\./, "") || "(root)" : "(root)";
    const extra = e?.params && "additionalProperty" in e.params ? ` "${e.params.additionalProperty}"` : "";
    throw new Error(`${source}: ${where} ${e?.message ?? "is invalid"}${extra}`);
  }
  const file = data as CampaignFile;
  if (file.startAt !== undefined && Number.isNaN(Date.parse(file.startAt)))
    throw new Error(`${source}: startAt is not a date`);
  const problem = file.settings ? findSettingsProblem(file.settings, "settings") : null;
  if (problem) throw new Error(`${source}: ${problem.message}`);
  return file;
}
