// How route schemas are checked: bodies strictly (JSON already has types, so "42" is not a number and null
// is not 0), query strings and path parameters with coercion (they arrive as text). Fastify has one Ajv
// option set for all parts; this gives each part its own, using the same compiler Fastify ships with.
import AjvCompiler from "@fastify/ajv-compiler";
import type { FastifyServerOptions } from "fastify";

const SHARED = {
  // Unknown properties are a 400 naming them, not silently dropped (Fastify's default).
  removeAdditional: false,
  useDefaults: true,
  // Nullable fields are written `type: ["integer", "null"]`, as OpenAPI 3.1 does.
  allowUnionTypes: true,
  // Gives each error its schema and value, for messages that say what was expected and what came.
  verbose: true,
  // One error per request is what the client sees anyway; all errors would let a crafted body cost more.
  allErrors: false,
} as const;

type RouteSchemaDefinition = { httpPart?: string };
type CompileFn = (definition: RouteSchemaDefinition) => unknown;

export const schemaController: NonNullable<FastifyServerOptions["schemaController"]> = {
  compilersFactory: {
    buildValidator(externalSchemas: unknown, serverOptions: unknown) {
      const pool = AjvCompiler();
      const plugins = (serverOptions as { plugins?: [] } | undefined)?.plugins ?? [];
      const schemas = externalSchemas as Record<string, never>;
      const strict = pool(schemas, {
        customOptions: { ...SHARED, coerceTypes: false },
        plugins,
      }) as unknown as CompileFn;
      const lenient = pool(schemas, {
        customOptions: { ...SHARED, coerceTypes: "array" },
        plugins,
      }) as unknown as CompileFn;
      const compile = (definition: RouteSchemaDefinition) =>
        definition.httpPart === "body" ? strict(definition) : lenient(definition);
      return compile as never;
    },
  },
};
