/**
 * The emitter the host app subscribes to: its event names, what each listener receives, and which
 * names one delivery fires.
 */
import { EventEmitter } from 'node:events';
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

/** A plain EventEmitter whose event names and listener arguments are typed. */
export class IdwiseEventEmitter extends EventEmitter<IdwiseEventMap> {}

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
