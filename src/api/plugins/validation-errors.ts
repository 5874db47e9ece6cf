// Turns a schema validation failure (an Ajv error as Fastify reports it) into the field path and a
// sentence a person can act on: "body.settings.maxConcurrent must be at most 10000 (got 20000)".

/** The parts of an Ajv error we read; Ajv runs with `verbose` so `parentSchema` and `data` are present. */
export interface SchemaViolation {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: { description?: unknown };
  data?: unknown;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** `context` is Fastify's part name: body, querystring, params or headers. */
export function describeViolation(context: string, v: SchemaViolation): FieldProblem {
  const base = fieldPath(context, v.instancePath);
  const p = v.params;
  switch (v.keyword) {
    case "required": {
      const field = `${base}.${String(p.missingProperty)}`;
      return { field, message: `${field} is required` };
    }
    case "additionalProperties": {
      const field = `${base}.${String(p.additionalProperty)}`;
      return { field, message: `${field} is not a known property of ${base}` };
    }
    case "enum":
      return {
        field: base,
        message: `${base} must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(", ")}${got(v)}`,
      };
    case "pattern": {
      const hint = v.parentSchema?.description;
      const wanted = typeof hint === "string" ? hint : `text matching ${String(p.pattern)}`;
      return { field: base, message: `${base} must be ${lowerFirst(wanted)}${got(v)}` };
    }
    case "type": {
      const wanted = String(p.type)
        .split(",")
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(" or ");
      return { field: base, message: `${base} must be ${wanted}${got(v)}` };
    }
    case "finite":
      return { field: base, message: `${base} must be a finite number${got(v)}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        field: base,
        message: `${base} must be ${BOUND_WORDS[v.keyword]} ${String(p.limit)}${got(v)}`,
      };
    case "minLength":
      return {
        field: base,
        message:
          p.limit === 1 ? `${base} must not be empty` : `${base} must be at least ${p.limit} characters long`,
      };
    case "maxLength":
      return { field: base, message: `${base} must be at most ${p.limit} characters long` };
    case "minItems":
      return { field: base, message: `${base} must hold at least ${p.limit} item(s)` };
    case "maxItems":
      return { field: base, message: `${base} must hold at most ${p.limit} item(s)` };
    case "uniqueItems":
      return { field: base, message: `${base} must not repeat an item` };
    case "minProperties":
      return { field: base, message: `${base} must set at least ${p.limit} field(s)` };
    case "maxProperties":
      return {
        field: base,
        message: `${base} must hold at most ${p.limit} field(s) (got more than ${p.limit})`,
      };
    case "format":
      return {
        field: base,
        message: `${base} must be ${FORMAT_WORDS[String(p.format)] ?? `a ${String(p.format)}`}${got(v)}`,
      };
    default:
      return { field: base, message: `${base} ${v.message ?? "is invalid"}` };
  }
}

const BOUND_WORDS: Record<string, string> = {
  minimum: "at least",
  maximum: "at most",
  exclusiveMinimum: "greater than",
  exclusiveMaximum: "less than",
};

const TYPE_WORDS: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  null: "null",
};

const FORMAT_WORDS: Record<string, string> = {
  "date-time": "an ISO 8601 date-time such as 2025-03-01T09:00:00Z",
  date: "a date YYYY-MM-DD",
};

/** "/settings/schedule/ranges/0/days" → "body.settings.schedule.ranges[0].days". */
export function fieldPath(context: string, instancePath: string): string {
  let out = context;
  for (const raw of instancePath.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return out;
}

function got(v: SchemaViolation): string {
  const d = v.data;
  if (d === null || typeof d === "number" || typeof d === "boolean") return ` (got ${String(d)})`;
  if (typeof d === "string" && d.length <= 64) return ` (got ${JSON.stringify(d)})`;
  return "";
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
