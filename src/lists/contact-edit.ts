// Editing one stored contact (PATCH /v1/contacts/{id}): the stored values with the edit laid over them go
// through the same rules as an imported row (contact-rules.ts), so an edited contact is one an import could
// have written. It decides what the edit does to the contact's place in the dialing (new phones start their
// per-phone counts afresh; a new start time, zone or window is judged again at the next claim) and writes it
// with one guarded statement; a contact on a call is left alone. It must not touch the engine: the caller
// wakes the dispatcher.

import type { Updateable } from "kysely";
import { phoneDetails } from "../lib/phone.ts";
import { zoneForNumber } from "../lib/time-zone.ts";
import { SETTINGS_WAIT_REASONS, withDefaults } from "../model/campaign-settings.ts";
import {
  ABANDONED_WAIT_REASON,
  CALLBACK_REASON,
  phoneRetryAt,
  renumberPhones,
} from "../model/redial-policy.ts";
import { clockOfDay } from "../model/windows.ts";
import { editContactQuery, findContact } from "../store/contacts-query.ts";
import { isUniqueViolation, type Store } from "../store/db.ts";
import { NUMBER_BUSY_REASON, PERSONAL_CALLBACK_REASON } from "../store/dispatch/types.ts";
import type { ContactRow, ContactsTable } from "../store/schema.ts";
import {
  ContactRules,
  CUSTOM,
  DAILY_FROM,
  DAILY_TO,
  EXTERNAL_ID,
  FLAGGED,
  PHONE,
  PHONES,
  PRIORITY,
  START_AT,
  TIME_ZONE,
} from "./contact-rules.ts";
import { ImportError } from "./errors.ts";
import { contactInput } from "./json-contacts.ts";
import { type ContactInput, DEFAULT_LIMITS } from "./types.ts";

/** Why a contact waits for a start time: its own (the start_at column), or a list reset's. */
const START_AT_REASON = "start_at";
/** retry_counts: the retry's own time under a start time an edit set later (see editContact). */
const RETRY_BENEATH_START_KEY = "retryBeneathStartAt";

/** What a PATCH may change; a field given as null is cleared, an absent one kept. */
export interface ContactEdit {
  phone?: string | number;
  phones?: (string | number)[];
  external_id?: string | number | null;
  time_zone?: string | null;
  daily_window?: { from: string; to: string } | null;
  start_at?: number | string | null;
  priority?: number;
  /** Merged into the stored fields; a null value removes that field. */
  custom?: Record<string, string | number | boolean | null>;
}

export type EditResult =
  | { kind: "edited"; contact: ContactRow; redial: boolean }
  | { kind: "not_found" }
  | { kind: "in_progress" }
  | { kind: "changed_meanwhile" };

