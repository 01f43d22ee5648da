/**
 * Route schemas: fastify checks a route's body, query and params against a
 * JSON schema before its handler runs, with ajv (fastify's own validator).
 * The handler then sees well-typed input and only makes the decisions that
 * need the registry's state.
 *
 * The compiler is Sigil's own, not fastify's default: no type coercion (the
 * number 3 is not the version "3"), no defaults or removed fields (the body
 * is what the client sent), and every bad field gathered in one refusal.
 * Each refusal is a RegistryError in the usual body shape, naming each field
 * and what it must be: a property's `description` is that expectation
 * ("filename must be a plain file name").
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { RegistryError } from './errors.js';

const ajv = new Ajv({
  allErrors: true,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  allowUnionTypes: true, // "object or null"
  verbose: true, // errors carry their schema, whose description is the expectation
  unicodeRegExp: false, // patterns run on large base64 bodies; the ASCII engine is faster
  strict: true,
});

/** schemaCompiler is set with `app.setValidatorCompiler(schemaCompiler)` in a route plugin (encapsulated to it). */
export const schemaCompiler: FastifySchemaCompiler<unknown> = ({ schema }) =>
  ajv.compile(schema as object);

/** FieldProblem is one bad field: its path ("filename", "purls/3") and what it must be. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

type AjvError = ErrorObject & { parentSchema?: { description?: string } };

/** fieldProblems turns ajv's errors into one problem per field, in the order found. */
export function fieldProblems(
  errors: readonly FastifySchemaValidationError[],
  dataVar: string,
): FieldProblem[] {
  const byField = new Map<string, string>();
  for (const e of errors as readonly AjvError[]) {
    const path = e.instancePath.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
    if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty?: unknown }).missingProperty);
      const field = path ? `${path}/${missing}` : missing;
      if (!byField.has(field)) byField.set(field, `${field} is missing`);
      continue;
    }
    const field = path || `the ${dataVar === 'querystring' ? 'query' : dataVar}`;
    const expected = e.parentSchema?.description;
    if (!byField.has(field))
      byField.set(
        field,
        expected ? `${field} must be ${expected}` : `${field} ${e.message ?? 'is invalid'}`,
      );
  }
  return [...byField].map(([field, problem]) => ({ field, problem }));
}

/**
 * refuseInvalid is a route's `schemaErrorFormatter`: a 400 with `code`, the
 * route's own lead (`invalid publish request`), each problem, and the fields
 * in `detail.fields` for programs.
 */
export function refuseInvalid(lead: string, code = 'BAD_REQUEST', hint?: string) {
  return (errors: readonly FastifySchemaValidationError[], dataVar: string): RegistryError => {
    const problems = fieldProblems(errors, dataVar);
    return new RegistryError(
      400,
      code,
      `${lead}: ${problems.map((p) => p.problem).join('; ')}`,
      hint,
      { fields: problems.map((p) => p.field) },
    );
  };
}

/**
 * notFoundWhenInvalid is the `schemaErrorFormatter` of a route whose params
 * name a thing (a crate, a gem, a file): a name that cannot be valid names
 * nothing here, so the answer is the route's 404, not a 400.
 */
export function notFoundWhenInvalid(message: string) {
  return (): RegistryError => new RegistryError(404, 'NOT_FOUND', message);
}

/**
 * matching is a string property that must match `re`, flags included (a JSON
 * schema `pattern` has none, so the check is an ajv format named `format`).
 * `description` is the expectation named in refusals ("a crate name").
 */
export function matching(format: string, re: RegExp, description: string) {
  if (!ajv.formats[format]) ajv.addFormat(format, re);
  return { type: 'string', format, description } as const;
}

/** paramsOf is a params schema: each named param required and checked by its property schema. */
export function paramsOf(properties: Readonly<Record<string, object>>) {
  return { type: 'object', required: Object.keys(properties), properties } as const;
}

/**
 * byPart is a `schemaErrorFormatter` that answers each part of the request
 * (params, body, querystring) its own way: a bad name in the path is a 404,
 * a bad body a 400 in the client's terms.
 */
export function byPart(
  formatters: Partial<
    Record<
      'params' | 'body' | 'querystring' | 'headers',
      (errors: readonly FastifySchemaValidationError[], dataVar: string) => RegistryError
    >
  >,
) {
  return (errors: readonly FastifySchemaValidationError[], dataVar: string): RegistryError => {
    const f = formatters[dataVar as keyof typeof formatters];
    return f ? f(errors, dataVar) : refuseInvalid('invalid request')(errors, dataVar);
  };
}
