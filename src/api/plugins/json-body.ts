// The app's JSON body parser: Fastify's own (secure-json-parse, refusing "__proto__" and
// "constructor.prototype" keys; the same answers for malformed JSON and an empty body; the server's or the
// route's bodyLimit), reading the bytes as UTF-8 strictly. Fastify's reads them leniently, putting U+FFFD
// in place of bytes that are not UTF-8: a campaign named in windows-1251 was stored as "������" under a
// 201. Installed on the root, so the native API, the import routes and the faces without a JSON parser of
// their own (Twin24, JAICP, Xcally's application/json) read JSON so; each renders the refusal in its own
// error format. Voximplant replaces it in its scope with its own.
// An empty body is no body, whatever the route (start, pause, an agent's actions, a list's reset take
// none): many clients send `Content-Type: application/json` on every request (fetch and axios wrappers with
// default headers, `curl -H 'content-type: application/json' -X POST`), and Fastify's parser refused those
// documented body-less calls with a 400. A route that needs a body answers as to a request without one,
// its validation naming the field `body`.
import type { FastifyBodyParser, FastifyInstance } from "fastify";
import { strictUtf8 } from "../../lib/strict-utf8.ts";
import { invalidRequest } from "./errors.ts";

/** Fastify's JSON parser as the server is configured (its prototype-poisoning actions). */
export function fastifyJsonParser(app: FastifyInstance): FastifyBodyParser<string> {
  const { onProtoPoisoning = "error", onConstructorPoisoning = "error" } = app.initialConfig;
  return app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
}

/** A JSON body's bytes that are not UTF-8 (RFC 8259: JSON is). */
export function notUtf8Body(): Error {
  return invalidRequest(
    "body: not UTF-8 text (JSON is read as UTF-8; bytes of another encoding, such as windows-1251?)",
    "body",
  );
}

/** Replaces `app`'s application/json parser with Fastify's own reading the bytes strictly as UTF-8. */
export function installStrictJsonParser(
  app: FastifyInstance,
  parseJson: FastifyBodyParser<string> = fastifyJsonParser(app),
): void {
  if (app.hasContentTypeParser("application/json")) app.removeContentTypeParser("application/json");
  // No bodyLimit here: Fastify then holds the body to the route's, else the server's, as with its own.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    // A leading BOM is kept: Fastify's parser drops one itself, so a body of a BOM alone stays invalid JSON
    // rather than becoming an empty body.
    const text = strictUtf8(body as Buffer);
    if (text === undefined) done(notUtf8Body(), undefined);
    else parseJson(req, text, done);
  });
}
