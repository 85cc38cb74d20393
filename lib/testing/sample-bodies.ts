/**
 * One realistic body per known IDWise event, shaped like the examples in IDWise's documentation.
 * Ids are filled in fresh by `buildEvent`.
 */
import type { KnownEventName } from '../payload/events.js';

type SampleBody = Record<string, unknown>;

export const SAMPLE_BODIES: Record<KnownEventName, (ids: { eventId: string; journeyId: string }) => SampleBody> = {
  'Finished Journey': (ids) => ({ ...ids, referenceNo: 'customer-ref-001', systemDecision: 'Complete' }),
  'Manually Reviewed': (ids) => ({
    ...ids,
    referenceNo: 'customer-ref-001',
    systemDecision: 'Refer',
    manualDecision: 'Approved',
    finalDecision: 'Approved',
  }),
  'Updated Journey': (ids) => ({
    ...ids,
    referenceNo: 'customer-ref-001',
    systemDecision: 'Refer',
    manualDecision: 'Approved',
    finalDecision: 'Approved',
    action: 'Manual Review',
  }),
  'AML Monitor Update': (ids) => ({
    ...ids,
    referenceNo: 'customer-ref-001',
    systemDecision: 'Refer',
    previousSystemDecision: 'Complete',
    updatedAMLVersionNumber: 2,
  }),
  'AML Monior Update': (ids) => ({
    ...ids,
    referenceNo: 'customer-ref-001',
    systemDecision: 'Refer',
    previousSystemDecision: 'Complete',
    updatedAMLVersionNumber: 2,
  }),
  'Finished User Steps': (ids) => ({ ...ids, referenceNo: 'customer-ref-001', systemDecision: 'Incomplete' }),
  'Finished Step': (ids) => ({ ...ids, referenceNo: 'customer-ref-001', stepId: '0', stepType: 'Document' }),
  // The legacy step webhook carries no eventId.
  'Step Submitted': ({ journeyId }) => ({ journeyId, stepId: '0', stepType: 'Document' }),
  // A spot check is its own journey: no journeyId.
  'Finished Spot Check': ({ eventId, journeyId }) => ({
    eventId,
    spotCheckJourneyId: journeyId,
    systemDecision: 'Complete',
  }),
  'Finished Ongoing Check': ({ eventId, journeyId }) => ({
    eventId,
    ongoingCheckId: journeyId,
    systemDecision: 'Complete',
  }),
  'Verification Update Required': (ids) => ({
    ...ids,
    referenceNo: 'customer-ref-001',
    systemDecision: 'Complete',
    manualDecision: null,
    finalDecision: 'Complete',
    trigger: 'KYC Renewal',
    requiredSteps: [{ stepId: '0', reasonCode: 'DOCUMENT_EXPIRED' }],
  }),
  'KYC Renewal Deadline Exceeded': (ids) => ({
    ...ids,
    referenceNo: 'customer-ref-001',
    requiredSteps: [{ stepId: '0', renewalDeadline: '2026-12-31T23:59:59Z' }],
  }),
};
