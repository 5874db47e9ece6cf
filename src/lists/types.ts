// The import's request, options and report shapes, shared by the CSV import, the JSON bulk add and routes.

export type PhonePolicy = "reject" | "skip" | "flag";
export type DuplicatePolicy = "allow" | "skip" | "reject";
export const PHONE_POLICIES: readonly PhonePolicy[] = ["reject", "skip", "flag"];
export const DUPLICATE_POLICIES: readonly DuplicatePolicy[] = ["allow", "skip", "reject"];

/** Which CSV columns hold what; every column not named here becomes a custom field unless `custom` lists them. */
export interface ColumnMapping {
  /** One column, or several in dialing order. */
  phone?: string | string[];
  external_id?: string;
  time_zone?: string;
  /** "HH:mm[:ss]" UTC, both or neither. */
  daily_from?: string;
  daily_to?: string;
  /** Unix seconds or ISO 8601 (UTC unless it carries an offset). */
  start_at?: string;
  priority?: string;
  custom?: string[];
}

export interface ContactsTarget {
  accountId: number;
  campaignId: number;
  listId: number;
}

export interface ValidationOptions {
  /** ISO country for numbers written without a country code (e.g. "RU" for "8 916 …"). */
  defaultCountry?: string;
  /** An invalid phone (or any invalid value): fail the import, skip the row, or keep it flagged (phones only). */
  phonePolicy?: PhonePolicy;
  /** The first phone already in the campaign (or earlier in the same file). */
  duplicatePolicy?: DuplicatePolicy;
  /** ms epoch used for created_at and as the earliest next_attempt_at; the wall clock when absent. */
  now?: number;
  maxFieldLength?: number;
}

/** Looser rows, for a vendor face's own files (Voximplant's call lists); the native import sets none. */
export interface LenientRows {
  /** A phone cell holding several numbers separated by this text: the contact's phones, in order. */
  phoneSeparator?: string;
  /** A daily window given by one end only: a missing start is 00:00:00, a missing end 24:00:00. */
  openWindowEnds?: boolean;
  /** A number written as 8–15 digits alone is international without its '+' (79261234567). */
  plusOptional?: boolean;
}

export interface ImportRequest extends ContactsTarget, ValidationOptions {
  /** Any encoding iconv-lite knows; utf-8 by default. UTF-8/UTF-16 byte order marks are honoured. */
  encoding?: string;
  delimiter?: string;
  quote?: string;
  escape?: string;
  header?: boolean;
  columns?: ColumnMapping;
  maxBytes?: number;
  maxRows?: number;
  /** Wall time the upload may send nothing before it is given up (408 upload_stalled): a client gone quiet
   *  without closing its connection would otherwise hold the campaign's import lock for as long as it
   *  stays open. A network timeout, so on the wall clock, not the engine's. */
  idleMs?: number;
  /** Parse in a worker thread: by default only once the body is over 1 MiB. */
  worker?: boolean | "auto";
  /** Rows written held in the same commit, for a list whose tasks wait to be asked for (Voximplant's
   *  manual lists): each row's start time is this (ms epoch, far ahead) plus the row's own start time (0
   *  when it has none), so a held row keeps the time before which it may not be released. */
  holdBase?: number;
  /** Any row the commit would set aside as a duplicate of a stored contact or an earlier row (under "allow":
   *  an external_id the campaign holds or the file repeats) refuses the whole import instead, naming the
   *  first, as "reject" does. Checked inside the import's lock, so an import running meanwhile cannot slip
   *  an id past a check made before it (Voximplant's __task_uuid: unique in its list, phones may repeat). */
  refuseSetAside?: boolean;
  lenient?: LenientRows;
}

export type AddContactsRequest = ContactsTarget & ValidationOptions;

/** One contact of the JSON bulk add. */
export interface ContactInput {
  phone?: string;
  phones?: string[];
  external_id?: string;
  time_zone?: string;
  daily_window?: { from: string; to: string };
  /** ms epoch or ISO 8601. */
  start_at?: number | string;
  priority?: number;
  custom?: Record<string, string | number | boolean>;
}

export interface RowIssue {
  /** 1-based data row (CSV row after the header, or index + 1 in a JSON list). */
  row: number;
  field: string;
  code: string;
  message: string;
  value?: string;
}

export interface ImportReport {
  rows: number;
  inserted: number;
  skipped: number;
  flagged: number;
  errors: RowIssue[];
  errorsTruncated: boolean;
}

export const DEFAULT_LIMITS = {
  maxBytes: 200 * 1024 * 1024,
  maxRows: 2_000_000,
  idleMs: 60_000,
  maxFieldLength: 1024,
  /** Contacts per JSON bulk add request. */
  maxContacts: 10_000,
  /** Entries kept in a report's error list. */
  maxErrors: 10_000,
  /** Phones per contact. */
  maxPhones: 20,
  /** Custom fields per contact. */
  maxCustomFields: 100,
  /** An external_id's UTF-8 bytes: an index entry must fit PostgreSQL's B-tree (2,704 bytes). */
  maxExternalIdBytes: 1000,
  /** Characters of a phone kept as written (phone_policy flag). */
  maxFlaggedPhoneLength: 64,
} as const;
