// The Xcally Motion face: contact-manager lists and contacts (/api/cm/…, account-level, kept in the face's
// own tables) and outbound queues (/api/voice/queues, each an outdial campaign). Linking a list to a queue
// copies its contacts into the campaign, honouring the queue's dialCheckDuplicateType and placing them by
// dialOrderByScheduledAt; contacts added to a linked list later are copied too, and a completed queue given
// contacts is recovered. CSV uploads are decoded from any encoding. AMD runs blocking, with the queue's
// Asterisk AMD parameters. A queue's users are outdial agents in its queue.
// Credentials are the account's users over HTTP Basic (or any API key), as on the native API.
import type { FastifyInstance } from "fastify";
import { installRelativeFieldErrors } from "../relative-errors.ts";
import { cmRoutes } from "./cm-routes.ts";
import { CSV_TYPES, type XcallyDeps } from "./service.ts";
import { voiceRoutes } from "./voice-routes.ts";

export type { XcallyDeps } from "./service.ts";

export async function xcallyApi(app: FastifyInstance, deps: XcallyDeps): Promise<void> {
  installRelativeFieldErrors(app);
  // The upload's body is the CSV itself, whatever type curl --data-binary says it is; its bytes are kept
  // as they came, for the route to decode in the file's own encoding.
  for (const type of CSV_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
    app.addContentTypeParser(type, { parseAs: "buffer", bodyLimit: deps.maxBytes }, (_req, body, done) =>
      done(null, body),
    );
  }

  await app.register(cmRoutes, deps);
  await app.register(voiceRoutes, deps);
}
