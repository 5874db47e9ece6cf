// A contact of the JSON bulk add → the row input the shared rules take. Types are checked here (a
// wrong type is an invalid row, handled by the phone policy); JAICP-style numeric phones are accepted, a
// number JSON could not read exactly is not.
import { INEXACT_INTEGER_ADVICE, inexactInteger } from "../lib/json-numbers.ts";
import { type ContactRules, jsonString, longerThan, type RowInput } from "./contact-rules.ts";
import { ImportError } from "./errors.ts";
import { type ContactInput, DEFAULT_LIMITS } from "./types.ts";

/** The row input, or null when the contact was skipped as invalid (throws when the policy rejects). */
export function contactInput(
  contact: ContactInput,
  row: number,
  maxFieldLength: number,
  rules: ContactRules,
): RowInput | null {
  if (contact === null || typeof contact !== "object" || Array.isArray(contact)) {
    rules.invalidRow(row, "contact", "invalid_contact", "each contact must be an object");
    return null;
  }
  const text = (value: unknown, field: string): string | null | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isFinite(value)) {
      refuseInexact(value, row, field);
      return String(value);
    }
    if (typeof value !== "string") {
      rules.invalidRow(row, field, `invalid_${field.split(".")[0]}`, "expected a string");
      return null;
    }
    if (longerThan(value, maxFieldLength)) {
      throw new ImportError({
        code: "field_too_long",
        status: 400,
        message: `row ${row}, ${field}: longer than ${maxFieldLength} characters`,
        field,
        row,
      });
    }
    return value;
  };

  const phones: string[] = [];
  const single = text(contact.phone, "phone");
  if (single === null) return null;
  if (single !== undefined) phones.push(single);
  if (contact.phones !== undefined) {
    if (!Array.isArray(contact.phones)) {
      rules.invalidRow(row, "phones", "invalid_phone", "phones must be an array of strings");
      return null;
    }
    for (const [i, p] of contact.phones.entries()) {
      const phone = text(p, `phones[${i}]`);
      if (phone === null) return null;
      if (phone !== undefined) phones.push(phone);
    }
  }
  const externalId = text(contact.external_id, "external_id");
  const timeZone = text(contact.time_zone, "time_zone");
  if (externalId === null || timeZone === null) return null;

  let dailyFrom: string | null | undefined;
  let dailyTo: string | null | undefined;
  const window = contact.daily_window;
  if (window !== undefined && window !== null) {
    if (typeof window !== "object") {
      rules.invalidRow(row, "daily_window", "invalid_daily_window", "expected {from, to}");
      return null;
    }
    dailyFrom = text(window.from, "daily_window.from");
    dailyTo = text(window.to, "daily_window.to");
    if (dailyFrom === null || dailyTo === null) return null;
    if (!dailyFrom || !dailyTo) {
      rules.invalidRow(row, "daily_window", "invalid_daily_window", "both from and to are required");
      return null;
    }
  }

  const startAt = contact.start_at;
  if (
    startAt !== undefined &&
    startAt !== null &&
    typeof startAt !== "number" &&
    typeof startAt !== "string"
  ) {
    rules.invalidRow(row, "start_at", "invalid_start_at", "expected ms since the epoch or an ISO 8601 time");
    return null;
  }
  const priority = contact.priority;
  if (priority !== undefined && priority !== null && typeof priority !== "number") {
    rules.invalidRow(row, "priority", "invalid_priority", "expected an integer");
    return null;
  }

  let customJson = "{}";
  if (contact.custom !== undefined && contact.custom !== null) {
    if (typeof contact.custom !== "object" || Array.isArray(contact.custom)) {
      rules.invalidRow(
        row,
        "custom",
        "invalid_custom",
        "custom must be an object of strings, numbers or booleans",
      );
      return null;
    }
    const parts: string[] = [];
    for (const [key, value] of Object.entries(contact.custom)) {
      if (value === null || value === undefined) continue;
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        rules.invalidRow(
          row,
          `custom.${key}`,
          "invalid_custom",
          "custom values are strings, numbers or booleans",
        );
        return null;
      }
      if (text(key, "custom") === null) return null;
      const shown = text(typeof value === "boolean" ? String(value) : value, `custom.${key}`) as string;
      parts.push(`${jsonString(key)}:${jsonString(shown)}`);
    }
    if (parts.length > DEFAULT_LIMITS.maxCustomFields) {
      const message = `at most ${DEFAULT_LIMITS.maxCustomFields} custom fields a contact (${parts.length} given)`;
      rules.invalidRow(row, "custom", "too_many_custom_fields", message);
      return null;
    }
    customJson = `{${parts.join(",")}}`;
  }

  return {
    phones,
    externalId,
    timeZone,
    dailyFrom,
    dailyTo,
    startAt: startAt as number | string | null | undefined,
    priority: priority as number | null | undefined,
    customJson,
  };
}

/**
 * A number JSON.parse could not read exactly (a 64-bit CRM id beyond ±2^53) refuses the request, whatever
 * the phone policy, as a value too long to store does: its text would be another id than the client sent.
 */
function refuseInexact(value: number, row: number, field: string): void {
  if (inexactInteger(value, field) === undefined) return;
  throw new ImportError({
    code: "inexact_integer",
    status: 400,
    message: `row ${row}, ${field}: ${INEXACT_INTEGER_ADVICE}`,
    field,
    row,
  });
}
