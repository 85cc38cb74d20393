import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { deferred, nextTurn } from '../support/deferred.js';
import { heldListener } from '../support/held-listener.js';
import { watchUnhandledRejections } from '../support/unhandled.js';
import { startApp } from '../support/http.js';

describe('running listeners', () => {
  it('waits for async listeners before answering', async () => {
    const app = await startApp();
    const held = heldListener();
    app.events.on('journeyCompleted', held.listener);

    const answer = app.post(buildEvent('Finished Journey'));
    const running = await held.call(0);
    await nextTurn();
    const answeredEarly = app.responses[0]!.headersSent;
    running.finish();

    expect(answeredEarly).toBe(false);
    expect((await answer).body).toEqual({ status: 'processed' });
  });

  it('runs the listeners of one delivery concurrently', async () => {
    // Each waits for the other to start: run one after the other, they would deadlock into a 503.
    const app = await startApp({ options: { handlerTimeoutMs: 5_000 } });
    const first = deferred();
    const second = deferred();
    app.events.on('journeyCompleted', async () => {
      first.resolve();
      await second.promise;
    });
    app.events.on('webhook', async () => {
      second.resolve();
      await first.promise;
    });

    const res = await app.post(buildEvent('Finished Journey'));

    expect(res.status).toBe(200);
  });

  it('answers 500 and reports a rejecting listener through handlerError and the logger, after the others finished', async () => {
    const app = await startApp();
    const failure = new Error('CRM unreachable');
    const finished: string[] = [];
    app.events.on('journeyCompleted', async () => {
      await nextTurn();
      finished.push('slow sibling');
    });
    app.events.on('journeyCompleted', async () => {
      throw failure;
    });
    const reported = app.record('handlerError');
    const payload = buildEvent('Finished Journey');

    const res = await app.post(payload);

    expect(res.status).toBe(500);
    expect(finished).toEqual(['slow sibling']);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.args.slice(0, 2)).toEqual([failure, payload]);
    expect(reported[0]!.ctx?.dedupeKey).toBe(payload.body.eventId);
    expect(app.logger.at('error')).toEqual([
      expect.objectContaining({
        message: 'a listener failed; answered non-200 so IDWise retries',
        fields: expect.objectContaining({ error: 'CRM unreachable', event: 'Finished Journey' }),
      }),
    ]);
  });

  it('collects several failures into one AggregateError, a synchronous throw counted like a rejection', async () => {
    const app = await startApp();
    app.events.on('journeyCompleted', async () => {
      throw new Error('first');
    });
    app.events.on('webhook', () => {
      throw new Error('second');
    });
    const reported = app.record('handlerError');

    const res = await app.post(buildEvent('Finished Journey'));

    expect(res.status).toBe(500);
    const error = reported[0]!.args[0];
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['first', 'second']);
  });

  it('reports a lone listener that throws synchronously, or rejects with a non-Error, as an Error', async () => {
    const app = await startApp();
    app.events.on('journeyCompleted', () => {
      throw new Error('thrown at once');
    });
    app.events.on('manualReview', () => Promise.reject('a bare string'));
    const reported = app.record('handlerError');

    const thrown = await app.post(buildEvent('Finished Journey'));
    const rejected = await app.post(buildEvent('Manually Reviewed'));

    expect([thrown.status, rejected.status]).toEqual([500, 500]);
    const errors = reported.map((call) => call.args[0]);
    expect(errors.every((error) => error instanceof Error && !(error instanceof AggregateError))).toBe(true);
    expect(errors.map((error) => (error as Error).message)).toEqual(['thrown at once', 'a bare string']);
  });

  it('never leaves a listener failure unhandled, not even one from a failing handlerError listener', async () => {
    const unhandled = watchUnhandledRejections();
    const app = await startApp();
    app.events.on('journeyCompleted', () => Promise.reject(new Error('listener')));
    app.events.on('handlerError', () => Promise.reject(new Error('reporter')));

    const res = await app.post(buildEvent('Finished Journey'));
    await nextTurn();

    expect(res.status).toBe(500);
    expect(unhandled).not.toHaveBeenCalled();
    expect(app.logger.at('error').map((e) => e.message)).toContain('a handlerError listener failed');
  });

  it('answers 200 and logs a warning once per event name when nobody listens', async () => {
    const app = await startApp();

    const answers = [await app.post(buildEvent('Finished Journey')), await app.post(buildEvent('Finished Journey'))];

    expect(answers.map((a) => a.body)).toEqual([{ status: 'processed' }, { status: 'processed' }]);
    expect(app.logger.at('warn')).toEqual([
      expect.objectContaining({ fields: { event: 'Finished Journey' }, message: expect.stringMatching(/no listener/) }),
    ]);
  });
});