/** A field of the edit that the rules refused, as the API reports it. */
export class ContactEditError extends Error {
  constructor(
    readonly field: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The zone an import infers from the phone (null when the number alone does not decide it). */
function inferredZone(phone: string): string | null {
  const d = phoneDetails(phone);
  return typeof d === "string" || d.country === undefined ? null : zoneForNumber(d.country, d.nationalNumber);
}

/**
 * The stored contact as the input an import would have had, the edit laid over it. Of the custom fields
 * only those the edit sets are validated: stored ones stay as they are (another face may have written
 * longer values, or numbers and nested objects), see mergedCustom.
 */
function mergedInput(stored: ContactRow, edit: ContactEdit): ContactInput {
  const has = (k: keyof ContactEdit) => Object.hasOwn(edit, k);
  const phonesEdited = has("phone") || has("phones");
  const custom: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(edit.custom ?? {})) if (v !== null) custom[k] = v;
  const storedWindow =
    stored.daily_from_sec === null || stored.daily_to_sec === null
      ? undefined
      : { from: clockOfDay(Number(stored.daily_from_sec)), to: clockOfDay(Number(stored.daily_to_sec)) };
  const pick = <K extends keyof ContactEdit, T>(k: K, kept: T) => (has(k) ? (edit[k] ?? undefined) : kept);
  return {
    ...(phonesEdited
      ? { phone: edit.phone as string | undefined, phones: edit.phones as string[] | undefined }
      : { phones: JSON.parse(stored.phones) as string[] }),
    external_id: pick("external_id", stored.external_id ?? undefined) as string | undefined,
    // A zone inferred from the old first phone would be wrong for a new one: unless given, it is inferred
    // again. One that differs from what the old phone gives was set by someone, and stays.
    time_zone: pick(
      "time_zone",
      phonesEdited && stored.time_zone === inferredZone(stored.phone)
        ? undefined
        : (stored.time_zone ?? undefined),
    ) as string | undefined,
    daily_window: pick("daily_window", storedWindow),
    start_at: pick("start_at", stored.start_at === null ? undefined : Number(stored.start_at)),
    priority: edit.priority ?? stored.priority,
    custom,
  };
}

/** The row a valid edit leads to (validated like a JSON-added contact), or a ContactEditError. */
function editedColumns(
  stored: ContactRow,
  edit: ContactEdit,
  defaultCountry: string | undefined,
  now: number,
) {
  const phonesEdited = Object.hasOwn(edit, "phone") || Object.hasOwn(edit, "phones");
  // Stored phones that were kept flagged stay as they are; new ones must be valid.
  const rules = new ContactRules({
    defaultCountry,
    phonePolicy: phonesEdited ? "reject" : "flag",
    duplicatePolicy: "allow",
    now,
    startAtNumbers: "ms",
    dailyFields: ["daily_window.from", "daily_window.to"],
  });
  const out: unknown[] = [];
  try {
    const input = contactInput(mergedInput(stored, edit), 1, DEFAULT_LIMITS.maxFieldLength, rules);
    if (input === null || !rules.accept(1, input, out)) {
      const issue = rules.issues.at(-1);
      throw new ContactEditError(
        issue?.field ?? "contact",
        issue?.code ?? "invalid_contact",
        issue?.message ?? "",
      );
    }
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    throw new ContactEditError(err.field ?? "contact", err.code, err.message.replace(/^row \d+, /, ""));
  }
  const phone = out[PHONE] as string;
  const custom = mergedCustom(stored.custom, edit.custom, JSON.parse(out[CUSTOM] as string));
  return {
    phones: (out[PHONES] as string | null) ?? JSON.stringify([phone]),
    phone,
    external_id: out[EXTERNAL_ID] as string | null,
    custom,
    time_zone: out[TIME_ZONE] as string | null,
    daily_from_sec: out[DAILY_FROM] as number | null,
    daily_to_sec: out[DAILY_TO] as number | null,
    start_at: out[START_AT] as number | null,
    priority: out[PRIORITY] as number,
    flagged: out[FLAGGED] as number,
  };
}

/** The stored custom fields as they are, with the edit's removals and its validated values laid over. */
function mergedCustom(
  storedJson: string,
  edit: ContactEdit["custom"],
  validated: Record<string, unknown>,
): string {
  if (edit === undefined || edit === null) return storedJson;
  const custom: Record<string, unknown> = JSON.parse(storedJson);
  const before = Object.keys(custom).length;
  for (const [k, v] of Object.entries(edit)) if (v === null) delete custom[k];
  Object.assign(custom, validated);
  const after = Object.keys(custom).length;
  // A contact written with more fields by another face may keep them, but an edit adds none beyond the limit.
  if (after > DEFAULT_LIMITS.maxCustomFields && after > before) {
    throw new ContactEditError(
      "custom",
      "too_many_custom_fields",
      `at most ${DEFAULT_LIMITS.maxCustomFields} custom fields a contact (the edit makes ${after})`,
    );
  }
  return JSON.stringify(custom);
}

/**
 * Applies `edit` to the account's contact `id`. A pending contact whose phones, start time, zone or window
 * changed leaves the dial queue and is judged again from its next due time: now (or the new start time) for
 * a contact not yet called, else the time its retry or callback already waits for (or the start, if later).
 */
export async function editContact(
  store: Store,
  accountId: number,
  id: number,
  edit: ContactEdit,
  opts: { defaultCountry?: string; now: number },
): Promise<EditResult> {
  const { now } = opts;
  const stored = await findContact(store.db, accountId, id);
  if (!stored) return { kind: "not_found" };
  if (stored.status === "in_progress") return { kind: "in_progress" };
  const columns = editedColumns(stored, edit, opts.defaultCountry, now);
  const phonesChanged = columns.phones !== stored.phones;
  const set: Updateable<ContactsTable> = {
    ...columns,
    updated_at: Math.max(now, Number(stored.updated_at) + 1),
  };
  let retryAt: number | null = null;
  if (phonesChanged) {
    const campaign = await store.db
      .selectFrom("campaigns")
      .select("settings")
      .where("id", "=", stored.campaign_id)
      .executeTakeFirstOrThrow();
    const { maxAttemptsPerPhone, multiNumber } = withDefaults(JSON.parse(campaign.settings));
    const before = JSON.parse(stored.phones) as string[];
    const after = JSON.parse(columns.phones as string) as string[];
    const use = renumberPhones(
      before,
      after,
      {
        phoneAttempts: JSON.parse(stored.phone_attempts),
        retryCounts: JSON.parse(stored.retry_counts),
      },
      maxAttemptsPerPhone,
      multiNumber === "parallel" ? stored.phone_index : undefined,
    );
    set.phone_index = use.phoneIndex;
    retryAt = phoneRetryAt(use.retryCounts, use.phoneIndex);
    set.phone_attempts = JSON.stringify(use.phoneAttempts);
    set.retry_counts = JSON.stringify(use.retryCounts);
  }
  const rescheduled =
    phonesChanged ||
    columns.start_at !== (stored.start_at === null ? null : Number(stored.start_at)) ||
    columns.time_zone !== stored.time_zone ||
    columns.daily_from_sec !== stored.daily_from_sec ||
    columns.daily_to_sec !== stored.daily_to_sec;
  const redial = stored.status === "pending" && rescheduled;
  if (redial) {
    const reason = stored.wait_reason;
    const counts = JSON.parse((set.retry_counts as string | undefined) ?? stored.retry_counts) as Record<
      string,
      number
    >;
    // A rule's wait (a retry's interval, a callback, 72 h after an abandoned call) is never cut short. A
    // wait the contact's data or the campaign's settings set (a window, a number's cap or gap, a start
    // time) is judged again from now, as a campaign edit does (rejudgeWaits): the claim set it on a contact
    // already due, and the data it was judged by may be what changed.
    const promised =
      reason === CALLBACK_REASON || reason === PERSONAL_CALLBACK_REASON || reason === ABANDONED_WAIT_REASON;
    // The contact's own start time is data the edit may change; a list reset's lives only in the wait.
    const ownStart =
      reason === START_AT_REASON &&
      stored.start_at !== null &&
      Number(stored.next_attempt_at) === Number(stored.start_at);
    const judged =
      reason !== null &&
      (SETTINGS_WAIT_REASONS.includes(reason) || reason === NUMBER_BUSY_REASON || ownStart);
    // A retry's interval, and a start time a list reset set (it lives only in the wait), are kept too.
    const kept = !promised && !judged && (stored.attempts > 0 || reason === START_AT_REASON);
    // A start time an edit laid over a retry keeps the retry's own time beneath it, for when it is moved.
    const beneath = reason === START_AT_REASON ? (counts[RETRY_BENEATH_START_KEY] ?? null) : null;
    const base = promised || kept ? Number(stored.next_attempt_at) : Math.max(now, beneath ?? now);
    // Nor is a number's own wait cut short (parallel dialing: the edit may put the contact on a number rung
    // just now).
    const from = Math.max(base, retryAt ?? 0);
    const next = Math.max(from, columns.start_at ?? from);
    set.ready = 0;
    set.next_attempt_at = next;
    delete counts[RETRY_BENEATH_START_KEY];
    if (!promised) {
      if (next > from) {
        set.wait_reason = START_AT_REASON;
        if (from > now) counts[RETRY_BENEATH_START_KEY] = from;
      } else if (next <= now) set.wait_reason = null;
      else if (!kept) set.wait_reason = "retry"; // the retry beneath, or a number's own wait
    }
    set.retry_counts = JSON.stringify(counts);
  }
  try {
    const r = await editContactQuery(
      store.db,
      accountId,
      id,
      Number(stored.updated_at),
      set,
    ).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return { kind: "changed_meanwhile" };
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ContactEditError(
        "external_id",
        "duplicate_external_id",
        "another contact of the campaign has it",
      );
    }
    throw err;
  }
  const contact = await findContact(store.db, accountId, id);
  return contact ? { kind: "edited", contact, redial } : { kind: "not_found" };
}
