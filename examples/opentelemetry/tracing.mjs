// OpenTelemetry spans of idwise-webhooks, read from its diagnostics_channel: one span per delivery,
// a child span per store call. Call once at startup, after the SDK is set up; returns a stop function.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';

const deliveries = diagnostics_channel.tracingChannel('idwise-webhooks:delivery');
const storeCalls = diagnostics_channel.tracingChannel('idwise-webhooks:store');

// This side failed and IDWise will retry; a refusal (4xx) is the sender's doing, not an error here.
const FAILED = new Set(['handler_failed', 'handler_timeout', 'store_unavailable']);

export function traceWebhooks(tracer = trace.getTracer('idwise-webhooks')) {
  const spans = new WeakMap();
  // Holds the delivery's span while it runs, so that its store calls find their parent.
  const current = new AsyncLocalStorage();

  // Bound to `start`: runs as the delivery begins, under the context active then (an HTTP span, if any).
  const startDelivery = (message) => {
    const span = tracer.startSpan('idwise-webhooks delivery');
    spans.set(message, span);
    return trace.setSpan(context.active(), span);
  };
  const endDelivery = (message) => {
    const span = spans.get(message);
    // A subscriber must not throw (Node would re-throw it as uncaught): skip what began before this did.
    if (!span) return;
    span.setAttributes({
      'http.response.status_code': message.status,
      'idwise.outcome': message.outcome,
      'idwise.event': message.event,
      'idwise.event_id': message.eventId,
      'idwise.dedupe_key': message.dedupeKey,
    });
    // `error`, and no outcome: the package itself failed (answered 500, or passed to Express's next).
    if (message.error) span.recordException(message.error);
    if (message.error || FAILED.has(message.outcome)) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: message.outcome ?? 'internal_error' });
    }
    span.end();
  };

  const startStoreCall = (message) => {
    const attributes = { 'idwise.store.operation': message.operation, 'idwise.dedupe_key': message.dedupeKey };
    const parent = current.getStore() ?? context.active();
    spans.set(message, tracer.startSpan(`idwise-webhooks store ${message.operation}`, { attributes }, parent));
  };
  const endStoreCall = (message) => {
    const span = spans.get(message);
    if (!span) return;
    span.setAttribute('idwise.store.outcome', message.outcome);
    if (message.error) {
      span.recordException(message.error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: message.error.message });
    }
    span.end();
  };

  deliveries.start.bindStore(current, startDelivery);
  deliveries.asyncEnd.subscribe(endDelivery);
  storeCalls.start.subscribe(startStoreCall);
  storeCalls.asyncEnd.subscribe(endStoreCall);
  return () => {
    deliveries.start.unbindStore(current);
    deliveries.asyncEnd.unsubscribe(endDelivery);
    storeCalls.start.unsubscribe(startStoreCall);
    storeCalls.asyncEnd.unsubscribe(endStoreCall);
  };
}
