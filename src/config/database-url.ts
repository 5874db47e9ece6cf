// OUTDIAL_DATABASE_URL: which values are taken (a PostgreSQL URL or a SQLite file path) and how one is shown
// with its password masked. The value may hold a password, so no refusal here quotes more than its scheme.
import { ConfigError } from "./config-error.ts";

/**
 * The scheme of a value that starts like a URL (RFC 3986: a letter, then letters, digits, `+`, `.` or `-`,
 * then `:`), lower-cased; null for a file path. A single letter is a Windows drive (`C:\…`, `C:/…`), not a
 * scheme: no registered scheme is one letter long.
 */
function urlScheme(value: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(value);
  return scheme ? scheme[1].toLowerCase() : null;
}

/**
 * A PostgreSQL URL (postgres:// or postgresql://, the scheme in any case, written lower-case here) or a
 * SQLite file path. Anything else that starts with a URL scheme (mysql://, postgres+ssl://, a JDBC URL
 * jdbc:postgresql://…, the one-slash typo postgres:/…) is refused: taken as a path it would become a fresh
 * SQLite database in folders named after the URL, its password among them.
 */
export function readDatabaseUrl(name: string, value: string): string {
  const scheme = urlScheme(value);
  if (scheme === null) return value;
  const rest = value.slice(scheme.length + 1);
  const postgres = scheme === "postgres" || scheme === "postgresql";
  if (postgres && rest.startsWith("//")) return `${scheme}:${rest}`;
  // Only the scheme is shown: the rest may hold a password where no URL parser would look for one.
  const got = postgres ? `${scheme}: without the //` : `a ${scheme}: URL`;
  throw new ConfigError(
    name,
    `must be a postgres:// (or postgresql://) URL or a SQLite file path, got ${got} ` +
      "(a file whose name starts with letters and a colon is written ./name)",
  );
}

/**
 * `postgres://user:secret@host/db` → `postgres://user:***@host/db`, and any query parameter that may hold a
 * secret (`?password=`, `sslpassword=`, …) masked too; a path (SQLite) unchanged. Read as pg reads it: the
 * password runs to the last `@` of the authority, so one holding an `@` is masked whole. Any other value that
 * starts with a URL scheme (jdbc:postgresql://…, postgres:/…) is masked by its text: loadConfig refuses those,
 * but whoever prints one must not print its password.
 */
export function maskUrlPassword(url: string): string {
  const scheme = urlScheme(url);
  if (scheme === null) return url;
  const prefix = url.slice(0, scheme.length + 1);
  const rest = url.slice(prefix.length);
  if ((scheme !== "postgres" && scheme !== "postgresql") || !rest.startsWith("//")) {
    return prefix + maskByText(rest);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${prefix}//***`; // not readable as a URL: show nothing of it
  }
  if (parsed.password) parsed.password = "***";
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, "***");
  }
  return parsed.toString();
}

/**
 * The rest of a value whose reader we do not know (`/app:s3cret@db/outdial`,
 * `postgresql://db/outdial?user=app&password=s3cret`, `sqlserver://db;password=s3cret`), masked with no
 * parser to say where a secret ends, so erring towards hiding too much: a `user:password@` from the first `:`
 * after any `//` to the last `@` (a user information without `:`, `/s3cret@db`, whole: it may be a password
 * alone), and everything after the first `password=` (or `secret=`, `token=`, `…key=`).
 */
function maskByText(rest: string): string {
  let masked = rest;
  const at = masked.lastIndexOf("@");
  const slashes = masked.indexOf("//");
  const userStart = slashes !== -1 && slashes < at ? slashes + 2 : masked.startsWith("/") ? 1 : 0;
  const colon = masked.indexOf(":", userStart);
  if (colon !== -1 && colon < at) masked = `${masked.slice(0, colon + 1)}***${masked.slice(at)}`;
  else if (at > userStart) masked = `${masked.slice(0, userStart)}***${masked.slice(at)}`;
  const secret = /(?:pass|secret|token|key)[^=]*=/i.exec(masked);
  if (secret) masked = `${masked.slice(0, secret.index + secret[0].length)}***`;
  return masked;
}
