// The import's errors name the HTTP API's options (encoding, default_country) and end with advice in
// its syntax (map.phone=…, encoding=…). Each command that imports rewords them in its own terms: flags for
// `outdial import`, the campaign file's csv fields for `outdial simulate`.
import { ImportError } from "../lists/import.ts";

export interface ImportTerms {
  /** What the command calls each import option, by the import's name for it (e.g. encoding). */
  options: Record<string, string>;
  /** Advice in place of the import's own (its apiHint), by error code. */
  advice: Record<string, string>;
}

/** `err` reworded in `terms`: an option's problem names the command's option, advice is the command's. */
export function inTermsOf(err: unknown, terms: ImportTerms): unknown {
  if (!(err instanceof ImportError)) return err;
  const advice = terms.advice[err.code];
  if (advice) return new Error(`${err.reason}; ${advice}`);
  const option = err.field === undefined ? undefined : terms.options[err.field];
  const optionProblem = err.code === "invalid_option" || err.code === "unknown_encoding";
  return new Error(option && optionProblem ? `${option}: ${err.reason}` : err.reason);
}

/** The names the API's `delimiter` takes for a tab (import-routes.ts), which a shell or a JSON file makes
 *  awkward to write: `--delimiter tab`, a campaign file's `"csv": {"delimiter": "tab"}`. */
export function delimiterOption(value: string | undefined): string | undefined {
  return value === "tab" || value === "\\t" ? "\t" : value;
}
