import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { heldListener } from '../support/held-listener.js';
import { startApp } from '../support/http.js';
import { ScriptedStore } from '../support/scripted-store.js';

describe('dedupe states over HTTP', () => {
  it('answers 200 {"status":"processed"} once every listener succeeded, and marks the event done', async () => {
    const app = await startApp();
    const heard = app.record('journeyCompleted');

    const res = await app.post(buildEvent('Finished Journey'));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'processed' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(heard).toHaveLength(1);
    expect(app.store.calls.map((c) => c.operation)).toEqual(['claim', 'complete']);
  });

  it('answers 200 {"status":"duplicate"} to a redelivery of a handled eventId and runs no listener', async () => {
    const app = await startApp();
    const heard = app.record('journeyCompleted', 'webhook');
    const payload = buildEvent('Finished Journey');
    await app.post(payload);

    const again = await app.post(payload);

    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate' });
    expect(heard).toHaveLength(2); // journeyCompleted and webhook, both from the first delivery
  });

  it('answers 500 handler_failed when a listener fails, and releases the claim so the retry runs the listeners again', async () => {
    const app = await startApp();
    let attempts = 0;
    app.events.on('journeyCompleted', async () => {
      if (++attempts === 1) throw new Error('database briefly down');
    });
    const payload = buildEvent('Finished Journey');

    const first = await app.post(payload);
    const retry = await app.post(payload);

    expect(first.status).toBe(500);
    expect(first.body).toEqual({ error: 'handler_failed' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ status: 'processed' });
    expect(attempts).toBe(2);
    expect(app.store.calls.map((c) => c.operation)).toEqual(['claim', 'release', 'claim', 'complete']);
  });

  it('answers 409 with Retry-After while the same eventId is still being handled, never a 2xx', async () => {
    const app = await startApp({ options: { leaseMs: 30_000, handlerTimeoutMs: 10_000 } });
    const held = heldListener();
    app.events.on('journeyCompleted', held.listener);
    const payload = buildEvent('Finished Journey');
    const first = app.post(payload);
    const running = await held.call(0);

    const concurrent = await app.post(payload);
    running.finish();

    expect(concurrent.status).toBe(409);
    expect(concurrent.headers['retry-after']).toBe('30');
    expect(concurrent.body).toEqual({ error: 'in_flight' });
    expect((await first).status).toBe(200);
    expect((await app.post(payload)).body).toEqual({ status: 'duplicate' });
    expect(held.count).toBe(1);
  });

  it('dedupes a seed-era Finished Journey without eventId by a hash of its content, whatever its key order', async () => {
    const app = await startApp();
    const heard = app.record('journeyCompleted');
    const seed = buildEvent('Finished Journey', { body: { eventId: undefined, finalDecision: 'Complete' } });
    const { journeyId, systemDecision, finalDecision } = seed.body;
    const reordered = JSON.stringify({ body: { finalDecision, systemDecision, journeyId }, event: seed.event });
    const other = buildEvent('Finished Journey', { body: { eventId: undefined } });

    const first = await app.post({ event: seed.event, body: { journeyId, systemDecision, finalDecision } });
    const retry = await app.post(reordered);
    const different = await app.post(other);

    expect([first.body, retry.body, different.body]).toEqual([
      { status: 'processed' },
      { status: 'duplicate' },
      { status: 'processed' },
    ]);
    expect(heard.map((h) => h.ctx?.dedupeKey)).toEqual([
      expect.stringMatching(/^sha256-[0-9a-f]{64}$/),
      expect.stringMatching(/^sha256-[0-9a-f]{64}$/),
    ]);
  });
});

describe('listeners still running when handlerTimeoutMs passes', () => {
  // Real time, kept short: the listener is held until the test lets it go, so only the 503 waits.
  const options = { handlerTimeoutMs: 100, leaseMs: 20_000 };

  async function timedOut() {
    const app = await startApp({ options });
    const held = heldListener();
    app.events.on('journeyCompleted', held.listener);
    const payload = buildEvent('Finished Journey');
    const answer = await app.post(payload);
    return { app, held, payload, answer, late: await held.call(0) };
  }

  it('aborts ctx.signal and answers 503 with Retry-After, keeping the claim while they run', async () => {
    const { app, payload, answer, late } = await timedOut();

    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: 'handler_timeout' });
    expect(answer.headers['retry-after']).toBe('20');
    expect(late.ctx.signal.aborted).toBe(true);
    expect((await app.post(payload)).status).toBe(409);
    late.finish();
  });

  it('completes the claim when they then succeed, so the retry is a duplicate', async () => {
    const { app, held, payload, late } = await timedOut();
    const completed = app.store.after('complete');

    late.finish();
    await completed;

    expect((await app.post(payload)).body).toEqual({ status: 'duplicate' });
    expect(held.count).toBe(1);
  });

  it('releases the claim when they then fail, so the retry runs the listeners again', async () => {
    const { app, held, payload, late } = await timedOut();
    const released = app.store.after('release');

    late.fail();
    await released;
    const retry = app.post(payload);
    (await held.call(1)).finish();

    expect((await retry).body).toEqual({ status: 'processed' });
  });
});

