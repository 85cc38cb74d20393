/**
 * Every way a delivery can end, and its HTTP answer. IDWise retries anything but 200, so: 200 only
 * once the event is safely handled; non-200 while a retry could be needed; 4xx when none can help.
 */
import type { BodyFailure } from './body.js';
import type { ValidationIssue } from './payload/validate.js';

export type Outcome =
  | { kind: 'processed' }
  | { kind: 'duplicate' }
  | { kind: 'in_flight' }
  | { kind: 'handler_failed' }
  | { kind: 'handler_timeout' }
  | { kind: 'store_unavailable' }
  | { kind: 'closing' }
  | { kind: 'method_not_allowed' }
  | { kind: 'forbidden' }
  | { kind: 'unauthorized'; challenge: string | undefined; credentials?: 'missing_credentials' | 'invalid_credentials' }
  | { kind: BodyFailure }
  | { kind: 'invalid_payload'; issues: ValidationIssue[]; event?: string | undefined };

/** What `pipeline.handle()` answers. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Retry-After for a store outage or a shutdown, in seconds. */
const UNAVAILABLE_SECONDS = 5;

const json = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  body,
});

/** `claimSeconds`: until a held claim has surely settled or expired, the lease. */
export function toResponse(outcome: Outcome, claimSeconds: number): HttpResponse {
  const later = (seconds: number) => ({ 'Retry-After': String(seconds) });
  switch (outcome.kind) {
    case 'processed':
      return json(200, { status: 'processed' });
    case 'duplicate':
      return json(200, { status: 'duplicate' });
    // Never a 2xx: if the attempt holding the claim then fails, a 2xx here would have lost the event.
    case 'in_flight':
      return json(409, { error: 'in_flight' }, later(claimSeconds));
    case 'handler_failed':
      return json(500, { error: 'handler_failed' });
    case 'handler_timeout':
      return json(503, { error: 'handler_timeout' }, later(claimSeconds));
    case 'store_unavailable':
      return json(503, { error: 'store_unavailable' }, later(UNAVAILABLE_SECONDS));
    case 'closing':
      return json(503, { error: 'shutting_down' }, { ...later(UNAVAILABLE_SECONDS), Connection: 'close' });
    case 'method_not_allowed':
      return json(405, { error: 'method_not_allowed' }, { Allow: 'POST' });
    case 'forbidden':
      return json(403, { error: 'forbidden' });
    case 'unauthorized':
      return json(401, { error: 'unauthorized' }, outcome.challenge ? { 'WWW-Authenticate': outcome.challenge } : {});
    case 'unsupported_media_type':
      return json(415, { error: 'unsupported_media_type' });
    case 'payload_too_large':
      return json(413, { error: 'payload_too_large' }, { Connection: 'close' });
    // The body may still be arriving (or never will): close rather than wait to drain it.
    case 'body_timeout':
    case 'invalid_body':
      return json(400, { error: outcome.kind }, { Connection: 'close' });
    case 'invalid_json':
      return json(400, { error: 'invalid_json' });
    case 'invalid_payload':
      return json(400, { error: 'invalid_payload', details: outcome.issues });
  }
}
