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
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
type CompileFn = (definition: RouteSchemaDefinition) => Validate;

/** Where in `data` a number is not finite, as an Ajv instance path; null if nowhere. */
function nonFinitePath(data: unknown, path: string): { path: string; value: number } | null {
  if (typeof data === "number") return Number.isFinite(data) ? null : { path, value: data };
  if (typeof data !== "object" || data === null) return null;
  for (const [key, value] of Object.entries(data)) {
    const found = nonFinitePath(value, `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    if (found) return found;
  }
  return null;
}

/**
 * Coercion turns the text "1e400" into Infinity after Ajv's type check, and Infinity passes every bound
 * (`maximum: 500` included), so `?limit=1e400` reached the database as a datatype error (a 500). A coerced
 * value must also be finite: the failure reads like any other schema violation, with the field. (Bodies
 * are not coerced, and Ajv's own type check refuses Infinity there.)
 */
function finiteOnly(validate: Validate): Validate {
  const checked: Validate = (data) => {
    if (!validate(data)) {
      checked.errors = validate.errors;
      return false;
    }
    const bad = nonFinitePath(data, "");
    checked.errors = bad && [
      {
        keyword: "finite",
        instancePath: bad.path,
        schemaPath: "#",
        params: {},
        message: "must be a finite number",
        data: bad.value,
      },
    ];
    return bad === null;
  };
  return checked;
}

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
        definition.httpPart === "body" ? strict(definition) : finiteOnly(lenient(definition));
      return compile as never;
    },
  },
};