describe('a dedupe store that throws or times out', () => {
  const faults = [
    { fault: 'throw', how: 'throws' },
    { fault: 'hang', how: 'outlives storeTimeoutMs' },
  ] as const;

  it.each(faults)(
    "answers 503 with Retry-After and runs no listener when claim $how under storeFailure: 'reject'",
    async ({ fault }) => {
      const app = await startApp({ options: { store: new ScriptedStore({ claim: fault }), storeTimeoutMs: 50 } });
      const heard = app.record('journeyCompleted', 'webhook');

      const res = await app.post(buildEvent('Finished Journey'));

      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'store_unavailable' });
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(heard).toEqual([]);
      expect(app.logger.at('error').map((e) => e.message)).toEqual([expect.stringMatching(/dedupe store failed/)]);
    },
  );

  it.each(faults)(
    "runs the listeners without dedupe and logs a warning when claim $how under storeFailure: 'process'",
    async ({ fault }) => {
      const store = new ScriptedStore({ claim: fault });
      const app = await startApp({ options: { store, storeTimeoutMs: 50, storeFailure: 'process' } });
      const heard = app.record('journeyCompleted');
      const payload = buildEvent('Finished Journey');

      const first = await app.post(payload);
      const again = await app.post(payload);

      expect([first.status, again.status]).toEqual([200, 200]);
      expect(first.body).toEqual({ status: 'processed' });
      expect(heard.map((h) => h.ctx?.deduplicated)).toEqual([false, false]);
      expect(app.logger.at('warn').map((e) => e.message)).toContain(
        'dedupe store failed; running listeners without dedupe',
      );
      expect(store.calls.map((c) => c.operation)).toEqual(['claim', 'claim']);
    },
  );

  it('still answers 200 when the listeners succeeded but marking the event done fails, and logs it', async () => {
    const app = await startApp({ options: { store: new ScriptedStore({ complete: 'throw' }) } });
    const heard = app.record('journeyCompleted');

    const res = await app.post(buildEvent('Finished Journey'));

    expect(res.body).toEqual({ status: 'processed' });
    expect(heard).toHaveLength(1);
    expect(app.logger.at('error').map((e) => e.message)).toEqual([
      expect.stringMatching(/could not mark the event done/),
    ]);
  });
});

describe('the 200 and the completion', () => {
  it('answers 200 processed only once the store has recorded the event done', async () => {
    const store = new ScriptedStore();
    const recordCompletion = store.hold('complete');
    const app = await startApp({ options: { store } });
    const payload = buildEvent('Finished Journey');

    let answered = false;
    const res = app.post(payload).then((answer) => ((answered = true), answer));
    await expect.poll(() => store.calls.map((c) => c.operation)).toEqual(['claim', 'complete']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);

    recordCompletion();
    expect((await res).body).toEqual({ status: 'processed' });
    expect(await store.inner.claim(payload.body.eventId!, 60_000)).toEqual({ state: 'done' });
  });

  it('answers a redelivery sent the moment the 200 arrives with duplicate, never 409', async () => {
    const app = await startApp();
    const heard = app.record('journeyCompleted');
    for (let i = 0; i < 20; i++) {
      const payload = buildEvent('Finished Journey');
      expect((await app.post(payload)).body).toEqual({ status: 'processed' });
      expect(await app.post(payload)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    }
    expect(heard).toHaveLength(20);
  });

  it('claims a redelivery as usual once a failed completion is over: the claim still held answers 409', async () => {
    const store = new ScriptedStore({ complete: 'throw' });
    const app = await startApp({ options: { store } });
    const payload = buildEvent('Finished Journey');
    expect((await app.post(payload)).body).toEqual({ status: 'processed' });

    const again = await app.post(payload);

    expect(again.status).toBe(409);
    expect(app.logger.at('error').map((e) => e.message)).toEqual([
      expect.stringMatching(/could not mark the event done/),
    ]);
  });
});
