import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { IdwiseEventName, KnownEventName } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { DELIVERY_EVENTS } from '../support/fixtures.js';
import { startApp } from '../support/http.js';

const ALL_EVENTS = DELIVERY_EVENTS;

/** Posts `payload` and returns the emitter events it fired, in order. */
async function emittedFor(payload: unknown) {
  const app = await startApp();
  const heard = app.record(...ALL_EVENTS);
  const res = await app.post(payload);
  expect(res.body).toEqual({ status: 'processed' });
  return { names: heard.map((h) => h.name), heard };
}

describe('routing IDWise events to emitter events', () => {
  // The table of the issue, written out here rather than read from the package's own table.
  const table: [KnownEventName, IdwiseEventName][] = [
    ['Finished Journey', 'journeyCompleted'],
    ['Manually Reviewed', 'manualReview'],
    ['AML Monitor Update', 'amlUpdate'],
    ['AML Monior Update', 'amlUpdate'],
    ['Finished User Steps', 'userStepsFinished'],
    ['Finished Step', 'stepFinished'],
    ['Step Submitted', 'stepFinished'],
    ['Finished Spot Check', 'spotCheckFinished'],
    ['Finished Ongoing Check', 'spotCheckFinished'],
    ['Verification Update Required', 'verificationUpdateRequired'],
    ['KYC Renewal Deadline Exceeded', 'kycRenewalDeadlineExceeded'],
  ];

  it.each(table)('emits "%s" as %s, then webhook', async (event, emits) => {
    expect((await emittedFor(buildEvent(event))).names).toEqual([emits, 'webhook']);
  });

  it('emits an Updated Journey whose action is "Manual Review" as both manualReview and journeyUpdated', async () => {
    const payload = buildEvent('Updated Journey', { body: { action: 'Manual Review' } });
    expect((await emittedFor(payload)).names).toEqual(['manualReview', 'journeyUpdated', 'webhook']);
  });

  it('emits an Updated Journey with any other action only as journeyUpdated', async () => {
    const payload = buildEvent('Updated Journey', { body: { action: 'AML Amend' } });
    expect((await emittedFor(payload)).names).toEqual(['journeyUpdated', 'webhook']);
  });

  it('accepts an event name it does not know and emits it as unknownEvent and webhook', async () => {
    const payload = { event: 'Document Expired', body: { eventId: 'e-1', journeyId: 'j-1', expiresOn: '2027-01-01' } };
    const { names, heard } = await emittedFor(payload);
    expect(names).toEqual(['unknownEvent', 'webhook']);
    expect(heard[0]!.args[0]).toEqual(payload);
  });

  it('emits on an EventEmitter passed as options.events', async () => {
    const bus = new EventEmitter();
    const app = await startApp({ options: { events: bus } });
    const heard: unknown[] = [];
    bus.on('journeyCompleted', (payload) => heard.push(payload));
    const payload = buildEvent('Finished Journey');

    await app.post(payload);

    expect(app.events).toBe(bus);
    expect(heard).toEqual([payload]);
  });
});

describe('accepting what IDWise may add', () => {
  it('passes unknown fields through to listeners exactly as sent', async () => {
    const payload = buildEvent('Finished Journey', {
      deliveredBy: 'edge-7',
      body: { riskScore: 0.12, manualReviewDetails: { reviewer: 'r-1', notes: ['a', 'b'] }, nothing: null },
    });
    const { heard } = await emittedFor(payload);
    expect(heard[0]!.args[0]).toEqual(payload);
  });

  it('accepts decision and action values it does not know', async () => {
    const payload = buildEvent('Updated Journey', {
      body: {
        systemDecision: 'Pending Partner Check',
        manualDecision: 'Escalated',
        finalDecision: 'Escalated',
        action: 'AML Whitelist Update',
      },
    });
    expect((await emittedFor(payload)).names).toEqual(['journeyUpdated', 'webhook']);
  });

  it('accepts a Finished Spot Check without journeyId', async () => {
    const payload = buildEvent('Finished Spot Check');
    expect(payload.body).not.toHaveProperty('journeyId');
    expect((await emittedFor(payload)).names).toEqual(['spotCheckFinished', 'webhook']);
  });

  it('accepts a numeric stepId, as the REST API spells it', async () => {
    const payload = buildEvent('Finished Step', { body: { stepId: 3 } });
    expect((await emittedFor(payload)).names).toEqual(['stepFinished', 'webhook']);
  });
});

describe('the delivery context', () => {
  it('gives listeners the dedupeKey, eventId, receivedAt and a signal not yet aborted', async () => {
    const payload = buildEvent('AML Monitor Update');
    const before = Date.now();
    const { heard } = await emittedFor(payload);
    const ctx = heard[0]!.ctx!;
    expect(ctx.dedupeKey).toBe(payload.body.eventId);
    expect(ctx.eventId).toBe(payload.body.eventId);
    expect(ctx.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.deduplicated).toBe(true);
  });
});
