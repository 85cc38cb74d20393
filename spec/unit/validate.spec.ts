import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { KNOWN_EVENTS } from '../../lib/payload/events.js';
import { payloadSchemas } from '../../lib/payload/payload-schemas.js';
import { payloadValidator } from '../../lib/payload/validate.js';

// The package compiles its validators with validateSchema: false, to keep the meta-schema out of
// every start-up. So the check that each schema is valid JSON Schema happens here instead.
describe('the payload schemas', () => {
  const { fallback, byEvent } = payloadSchemas();
  const all = [['any other event', fallback] as const, ...byEvent];

  it('cover every known event', () => {
    expect([...byEvent.keys()].sort()).toEqual(Object.keys(KNOWN_EVENTS).sort());
  });

  it.each(all)('for %s is valid JSON Schema and compiles in strict mode', (_name, schema) => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('are refused by this check when broken, so it can fail', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema({ type: 'object', properties: { event: { type: 'strin' } } })).toBe(false);
  });

  it('give a validator that accepts a known event and names the field a bad one gets wrong', () => {
    const validate = payloadValidator();
    const good = { event: 'Finished Journey', body: { eventId: 'e-1', journeyId: 'j-1' } };
    expect(validate(good)).toEqual({ valid: true, payload: good });
    expect(validate({ event: 'Finished Journey', body: { journeyId: 7 } })).toMatchObject({
      valid: false,
      issues: [{ path: '/body/journeyId' }],
      event: 'Finished Journey',
    });
  });

  it("names a refused payload's event only when it is a string, cut to 100 characters for logs", () => {
    const validate = payloadValidator();
    expect(validate({ event: 'E'.repeat(500), body: 'not an object' })).toMatchObject({ event: 'E'.repeat(100) });
    expect(validate({ event: 42, body: {} })).toMatchObject({ valid: false, event: undefined });
    expect(validate([])).toMatchObject({ valid: false, event: undefined });
  });
});
