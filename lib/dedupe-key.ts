import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { IdwisePayload } from './payload/events.js';

// Sorted keys, so the same JSON sent twice with its fields in another order still hashes the same.
const canonicalJson = configure({ deterministic: true, circularValue: TypeError, bigint: false });

/**
 * The key a delivery is deduplicated under. IDWise keeps `eventId` the same on every retry, so the
 * key is the `eventId` itself: users reuse it as a job id, a unique column or a log key. The oldest
 * `Finished Journey` payloads and the legacy `Step Submitted` have none: a retry of those resends
 * the same envelope, so the key is `sha256-<hex>` of its canonical JSON.
 */
export function dedupeKeyOf(payload: IdwisePayload): string {
  const { eventId } = payload.body;
  if (typeof eventId === 'string') return eventId;
  return `sha256-${createHash('sha256')
    .update(canonicalJson(payload) as string)
    .digest('hex')}`;
}
