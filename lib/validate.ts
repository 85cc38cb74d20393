/**
 * Payload validation. The validators are compiled once per process, on the first
 * `idwiseWebhooks()` call, never on a request: ajv's first compile costs tens of milliseconds.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type, type TSchema } from '@sinclair/typebox';
import { Envelope, UnknownEventBody } from './schemas.js';
import { KNOWN_EVENTS, type IdwisePayload, type KnownEventName } from './events.js';

export interface ValidationIssue {
  /** JSON Pointer into the payload, e.g. `/body/journeyId`. */
  path: string;
  message: string;
}

export type ValidationResult = { valid: true; payload: IdwisePayload } | { valid: false; issues: ValidationIssue[] };

export type PayloadValidator = (value: unknown) => ValidationResult;

let compiled: PayloadValidator | undefined;

export function payloadValidator(): PayloadValidator {
  compiled ??= compile();
  return compiled;
}

/** The schemas the validators are compiled from: one per known event, and one for any other event. */
export function payloadSchemas(): { fallback: TSchema; byEvent: Map<string, TSchema> } {
  return {
    fallback: Envelope(Type.String(), UnknownEventBody),
    byEvent: new Map(
      Object.entries(KNOWN_EVENTS).map(([name, { body }]) => [
        name,
        Envelope(Type.Literal(name as KnownEventName), body),
      ]),
    ),
  };
}

function compile(): PayloadValidator {
  // Defaults, coercion and removal are all off: listeners get the payload exactly as IDWise sent it.
  // One error, not all: reporting every error of a hostile 64 kB array is work an attacker controls.
  const ajv = new Ajv({
    allErrors: false,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    strict: true,
    allowUnionTypes: true,
    // The schemas are this package's constants, checked against the JSON Schema meta-schema by a
    // spec (validate.spec.ts). Checking them again at start-up would compile the meta-schema
    // first: about a third of the compile time, in every process. Strict mode still applies.
    validateSchema: false,
  });
  const schemas = payloadSchemas();
  const envelope = ajv.compile(schemas.fallback);
  const byEvent = new Map<string, ValidateFunction>();
  for (const [name, schema] of schemas.byEvent) byEvent.set(name, ajv.compile(schema));
  return (value) => {
    const event = isObject(value) && typeof value.event === 'string' ? value.event : undefined;
    const validate = (event !== undefined && byEvent.get(event)) || envelope;
    if (validate(value)) return { valid: true, payload: value as IdwisePayload };
    return { valid: false, issues: (validate.errors ?? []).map(toIssue) };
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ajv's message never contains the offending value, only the expectation, so it is safe to return.
function toIssue(error: ErrorObject): ValidationIssue {
  const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
  return { path: `${error.instancePath}${missing}` || '/', message: error.message ?? error.keyword };
}
