/**
 * The one table from IDWise's `event` strings to this package's emitter events, and the payload
 * types listeners see. Validation, dispatch and the docs all read from here.
 */
import type { TSchema } from '@sinclair/typebox';
import * as S from './schemas.js';

export const KNOWN_EVENTS = {
  'Finished Journey': { emits: 'journeyCompleted', body: S.FinishedJourneyBody },
  'Manually Reviewed': { emits: 'manualReview', body: S.ManuallyReviewedBody },
  'Updated Journey': { emits: 'journeyUpdated', body: S.UpdatedJourneyBody },
  'AML Monitor Update': { emits: 'amlUpdate', body: S.AmlMonitorUpdateBody },
  // IDWise's own AML page spells it so in its prose; its example and every other source do not.
  'AML Monior Update': { emits: 'amlUpdate', body: S.AmlMonitorUpdateBody },
  'Finished User Steps': { emits: 'userStepsFinished', body: S.FinishedUserStepsBody },
  'Finished Step': { emits: 'stepFinished', body: S.FinishedStepBody },
  'Step Submitted': { emits: 'stepFinished', body: S.StepSubmittedBody },
  'Finished Spot Check': { emits: 'spotCheckFinished', body: S.FinishedSpotCheckBody },
  'Finished Ongoing Check': { emits: 'spotCheckFinished', body: S.FinishedOngoingCheckBody },
  'Verification Update Required': { emits: 'verificationUpdateRequired', body: S.VerificationUpdateRequiredBody },
  'KYC Renewal Deadline Exceeded': { emits: 'kycRenewalDeadlineExceeded', body: S.KycRenewalDeadlineExceededBody },
} as const satisfies Record<string, { emits: string; body: TSchema }>;

export type KnownEventName = keyof typeof KNOWN_EVENTS;

/** `Updated Journey` with this action is also a manual-review decision (how newer accounts learn of them). */
export const MANUAL_REVIEW_ACTION = 'Manual Review';

// Named interfaces over the schema-derived types, so that editors show `FinishedJourneyBody`
// rather than the TypeBox machinery the type is computed from. The fields still come from the schemas.
export interface FinishedJourneyBody extends S.BodyOf<typeof S.FinishedJourneyBody> {}
export interface ManuallyReviewedBody extends S.BodyOf<typeof S.ManuallyReviewedBody> {}
export interface UpdatedJourneyBody extends S.BodyOf<typeof S.UpdatedJourneyBody> {}
export interface AmlMonitorUpdateBody extends S.BodyOf<typeof S.AmlMonitorUpdateBody> {}
export interface FinishedUserStepsBody extends S.BodyOf<typeof S.FinishedUserStepsBody> {}
export interface FinishedStepBody extends S.BodyOf<typeof S.FinishedStepBody> {}
export interface FinishedSpotCheckBody extends S.BodyOf<typeof S.FinishedSpotCheckBody> {}
export interface FinishedOngoingCheckBody extends S.BodyOf<typeof S.FinishedOngoingCheckBody> {}
export interface VerificationUpdateRequiredBody extends S.BodyOf<typeof S.VerificationUpdateRequiredBody> {}
export interface KycRenewalDeadlineExceededBody extends S.BodyOf<typeof S.KycRenewalDeadlineExceededBody> {}
export interface UnknownEventBody extends S.OpenBodyOf<typeof S.UnknownEventBody> {}

interface BodyByEvent {
  'Finished Journey': FinishedJourneyBody;
  'Manually Reviewed': ManuallyReviewedBody;
  'Updated Journey': UpdatedJourneyBody;
  'AML Monitor Update': AmlMonitorUpdateBody;
  'AML Monior Update': AmlMonitorUpdateBody;
  'Finished User Steps': FinishedUserStepsBody;
  'Finished Step': FinishedStepBody;
  'Step Submitted': FinishedStepBody;
  'Finished Spot Check': FinishedSpotCheckBody;
  'Finished Ongoing Check': FinishedOngoingCheckBody;
  'Verification Update Required': VerificationUpdateRequiredBody;
  'KYC Renewal Deadline Exceeded': KycRenewalDeadlineExceededBody;
}

/** The validated envelope of one known IDWise event, exactly as sent. */
export type KnownPayload<E extends KnownEventName = KnownEventName> = {
  [K in E]: { readonly event: K; readonly body: BodyByEvent[K] };
}[E];

export interface UnknownEventPayload {
  /** An event name this version does not know. */
  readonly event: string;
  readonly body: UnknownEventBody;
}

/** Every payload a listener can receive; `event` narrows `body` for the known events. */
export type IdwisePayload = KnownPayload | UnknownEventPayload;

export type FinishedJourneyPayload = KnownPayload<'Finished Journey'>;
export type ManuallyReviewedPayload = KnownPayload<'Manually Reviewed'>;
export type UpdatedJourneyPayload = KnownPayload<'Updated Journey'>;
export type AmlUpdatePayload = KnownPayload<'AML Monitor Update' | 'AML Monior Update'>;
export type UserStepsFinishedPayload = KnownPayload<'Finished User Steps'>;
export type StepFinishedPayload = KnownPayload<'Finished Step' | 'Step Submitted'>;
export type SpotCheckFinishedPayload = KnownPayload<'Finished Spot Check' | 'Finished Ongoing Check'>;
export type VerificationUpdateRequiredPayload = KnownPayload<'Verification Update Required'>;
export type KycRenewalDeadlineExceededPayload = KnownPayload<'KYC Renewal Deadline Exceeded'>;
export type ManualReviewPayload =
  | ManuallyReviewedPayload
  | (UpdatedJourneyPayload & { readonly body: { readonly action: typeof MANUAL_REVIEW_ACTION } });
