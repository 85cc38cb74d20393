/**
 * Which validator a payload gets, and its failure as issues a sender can read. The validators are
 * made once per process, on the first pipeline's creation, never on a request.
 */
import type { ErrorObject } from 'ajv';
import type { IdwisePayload } from './events.js';
import { compiledValidators, type CompiledValidators } from './validators.js';

export interface ValidationIssue {
  /** JSON Pointer into the payload, e.g. `/body/journeyId`. */
  path: string;
  message: string;
}

/** A refusal names the payload's `event` when it is a string, for logs and traces (cut to 100 characters). */
export type ValidationResult =
  { valid: true; payload: IdwisePayload } | { valid: false; issues: ValidationIssue[]; event: string | undefined };

export type PayloadValidator = (value: unknown) => ValidationResult;

let made: PayloadValidator | undefined;

export function payloadValidator(): PayloadValidator {
  made ??= validatorOf(compiledValidators());
  return made;
}

function validatorOf({ fallback, byEvent }: CompiledValidators): PayloadValidator {
  return (value) => {
    const event = (value as { event?: unknown } | null)?.event;
    const validate = (typeof event === 'string' && byEvent.get(event)) || fallback;
    if (validate(value)) return { valid: true, payload: value as IdwisePayload };
    const named = typeof event === 'string' ? event.slice(0, 100) : undefined;
    return { valid: false, issues: (validate.errors ?? []).map(toIssue), event: named };
  };
}

// ajv's message never contains the offending value, only the expectation, so it is safe to return.
function toIssue(error: ErrorObject): ValidationIssue {
  const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
  return { path: `${error.instancePath}${missing}` || '/', message: error.message ?? error.keyword };
}
