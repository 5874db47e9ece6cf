// The Xcally Motion face: contact-manager lists and contacts (/api/cm/…, account-level, kept in the face's
// own tables) and outbound queues (/api/voice/queues, each an outdial campaign). Linking a list to a queue
// copies its contacts into the campaign, honouring the queue's dialCheckDuplicateType and placing them by
// dialOrderByScheduledAt; contacts added to a linked list later are copied too, and a completed queue given
// contacts is recovered. CSV uploads are decoded from any encoding. AMD runs blocking, with the queue's
// Asterisk AMD parameters. A queue's users are outdial agents in its queue.
// Credentials are the account's users over HTTP Basic (or any API key), as on the native API.
import type { FastifyInstance } from "fastify";
import { strictUtf8 } from "../../../lib/strict-utf8.ts";
import { invalidRequest } from "../../plugins/errors.ts";
import { notUtf8Body } from "../../plugins/json-body.ts";
import { installRelativeFieldErrors } from "../relative-errors.ts";
import { cmRoutes, UPLOAD_PATH } from "./cm-routes.ts";
import { CSV_TYPES, type XcallyDeps } from "./service.ts";
import { voiceRoutes } from "./voice-routes.ts";

export type { XcallyDeps } from "./service.ts";

export async function xcallyApi(app: FastifyInstance, deps: XcallyDeps): Promise<void> {
  installRelativeFieldErrors(app);
  // The upload's body is the CSV itself, whatever type curl --data-binary says it is; its bytes are kept
  // as they came, for the route to decode in the file's own encoding. Every other route takes JSON, which
  // the seed's curl lines send with -d and no type (application/x-www-form-urlencoded): read as JSON.
  // No limit of the parser's own: a body is held to its route's (the upload's OUTDIAL_MAX_IMPORT_BYTES, then
  // its own 16 MiB and rows, upload.ts; the bulk add's 16 MiB; else the app's 1 MiB), as a JSON body is, so
  // the limit never hangs on the type.
  for (const type of CSV_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
    app.addContentTypeParser(type, { parseAs: "buffer" }, (req, body, done) => {
      if (req.routeOptions.url === UPLOAD_PATH) return done(null, body);
      try {
        done(null, jsonOf(body as Buffer));
      } catch (err) {
        done(err as Error);
      }
    });
  }

  await app.register(cmRoutes, deps);
  await app.register(voiceRoutes, deps);
}

/** A non-upload body sent with a form or text type: JSON all the same, or a 400 saying what to send. */
function jsonOf(body: Buffer): unknown {
  // Strictly UTF-8, as an application/json body is read (plugins/json-body.ts): a form sent in windows-1251
  // is refused, not stored with U+FFFD.
  const text = strictUtf8(body, { dropBom: true });
  if (text === undefined) throw notUtf8Body();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(
      "the body must be JSON (send it with Content-Type: application/json); only POST /api/cm/contacts/upload takes a file",
      "body",
    );
  }
}
