// Kept out of every module the public types load: `TracingChannel`'s type parameters changed order
// between `@types/node` versions, so no declaration users read may name them.
import diagnostics_channel from 'node:diagnostics_channel';
import type { DeliveryTrace, StoreTrace } from './diagnostics.js';

/** One trace per request the pipeline handles: `start`, then `asyncEnd` once the answer is known. */
export const deliveryChannel = diagnostics_channel.tracingChannel<unknown, DeliveryTrace>('idwise-webhooks:delivery');

/** One trace per store call; `error` when the store throws or rejects. */
export const storeChannel = diagnostics_channel.tracingChannel<unknown, StoreTrace>('idwise-webhooks:store');
