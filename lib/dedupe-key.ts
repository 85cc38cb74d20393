import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { IdwisePayload } from './events.js';

// Sorted keys, so the same JSON sent twice with its fields in another order still hashes the same.
const canonicalJson = configure({ deterministic: true, circularValue: TypeError, bigint: false });

/**
 * The key a delivery is deduplicated under. IDWise keeps `eventId` the same on every retry, so it
 * is the key when present. The oldest `Finished Journey` payloads and the legacy `Step Submitted`
 * have none: a retry of those resends the same envelope, so a hash of its canonical JSON is the
 * key. The prefixes keep the two spaces apart.
 */
export function dedupeKeyOf(payload: IdwisePayload): string {
  const { eventId } = payload.body;
  // join() builds one flat string; `+` or a template would build a two-part (cons) string, which
  // the store's Map flattens into a second string on the first lookup, and then holds both.
  if (typeof eventId === 'string') return ['eventId:', eventId].join('');
  return `sha256:${createHash('sha256')
    .update(canonicalJson(payload) as string)
    .digest('hex')}`;
}
