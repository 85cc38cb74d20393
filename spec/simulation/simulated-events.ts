import { dedupeKeyOf } from '../../lib/dedupe-key.js';
import { KNOWN_EVENTS, type IdwisePayload, type KnownEventName } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';

export interface SimulatedEvent {
  index: number;
  payload: IdwisePayload;
  /** The key the package will dedupe it under, as listeners see it in `ctx.dedupeKey`. */
  key: string;
}

const UNKNOWN_EVENT = 'Journey Archived' as const;
const NAMES: (KnownEventName | typeof UNKNOWN_EVENT)[] = [
  ...(Object.keys(KNOWN_EVENTS) as KnownEventName[]),
  UNKNOWN_EVENT,
];

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');

/**
 * `count` events cycling through every known IDWise event and one unknown, with ids that follow
 * from the seed and the index. Some carry no eventId (the legacy `Step Submitted`, and every third
 * `Finished Journey` in the seed-era shape), so the hashed dedupe key is simulated too.
 */
export function simulatedEvents(count: number, seed: number): SimulatedEvent[] {
  const events = Array.from({ length: count }, (_, index): SimulatedEvent => {
    const name = NAMES[index % NAMES.length]!;
    const eventId = `${hex(seed >>> 0, 8)}-0000-4000-8000-${hex(index, 12)}`;
    const journeyId = `${hex(seed >>> 0, 8)}${hex(index, 16)}`;
    let payload: IdwisePayload;
    if (name === UNKNOWN_EVENT) payload = { event: name, body: { eventId, journeyId } };
    else if (name === 'Step Submitted') payload = buildEvent(name, { body: { journeyId } });
    else if (name === 'Finished Journey' && index % 3 === 0)
      payload = buildEvent(name, { body: { eventId: undefined, journeyId } });
    // A spot check is its own journey: it has no journeyId on the wire.
    else if (name === 'Finished Spot Check' || name === 'Finished Ongoing Check')
      payload = buildEvent(name, { body: { eventId } });
    else payload = buildEvent(name, { body: { eventId, journeyId } });
    return { index, payload, key: dedupeKeyOf(payload) };
  });
  if (new Set(events.map((e) => e.key)).size !== count) throw new Error('simulatedEvents: dedupe keys collide');
  return events;
}
