import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dedupeKeyOf } from '../../lib/dedupe-key.js';
import type { IdwisePayload } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the dedupe key', () => {
  it('is the eventId when the body has one, whatever else changes between retries', () => {
    const payload = buildEvent('Finished Journey');
    const changed = { ...payload, body: { ...payload.body, systemDecision: 'Refer' } };
    expect(dedupeKeyOf(payload)).toBe(payload.body.eventId);
    expect(dedupeKeyOf(changed)).toBe(dedupeKeyOf(payload));
  });

  it('is the SHA-256 of the canonical JSON (keys sorted at every level) when there is no eventId', () => {
    const seed = {
      event: 'Finished Journey',
      body: { journeyId: '65f1a2b3c4d5e6f7a8b9c0d1', systemDecision: 'Complete', finalDecision: 'Complete' },
    };
    const canonical =
      '{"body":{"finalDecision":"Complete","journeyId":"65f1a2b3c4d5e6f7a8b9c0d1","systemDecision":"Complete"},' +
      '"event":"Finished Journey"}';
    expect(dedupeKeyOf(seed)).toBe(`sha256-${sha256(canonical)}`);
  });

  it('is the same for the same payload with its keys in another order', () => {
    const payload = buildEvent('Step Submitted', { body: { extra: { b: 1, a: [{ y: 2, x: 1 }] } } });
    const reordered = JSON.parse(
      `{"body":{"extra":{"a":[{"x":1,"y":2}],"b":1},"stepType":"${payload.body.stepType}",` +
        `"stepId":"${payload.body.stepId}","journeyId":"${payload.body.journeyId}"},"event":"Step Submitted"}`,
    ) as IdwisePayload;
    expect(dedupeKeyOf(reordered)).toBe(dedupeKeyOf(payload));
  });

  it('differs when any value differs, array order included', () => {
    const base = buildEvent('Step Submitted', { body: { list: [1, 2] } });
    const variants = [
      { ...base, body: { ...base.body, stepId: '1' } },
      { ...base, body: { ...base.body, list: [2, 1] } },
      { ...base, event: 'Finished Step' },
    ];
    const keys = new Set([base, ...variants].map(dedupeKeyOf));
    expect(keys.size).toBe(4);
  });

  it('keeps eventId keys and hash keys apart, even for an eventId that looks like a hash', () => {
    const seed = buildEvent('Finished Journey', { body: { eventId: undefined } });
    const hash = dedupeKeyOf(seed).slice('sha256-'.length);
    expect(dedupeKeyOf(buildEvent('Finished Journey', { body: { eventId: hash } }))).not.toBe(dedupeKeyOf(seed));
  });
});
