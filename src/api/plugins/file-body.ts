// Routes whose body is a file (a CSV streamed raw, or a multipart `file` part) validate it themselves: a
// JSON schema for the body would have Fastify parse it. They describe it here instead, for the OpenAPI
// document only (openapi.ts puts it in place of `schema.body`), so /docs can send a file to them.

/** Content types a raw CSV body may come as. */
export const CSV_TYPES = ["text/csv", "application/csv", "application/octet-stream"];

export interface FileBodyDoc {
  content: Record<string, { schema: Record<string, unknown> }>;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The request body as the OpenAPI document shows it (not validated: the route reads it itself). */
    openapiBody?: FileBodyDoc;
  }
}

/** A CSV file as the raw body, and with `multipart` also as the `file` part of a multipart form. */
export function csvFileBody(opts: { multipart: boolean }): FileBodyDoc {
  const raw = { type: "string", description: "The CSV file's bytes, in the encoding the query names" };
  const content: FileBodyDoc["content"] = Object.fromEntries(CSV_TYPES.map((t) => [t, { schema: raw }]));
  if (opts.multipart) {
    content["multipart/form-data"] = {
      schema: {
        type: "object",
        required: ["file"],
        properties: { file: { type: "string", format: "binary", description: "The CSV file" } },
      },
    };
  }
  return { content };
}
