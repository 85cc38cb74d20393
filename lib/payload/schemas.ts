/**
 * IDWise's wire format as TypeBox schemas: ajv validates with them and TypeScript reads the payload
 * types from them, so the two cannot drift. Lenient on purpose, since IDWise adds fields and values
 * at any time; a wrong JSON type for a known field is still refused. Data only: the build writes it
 * out as literals (scripts/precompile-schemas.mjs), so that TypeBox is not loaded at run time.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Known values for autocompletion, any other string accepted. */
type Open<Known extends string> = Known | (string & {});
const openString = <Known extends string>(description: string) =>
  Type.Unsafe<Open<Known>>({ type: 'string', description });

export type SystemDecision = Open<'Complete' | 'Incomplete' | 'Refer' | 'Rejected'>;
export type ManualDecision = Open<'Approved' | 'Rejected' | 'Resubmission Requested'>;
export type FinalDecision = SystemDecision | ManualDecision;
export type JourneyAction = Open<'Step Update' | 'AML Amend' | 'AML OGM Update' | 'Manual Review'>;

const Id = (description: string) => Type.String({ minLength: 1, description });
// Ids are opaque: IDWise shows hex, UUID and 20-character shapes, so no pattern is checked.
const eventId = Type.Optional(Id('Same on every retry of one event; the dedupe key.'));
const journeyId = Id('The journey; fetch the full result from the IDWise REST API with it.');
const referenceNo = Type.Optional(
  Type.Unsafe<string | null>({ type: ['string', 'null'], description: "The customer's own reference." }),
);
const systemDecision = Type.Optional(openString<SystemDecision>('Complete, Incomplete, Refer, Rejected, ...'));
const manualDecision = Type.Optional(
  Type.Unsafe<ManualDecision | null>({ type: ['string', 'null'], description: 'null until a reviewer decides.' }),
);
const finalDecision = Type.Optional(openString<FinalDecision>('The manual decision if any, else the system one.'));
// REST API uses numbers, webhook examples strings: accept both.
const stepId = Type.Unsafe<string | number>({ type: ['string', 'number'] });

const decisions = { systemDecision, manualDecision, finalDecision };
const journeyFields = { eventId, journeyId, referenceNo };

export const FinishedJourneyBody = Type.Object({ ...journeyFields, ...decisions });
export const ManuallyReviewedBody = Type.Object({ ...journeyFields, ...decisions });
export const UpdatedJourneyBody = Type.Object({
  ...journeyFields,
  ...decisions,
  action: Type.Optional(openString<JourneyAction>('Step Update, AML Amend, AML OGM Update, Manual Review, ...')),
  // Name seen in third-party code; passed through untouched whatever its shape.
  manualReviewDetails: Type.Optional(Type.Unknown()),
});
export const AmlMonitorUpdateBody = Type.Object({
  ...journeyFields,
  ...decisions,
  previousSystemDecision: Type.Optional(openString<SystemDecision>('The decision before this update.')),
  updatedAMLVersionNumber: Type.Optional(Type.Integer({ description: 'Grows by one per update; orders AML updates.' })),
});
export const FinishedUserStepsBody = Type.Object({ ...journeyFields, systemDecision });
// The payload page is not public: every field optional, types checked where known.
export const FinishedStepBody = Type.Object({
  eventId,
  journeyId: Type.Optional(journeyId),
  referenceNo,
  stepId: Type.Optional(stepId),
  stepType: Type.Optional(Type.String()),
});
// The legacy event has no eventId; the dedupe key then falls back to a hash of the payload.
export const StepSubmittedBody = FinishedStepBody;
// A spot check is its own journey: no journeyId on the wire.
export const FinishedSpotCheckBody = Type.Object({
  eventId,
  journeyId: Type.Optional(journeyId),
  referenceNo,
  spotCheckJourneyId: Type.Optional(Id('The spot-check journey.')),
  systemDecision,
});
export const FinishedOngoingCheckBody = Type.Object({
  eventId,
  journeyId: Type.Optional(journeyId),
  referenceNo,
  ongoingCheckId: Type.Optional(Id('The ongoing check.')),
  systemDecision,
});
export const VerificationUpdateRequiredBody = Type.Object({
  ...journeyFields,
  ...decisions,
  trigger: Type.Optional(openString<'KYC Renewal' | 'Manual Review'>('Why the user must resubmit.')),
  requiredSteps: Type.Optional(
    Type.Array(Type.Object({ stepId: Type.Optional(stepId), reasonCode: Type.Optional(Type.String()) })),
  ),
});
export const KycRenewalDeadlineExceededBody = Type.Object({
  ...journeyFields,
  requiredSteps: Type.Optional(
    Type.Array(
      Type.Object({
        stepId: Type.Optional(stepId),
        renewalDeadline: Type.Optional(Type.String({ description: 'ISO-8601 UTC.' })),
      }),
    ),
  ),
});
/** Any event this package does not know yet: only the envelope is checked. */
export const UnknownEventBody = Type.Object({ eventId });

/**
 * A known event's body lists its fields and nothing else, so a misspelt field is a compile error.
 * A field IDWise adds later still arrives: `(payload.body as Record<string, unknown>).newField`.
 */
export type BodyOf<S extends TSchema> = Static<S>;

/** An event this version does not know: any field may be there, typed as unknown. */
export type OpenBodyOf<S extends TSchema> = Static<S> & { readonly [field: string]: unknown };
