import { randomBytes, randomUUID } from 'node:crypto';
import { KNOWN_EVENTS, type KnownEventName, type KnownPayload } from '../payload/events.js';
import { SAMPLE_BODIES } from './sample-bodies.js';

/** Fields to change in a built payload; nested objects merge, arrays and other values replace. */
export type EventOverrides = { event?: string; body?: Record<string, unknown> } & Record<string, unknown>;

/**
 * A valid payload for a known IDWise event, with a fresh `eventId` (a GUID, as IDWise sends) and a
 * fresh 24-hex-character `journeyId`, then `overrides` deep-merged. Set a field to `undefined` to
 * remove it (the seed-era `Finished Journey` without `eventId`: `{ body: { eventId: undefined } }`).
 */
export function buildEvent<E extends KnownEventName>(event: E, overrides: EventOverrides = {}): KnownPayload<E> {
  if (!Object.hasOwn(KNOWN_EVENTS, event)) {
    throw new TypeError(
      `buildEvent: unknown event ${JSON.stringify(event)}. Known: ${Object.keys(KNOWN_EVENTS).join(', ')}`,
    );
  }
  const body = SAMPLE_BODIES[event]({ eventId: randomUUID(), journeyId: randomBytes(12).toString('hex') });
  return merge({ event, body }, overrides) as KnownPayload<E>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[key];
    // defineProperty, so an override named __proto__ is data, never a prototype change.
    else
      Object.defineProperty(result, key, {
        value: isPlainObject(value) && isPlainObject(result[key]) ? merge(result[key], value) : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return result;
}
