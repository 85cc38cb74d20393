// Prometheus metrics of idwise-webhooks, read from its diagnostics_channel: nothing to wrap, no
// option to set. Call once at startup, before the first delivery, and serve the registry.
import diagnostics_channel from 'node:diagnostics_channel';
import { KNOWN_EVENTS } from 'idwise-webhooks';
import { Counter, Histogram } from 'prom-client';

const deliveries = diagnostics_channel.tracingChannel('idwise-webhooks:delivery');

export function collectDeliveryMetrics(registry) {
  const answered = new Counter({
    name: 'idwise_webhook_deliveries_total',
    help: "Webhook deliveries answered, by outcome (the answer's code) and IDWise event",
    labelNames: ['outcome', 'event'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'idwise_webhook_delivery_duration_seconds',
    help: 'Time from the start of a delivery to its answer, by outcome',
    labelNames: ['outcome'],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 25],
    registers: [registry],
  });
  const timers = new WeakMap();

  const onStart = (delivery) => timers.set(delivery, seconds.startTimer());
  const onAnswer = (delivery) => {
    // No outcome: the package itself failed, and the face answered 500 (or called next(error)).
    const outcome = delivery.outcome ?? 'internal_error';
    timers.get(delivery)?.({ outcome });
    answered.inc({ outcome, event: eventLabel(delivery.event) });
  };
  deliveries.start.subscribe(onStart);
  deliveries.asyncEnd.subscribe(onAnswer);
  return () => {
    deliveries.start.unsubscribe(onStart);
    deliveries.asyncEnd.unsubscribe(onAnswer);
  };
}

// `event` is known only once the payload is valid, and is whatever IDWise wrote: a name this
// version does not know counts as `other`, so no sender can grow the label without bound.
function eventLabel(event) {
  if (event === undefined) return 'none';
  return Object.hasOwn(KNOWN_EVENTS, event) ? event : 'other';
}
