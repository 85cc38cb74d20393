export {
  createNodeHandler,
  idwiseWebhooks,
  type IdwiseNodeHandler,
  type IdwiseWebhooksRouter,
} from './http/node-handler.js';
export { createFetchHandler, type FetchRequestInfo, type IdwiseFetchHandler } from './http/fetch-handler.js';
export { createPipeline, type WebhookLifecycle, type WebhookPipeline, type WebhookRequest } from './pipeline.js';
export type { DeliveryTrace, StoreTrace } from './diagnostics.js';
export { OptionsError } from './option-error.js';
export type { IdwiseWebhooksOptions } from './options.js';
export type { AuthOption } from './auth.js';
export type { Logger } from './logger.js';
export type { HttpResponse } from './outcomes.js';
export type { ValidationIssue } from './payload/validate.js';
export { IdwiseEventEmitter, type DeliveryContext, type IdwiseEventMap, type IdwiseEventName } from './emitter.js';
export { KNOWN_EVENTS } from './payload/events.js';
export type * from './payload/events.js';
export type { FinalDecision, JourneyAction, ManualDecision, SystemDecision } from './payload/schemas.js';
export type { ClaimResult, DedupeStore } from './stores/dedupe-store.js';
export { MemoryDedupeStore, type MemoryDedupeStoreOptions } from './stores/memory-store.js';
export {
  RedisDedupeStore,
  type IoRedisLikeClient,
  type NodeRedisLikeClient,
  type RedisDedupeStoreOptions,
} from './stores/redis-store.js';
export {
  PostgresDedupeStore,
  postgresDedupeTableSql,
  type PostgresDedupeStoreOptions,
  type PostgresQueryable,
} from './stores/postgres-store.js';
