import Ajv2020 from "ajv/dist/2020.js";
import AjvDraft7 from "ajv";
import type { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parseJsonOutput } from "./json";

// JSON Schema conformance with ajv. Draft 2020-12 is the default (the current standard, what OpenAI's structured
// outputs accept); a schema that declares draft-07/06 in "$schema" gets ajv's draft-07 validator, since 2020-12
// rejects those meta-schema references. Compiling is the expensive step (it generates code), so each distinct
// schema is compiled once per process and the validator is reused for every sample.

const MAX_CACHED = 64;
const cache = new Map<string, ValidateFunction>();
let ajv2020: Ajv2020 | null = null;
let ajv7: AjvDraft7 | null = null;

/** A schema that is not valid JSON Schema; the message says what is wrong. */
export class SchemaCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaCompileError";
  }
}

function engineFor(schema: Record<string, unknown>): Ajv2020 | AjvDraft7 {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  // strict: false — user schemas often carry harmless extra keywords ("title" variants, vendor "x-" fields);
  // refusing them would reject schemas every other validator accepts.
  if (/draft-0[67]/.test(declared)) return (ajv7 ??= addFormats(new AjvDraft7({ strict: false, allErrors: false })));
  return (ajv2020 ??= addFormats(new Ajv2020({ strict: false, allErrors: false })));
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return hit;
  let validate: ValidateFunction;
  try {
    // Compile without registering the schema under its $id, so two runs may reuse an $id with different bodies.
    const { $id: _id, ...anonymous } = schema;
    validate = engineFor(schema).compile(anonymous);
  } catch (err) {
    throw new SchemaCompileError(`jsonSchema is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, validate);
  return validate;
}

/** Checks a schema up front (the API calls this when a run is created, to reject a bad schema with a 400). */
export function compileJsonSchema(schema: Record<string, unknown>): { ok: true } | { ok: false; message: string } {
  try {
    validatorFor(schema);
    return { ok: true };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** 1 when the output is JSON (same fence rule as jsonValid) that conforms to the schema, else 0. Throws
 * SchemaCompileError when the schema itself does not compile. */
export function schemaValid(output: string, schema: Record<string, unknown>): number {
  const validate = validatorFor(schema);
  const parsed = parseJsonOutput(output);
  return parsed.ok && validate(parsed.value) ? 1 : 0;
}
