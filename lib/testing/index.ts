/** What users' own tests need: realistic payloads, and (soon) a store contract suite. */
export { buildEvent, type EventOverrides } from './build-event.js';
export { deliver, type DeliverOptions, type DeliverTarget, type Delivery } from './deliver.js';
