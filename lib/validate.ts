/**
 * Payload validation. The validators are compiled once per process, on the first
 * `idwiseWebhooks()` call, never on a request: ajv's first compile costs tens of milliseconds.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type } from '@sinclair/typebox';
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
  });
  const envelope = ajv.compile(Envelope(Type.String(), UnknownEventBody));
  const byEvent = new Map<string, ValidateFunction>();
  for (const [name, { body }] of Object.entries(KNOWN_EVENTS)) {
    byEvent.set(name, ajv.compile(Envelope(Type.Literal(name as KnownEventName), body)));
  }
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
