/**
 * The validators, compiled by ajv when first asked. The build replaces this module in dist/ with
 * the same validators compiled ahead of time (scripts/precompile-validators.mjs), so that a
 * published package neither loads ajv's compiler nor compiles at start-up.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { AJV_OPTIONS, payloadSchemas } from './payload-schemas.js';

export interface CompiledValidators {
  /** For a payload whose event is none of the known ones (or is not a string). */
  readonly fallback: ValidateFunction;
  readonly byEvent: ReadonlyMap<string, ValidateFunction>;
}

export function compiledValidators(): CompiledValidators {
  const ajv = new Ajv(AJV_OPTIONS);
  const schemas = payloadSchemas();
  const byEvent = new Map<string, ValidateFunction>();
  for (const [name, schema] of schemas.byEvent) byEvent.set(name, ajv.compile(schema));
  return { fallback: ajv.compile(schemas.fallback), byEvent };
}
