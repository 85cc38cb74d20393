/** The emitter the app subscribes to: its event names, what listeners receive, what one delivery fires. */
import { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';
import {
  KNOWN_EVENTS,
  MANUAL_REVIEW_ACTION,
  type AmlUpdatePayload,
  type FinishedJourneyPayload,
  type IdwisePayload,
  type KycRenewalDeadlineExceededPayload,
  type ManualReviewPayload,
  type SpotCheckFinishedPayload,
  type StepFinishedPayload,
  type UnknownEventPayload,
  type UpdatedJourneyPayload,
  type UserStepsFinishedPayload,
  type VerificationUpdateRequiredPayload,
} from './payload/events.js';
import { closest } from './suggest.js';

/** What a listener learns about the delivery besides the payload. */
export interface DeliveryContext {
  /**
   * The key this delivery was deduplicated under: the `eventId` itself, or `sha256-<hex>` of the
   * canonical JSON when the body has none. Stable across retries, so usable as a job id.
   */
  readonly dedupeKey: string;
  readonly eventId: string | undefined;
  readonly receivedAt: Date;
  /** Aborts when `handlerTimeoutMs` passes: pass it to fetch and database calls. */
  readonly signal: AbortSignal;
  /** False when the store failed and `storeFailure: 'process'` ran the listeners without dedupe. */
  readonly deduplicated: boolean;
}

type Listener<P> = [payload: P, ctx: DeliveryContext];

export interface IdwiseEventMap {
  journeyCompleted: Listener<FinishedJourneyPayload>;
  manualReview: Listener<ManualReviewPayload>;
  amlUpdate: Listener<AmlUpdatePayload>;
  journeyUpdated: Listener<UpdatedJourneyPayload>;
  userStepsFinished: Listener<UserStepsFinishedPayload>;
  stepFinished: Listener<StepFinishedPayload>;
  spotCheckFinished: Listener<SpotCheckFinishedPayload>;
  verificationUpdateRequired: Listener<VerificationUpdateRequiredPayload>;
  kycRenewalDeadlineExceeded: Listener<KycRenewalDeadlineExceededPayload>;
  unknownEvent: Listener<UnknownEventPayload>;
  /** Every accepted delivery, whatever its event. */
  webhook: Listener<IdwisePayload>;
  /** A listener threw or rejected; the delivery was answered 500 (or 503 after a timeout). */
  handlerError: [error: Error, payload: IdwisePayload, ctx: DeliveryContext];
}

export type IdwiseEventName = keyof IdwiseEventMap;

type ListenerOf<K extends IdwiseEventName> = (...args: IdwiseEventMap[K]) => unknown;

/**
 * A plain EventEmitter with typed names and arguments, declared here rather than through
 * `EventEmitter<IdwiseEventMap>`, which some `@types/node` versions check less strictly.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- types the methods the class inherits
export interface IdwiseEventEmitter {
  on<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  once<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  off<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  addListener<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  removeListener<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  prependListener<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  prependOnceListener<K extends IdwiseEventName>(event: K, listener: ListenerOf<K>): this;
  emit<K extends IdwiseEventName>(event: K, ...args: IdwiseEventMap[K]): boolean;
  listeners<K extends IdwiseEventName>(event: K): ListenerOf<K>[];
  listenerCount<K extends IdwiseEventName>(event: K, listener?: ListenerOf<K>): number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the interface above types the methods this class inherits
export class IdwiseEventEmitter extends EventEmitter {}

/** Node's own events, which any emitter may be asked about. */
const NODE_EVENTS = new Set(['error', 'newListener', 'removeListener']);
/** Every name the package emits, for messages and suggestions; spec/types checks it is every IdwiseEventName. */
export const EMITTED_EVENT_NAMES = [
  ...new Set(Object.values(KNOWN_EVENTS).map(({ emits }) => emits)),
  ...(['unknownEvent', 'webhook', 'handlerError'] as const),
];
const EMITTED = new Set<string>(EMITTED_EVENT_NAMES);

/** Whether subscribing to `name` can ever hear anything: one of ours, or one of Node's own. */
function isHeardName(name: string | symbol): boolean {
  return typeof name === 'symbol' || EMITTED.has(name) || NODE_EVENTS.has(name);
}

const UNKNOWN_EVENT_ROUTE: readonly IdwiseEventName[] = ['unknownEvent', 'webhook'];
const MANUAL_REVIEW_ROUTE: readonly IdwiseEventName[] = ['manualReview', 'journeyUpdated', 'webhook'];
const ROUTES = new Map<string, readonly IdwiseEventName[]>(
  Object.entries(KNOWN_EVENTS).map(([name, { emits }]) => [name, [emits, 'webhook']]),
);

/** The emitter events one delivery fires, in order; `webhook` comes last. */
export function emitterEventsFor(payload: IdwisePayload): readonly IdwiseEventName[] {
  if (payload.event === 'Updated Journey' && payload.body.action === MANUAL_REVIEW_ACTION) return MANUAL_REVIEW_ROUTE;
  return ROUTES.get(payload.event) ?? UNKNOWN_EVENT_ROUTE;
}

/** Warns once per name never emitted: in plain JavaScript `on('journeyComplete', …)` would wait in silence. */
export function warnOnUnheardNames(emitter: EventEmitter, logger: Logger): void {
  const warned = new Set<string>();
  emitter.on('newListener', (name: string | symbol) => {
    if (isHeardName(name) || warned.has(name as string)) return;
    warned.add(name as string);
    const meant = closest(name as string, EMITTED_EVENT_NAMES);
    logger.warn(
      { event: name, ...(meant ? { meant } : {}) },
      `a listener was added for "${String(name)}", which this package never emits` +
        (meant ? `; did you mean "${meant}"?` : `; its events are ${EMITTED_EVENT_NAMES.join(', ')}`),
    );
  });
}
