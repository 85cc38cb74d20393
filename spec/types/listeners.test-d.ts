/**
 * Type-level tests: checked by `npm run typecheck`, never run. Each `@ts-expect-error` is a
 * promise that the line below it does not compile; if it ever does, tsc fails on the directive.
 */
import { expectTypeOf } from 'vitest';
import {
  idwiseWebhooks,
  KNOWN_EVENTS,
  type DeliveryContext,
  type FinalDecision,
  type IdwiseEventName,
  type IdwisePayload,
  type JourneyAction,
  type KnownEventName,
  type KnownPayload,
  type ManualDecision,
  type SystemDecision,
} from '../../lib/index.js';
import { EMITTED_EVENT_NAMES } from '../../lib/emitter.js';
import type { BodyOf } from '../../lib/payload/schemas.js';
import { buildEvent } from '../../lib/testing/index.js';

const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: ['t'] } });

// Payloads narrow per emitter event.
webhooks.events.on('amlUpdate', (payload, ctx) => {
  expectTypeOf(payload.event).toEqualTypeOf<'AML Monitor Update' | 'AML Monior Update'>();
  expectTypeOf(payload.body.updatedAMLVersionNumber).toEqualTypeOf<number | undefined>();
  expectTypeOf(payload.body.journeyId).toEqualTypeOf<string>();
  expectTypeOf(payload.body.eventId).toEqualTypeOf<string | undefined>();
  expectTypeOf(ctx).toEqualTypeOf<DeliveryContext>();
  expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
});

webhooks.events.on('journeyCompleted', (payload) => {
  expectTypeOf(payload.event).toEqualTypeOf<'Finished Journey'>();
  expectTypeOf(payload.body.referenceNo).toEqualTypeOf<string | null | undefined>();
  // A field of another event, or a misspelt one, is not part of this one.
  // @ts-expect-error updatedAMLVersionNumber belongs to amlUpdate, not journeyCompleted
  void payload.body.updatedAMLVersionNumber;
  // @ts-expect-error systemDecison is a typo of systemDecision
  void (payload.body.systemDecison === 'Complete');
  // A field IDWise adds later still arrives: read it after widening.
  expectTypeOf((payload.body as Record<string, unknown>).someNewField).toBeUnknown();
});

webhooks.events.on('manualReview', (payload) => {
  expectTypeOf(payload.event).toEqualTypeOf<'Manually Reviewed' | 'Updated Journey'>();
  if (payload.event === 'Updated Journey') expectTypeOf(payload.body.action).toEqualTypeOf<'Manual Review'>();
  expectTypeOf(payload.body.manualDecision).toEqualTypeOf<ManualDecision | null | undefined>();
});

webhooks.events.on('spotCheckFinished', (payload) => {
  // A spot check carries no journeyId on the wire.
  expectTypeOf(payload.body.journeyId).toEqualTypeOf<string | undefined>();
  if (payload.event === 'Finished Spot Check')
    expectTypeOf(payload.body.spotCheckJourneyId).toEqualTypeOf<string | undefined>();
});

webhooks.events.on('stepFinished', (payload) => {
  expectTypeOf(payload.body.stepId).toEqualTypeOf<string | number | undefined>();
});

webhooks.events.on('unknownEvent', (payload) => {
  expectTypeOf(payload.event).toEqualTypeOf<string>();
  expectTypeOf(payload.body.anything).toBeUnknown();
});

webhooks.events.on('webhook', (payload) => {
  expectTypeOf(payload).toEqualTypeOf<IdwisePayload>();
  expectTypeOf(payload.body.eventId).toEqualTypeOf<string | undefined>();
});

webhooks.events.on('handlerError', (error, payload, ctx) => {
  expectTypeOf(error).toEqualTypeOf<Error>();
  expectTypeOf(payload).toEqualTypeOf<IdwisePayload>();
  expectTypeOf(ctx.dedupeKey).toEqualTypeOf<string>();
});

// Listeners may be async.
webhooks.events.on('journeyUpdated', async (payload) => {
  expectTypeOf(payload.body.action).toEqualTypeOf<JourneyAction | undefined>();
});

// @ts-expect-error a misspelt emitter event name is a type error
webhooks.events.on('journeyComplete', () => {});
// @ts-expect-error on every method that takes a name
webhooks.events.off('manualReveiw', () => {});
// @ts-expect-error once
webhooks.events.once('amlUpdat', () => {});
// @ts-expect-error prependListener
webhooks.events.prependListener('webhok', () => {});
// @ts-expect-error listenerCount
webhooks.events.listenerCount('journeyComplet');
expectTypeOf(webhooks.events.listenerCount('webhook')).toEqualTypeOf<number>();

// A secret read from the environment is `string | undefined`: it fits, and is checked at startup.
idwiseWebhooks({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });
idwiseWebhooks({ auth: { type: 'basic', credentials: [{ username: 'idwise', password: process.env.PASSWORD }] } });

// @ts-expect-error the listener's arguments must match the event's
webhooks.events.on('journeyCompleted', (payload: { event: 'AML Monitor Update' }) => void payload);

// Decision and action fields take the known values and any other string.
const systemDecisions: SystemDecision[] = ['Complete', 'Incomplete', 'Refer', 'Rejected', 'Pending Partner Check'];
const manualDecisions: ManualDecision[] = ['Approved', 'Rejected', 'Escalated'];
const finalDecisions: FinalDecision[] = ['Approved', 'Refer', 'Something New'];
const actions: JourneyAction[] = [
  'Step Update',
  'AML Amend',
  'AML OGM Update',
  'Manual Review',
  'AML Whitelist Update',
];
void [systemDecisions, manualDecisions, finalDecisions, actions];
expectTypeOf<'Complete'>().toExtend<SystemDecision>();
expectTypeOf<SystemDecision>().toExtend<string>();
// @ts-expect-error a decision is still a string, not any value
const notADecision: SystemDecision = 42;
void notADecision;

// buildEvent returns the payload type of the event it is asked for.
expectTypeOf(buildEvent('AML Monior Update').body.updatedAMLVersionNumber).toEqualTypeOf<number | undefined>();
// @ts-expect-error buildEvent only builds events the package knows
buildEvent('Finished Jurney');

// Each event's named body interface is exactly its schema's type: no event gets another's body.
type NamedBodies = { [K in KnownEventName]: KnownPayload<K>['body'] };
type SchemaBodies = { [K in KnownEventName]: BodyOf<(typeof KNOWN_EVENTS)[K]['body']> };
expectTypeOf<NamedBodies>().toEqualTypeOf<SchemaBodies>();

// Every emitter event is one the package's name list knows, for its warnings and suggestions.
expectTypeOf<(typeof EMITTED_EVENT_NAMES)[number]>().toEqualTypeOf<IdwiseEventName>();
