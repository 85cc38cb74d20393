/**
 * Refusals are logged with their reason (never a body or credential): one no retry can fix (schema
 * drift, a proxy stripping the content type) would otherwise hide until IDWise gives up. A flood is summarised.
 */
import type { Logger } from './logger.js';
import type { Outcome } from './outcomes.js';
import type { WebhookRequest } from './pipeline.js';

/** `warn` where the cause is likely a misconfiguration on either side; `info` for a broken request. */
const REFUSALS: Partial<Record<Outcome['kind'], { level: 'warn' | 'info'; message: string }>> = {
  unauthorized: { level: 'warn', message: 'refused a webhook without valid credentials' },
  forbidden: { level: 'warn', message: 'refused a webhook from an address outside allowedIps' },
  payload_too_large: { level: 'warn', message: 'refused a webhook larger than limit' },
  unsupported_media_type: { level: 'warn', message: 'refused a webhook whose content type is not JSON' },
  invalid_payload: { level: 'warn', message: "refused a webhook whose payload does not match the event's schema" },
  method_not_allowed: { level: 'info', message: 'refused a request that is not a POST' },
  invalid_json: { level: 'info', message: 'refused a webhook whose body is not JSON' },
  invalid_body: { level: 'info', message: 'refused a webhook whose body was cut short or mis-sized' },
  body_timeout: { level: 'info', message: 'refused a webhook whose body arrived too slowly' },
};

/** Refusals of one reason logged one by one per window; the rest are counted and summarised. */
const SHOWN_PER_WINDOW = 5;
const WINDOW_MS = 60_000;

export type RefusalLog = (outcome: Outcome, request: WebhookRequest) => void;

export function createRefusalLog(logger: Logger): RefusalLog {
  const windows = new Map<string, { shown: number; more: number }>();
  return (outcome, request) => {
    const refusal = REFUSALS[outcome.kind];
    if (refusal === undefined) return;
    const { level, message } = refusal;
    const reason = outcome.kind;
    let window = windows.get(reason);
    if (window === undefined) {
      const opened = { shown: 0, more: 0 };
      window = opened;
      windows.set(reason, opened);
      // Unref'd: a window still open must not keep the process alive.
      setTimeout(() => {
        windows.delete(reason);
        if (opened.more > 0)
          logger[level]({ reason, count: opened.more }, `${message}: ${opened.more} more in the last minute`);
      }, WINDOW_MS).unref();
    }
    if (window.shown >= SHOWN_PER_WINDOW) {
      window.more += 1;
      return;
    }
    window.shown += 1;
    const last = window.shown === SHOWN_PER_WINDOW ? '; more of these this minute are summarised' : '';
    logger[level]({ reason, ...fieldsOf(outcome, request) }, `${message}${last}`);
  };
}

/** What a refusal's log line says of the request: never its body or credentials. */
function fieldsOf(outcome: Outcome, request: WebhookRequest): Record<string, unknown> {
  // Read only for a refusal that is logged: working out the caller's address has a cost.
  const fields: Record<string, unknown> = { ip: request.ip };
  if (outcome.kind === 'method_not_allowed') fields.method = request.method;
  if (outcome.kind === 'unsupported_media_type') fields.contentType = request.headers['content-type'];
  if (outcome.kind === 'unauthorized') fields.credentials = outcome.credentials;
  if (outcome.kind === 'invalid_payload') Object.assign(fields, { event: outcome.event, issues: outcome.issues });
  return fields;
}
