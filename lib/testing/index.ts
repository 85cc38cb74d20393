/** What users' own tests need: realistic payloads, a delivery helper, and the store contract suite. */
export { buildEvent, type EventOverrides } from './build-event.js';
export { deliver, type DeliverOptions, type DeliverTarget, type Delivery } from './deliver.js';
export { runDedupeStoreContract, type DedupeStoreContext, type DedupeStoreContractOptions } from './store-contract.js';
