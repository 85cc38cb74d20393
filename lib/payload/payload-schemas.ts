/**
 * The schemas payloads are validated against: one per known event (its envelope with the event's
 * name as a constant), and one for any other event. Read by the run-time compiler in
 * `validators.ts` and, at build time, by scripts/precompile-validators.mjs.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { KNOWN_EVENTS, type KnownEventName } from './events.js';
import { UnknownEventBody } from './schemas.js';

const Envelope = (event: TSchema, body: TSchema) => Type.Object({ event, body });

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

// Defaults, coercion and removal are all off: listeners get the payload exactly as IDWise sent it.
// One error, not all: reporting every error of a hostile 64 kB array is work an attacker controls.
export const AJV_OPTIONS = {
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  strict: true,
  allowUnionTypes: true,
  // The schemas are this package's constants, checked against the JSON Schema meta-schema by a
  // spec (validate.spec.ts). Checking them again on every compile would compile the meta-schema
  // first. Strict mode still applies.
  validateSchema: false,
} as const;
