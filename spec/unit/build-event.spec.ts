import { describe, expect, it } from 'vitest';
import { emitterEventsFor } from '../../lib/emitter.js';
import { KNOWN_EVENTS, type KnownEventName } from '../../lib/payload/events.js';
import { buildEvent } from '../../lib/testing/build-event.js';
import { payloadValidator } from '../../lib/payload/validate.js';

const names = Object.keys(KNOWN_EVENTS) as KnownEventName[];
const validate = payloadValidator();

describe('buildEvent', () => {
  it.each(names)('builds a "%s" that the package itself accepts and dispatches to its emitter event', (name) => {
    const payload = buildEvent(name);
    expect(payload.event).toBe(name);
    expect(validate(payload)).toEqual({ valid: true, payload });
    expect(emitterEventsFor(payload)).toContain(KNOWN_EVENTS[name].emits);
  });

  it.each(names.filter((name) => buildEvent(name).body.eventId !== undefined))(
    'gives every "%s" a fresh eventId',
    (name) => {
      const ids = new Set(Array.from({ length: 20 }, () => buildEvent(name).body.eventId));
      expect(ids.size).toBe(20);
    },
  );

  it('leaves eventId out of the events IDWise sends without one, so their dedupe falls back to a hash', () => {
    expect(buildEvent('Step Submitted').body).not.toHaveProperty('eventId');
  });

  it('gives every journey a fresh 24-hex-character journeyId', () => {
    const first = buildEvent('Finished Journey').body.journeyId;
    expect(first).toMatch(/^[0-9a-f]{24}$/);
    expect(buildEvent('Finished Journey').body.journeyId).not.toBe(first);
  });

  it('deep-merges overrides into the body and keeps the fields they do not name', () => {
    const payload = buildEvent('Updated Journey', { body: { manualDecision: 'Rejected', finalDecision: 'Rejected' } });
    expect(payload.body).toMatchObject({
      manualDecision: 'Rejected',
      finalDecision: 'Rejected',
      systemDecision: 'Refer',
      action: 'Manual Review',
      referenceNo: 'customer-ref-001',
    });
    expect(typeof payload.body.eventId).toBe('string');
    expect(validate(payload).valid).toBe(true);
  });

  it('replaces arrays whole instead of merging them item by item', () => {
    const requiredSteps = [{ stepId: 7, reasonCode: 'SELFIE_BLURRY' }];
    const payload = buildEvent('Verification Update Required', { body: { requiredSteps } });
    expect(payload.body.requiredSteps).toEqual(requiredSteps);
  });

  it('removes a field whose override is undefined: the seed-era Finished Journey without eventId', () => {
    const payload = buildEvent('Finished Journey', { body: { eventId: undefined, finalDecision: 'Complete' } });
    expect(payload.body).not.toHaveProperty('eventId');
    expect(validate(payload).valid).toBe(true);
  });

  it('keeps an override named __proto__ as data, never as a prototype', () => {
    const payload = buildEvent('Finished Journey', JSON.parse('{ "body": { "__proto__": { "polluted": true } } }'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(payload.body)).toBe(Object.prototype);
  });

  it('lets an override produce a payload the validator refuses, for testing refusals', () => {
    const payload = buildEvent('Finished Journey', { body: { journeyId: 42 } });
    expect(validate(payload)).toMatchObject({ valid: false, issues: [{ path: '/body/journeyId' }] });
  });

  it('throws for an unknown event name, naming it and listing the known ones', () => {
    expect(() => buildEvent('Finished Jorney' as KnownEventName)).toThrow(
      /unknown event "Finished Jorney"\. Known: Finished Journey, Manually Reviewed, .*KYC Renewal Deadline Exceeded/,
    );
  });
});
