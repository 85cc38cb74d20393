/** What users' own tests need: realistic payloads, and (soon) a store contract suite. */
export { buildEvent, type EventOverrides } from './build-event.js';
