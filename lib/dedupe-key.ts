import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { IdwisePayload } from './payload/events.js';

// Sorted keys, so the same JSON sent twice with its fields in another order still hashes the same.
const canonicalJson = configure({ deterministic: true, circularValue: TypeError, bigint: false });

/**
 * The `eventId` itself, the same on every retry, so users can reuse it as a job id or unique column.
 * Payloads without one (old `Finished Journey`, `Step Submitted`) are hashed: a retry resends the same JSON.
 */
export function dedupeKeyOf(payload: IdwisePayload): string {
  const { eventId } = payload.body;
  if (typeof eventId === 'string') return eventId;
  return `sha256-${createHash('sha256')
    .update(canonicalJson(payload) as string)
    .digest('hex')}`;
}
