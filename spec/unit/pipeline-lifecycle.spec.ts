import { describe, expect, it, vi } from 'vitest';
import { createPipeline, MemoryDedupeStore } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { AUTH, handle } from '../support/fixtures.js';
import { nextTurn } from '../support/deferred.js';
import { heldListener } from '../support/held-listener.js';
import { RecordingLogger } from '../support/recording-logger.js';

const setup = (options: { handlerTimeoutMs?: number } = {}) => {
  const store = new MemoryDedupeStore();
  const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger(), ...options });
  const held = heldListener();
  pipeline.events.on('journeyCompleted', held.listener);
  return { store, pipeline, held };
};

describe('pipeline.close()', () => {
  it('answers every caller, and only once the delivery in flight has finished', async () => {
    const { pipeline, held } = setup();
    const answer = handle(pipeline, buildEvent('Finished Journey'));
    const running = await held.call(0);
    const closed: string[] = [];
    const first = pipeline.close().then(() => closed.push('first'));
    const second = pipeline.close().then(() => closed.push('second'));
    await nextTurn();
    expect(closed).toEqual([]);
    running.finish();
    await Promise.all([first, second]);
    expect(closed.sort()).toEqual(['first', 'second']);
    expect((await answer).body).toEqual({ status: 'processed' });
  });

  it('waits for listeners that outlived handlerTimeoutMs, and for their store update', async () => {
    const { store, pipeline, held } = setup({ handlerTimeoutMs: 20 });
    const payload = buildEvent('Finished Journey');
    const answer = await handle(pipeline, payload);
    expect(answer.status).toBe(503);
    const late = await held.call(0);
    let closed = false;
    const closing = pipeline.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);
    late.finish();
    await closing;
    // The late success was recorded: the event is done, so a retry would be a duplicate.
    expect(await store.claim(`eventId:${payload.body.eventId}`, 60_000)).toEqual({ state: 'done' });
  });
});

describe('the answers pipeline.handle() gives', () => {
  it('reuses one frozen answer for each outcome that carries nothing of the delivery', async () => {
    const { pipeline, held } = setup();
    held.call(0).then((call) => call.finish());
    held.call(1).then((call) => call.finish());
    const first = await handle(pipeline, buildEvent('Finished Journey'));
    const second = await handle(pipeline, buildEvent('Finished Journey'));
    expect(first).toEqual({ status: 200, headers: {}, body: { status: 'processed' } });
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.body) && Object.isFrozen(first.headers)).toBe(true);
  });

  it("builds a fresh answer for a refusal that names the delivery's own problems", async () => {
    const { pipeline } = setup();
    const first = await handle(pipeline, { event: 'Finished Journey' });
    const second = await handle(pipeline, { event: 'Finished Journey', body: 'nope' });
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second).not.toBe(first);
    expect(first.body.details).not.toEqual(second.body.details);
  });
});

describe('timers on the hot path', () => {
  it('arms none for a delivery whose store and listener settle at once', async () => {
    const store = new MemoryDedupeStore();
    const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger() });
    pipeline.events.on('journeyCompleted', async () => {});
    const armed = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (let i = 0; i < 20; i++) expect((await handle(pipeline, buildEvent('Finished Journey'))).status).toBe(200);
      // The body was already parsed, the memory store answers at once, the listener returns at once:
      // nothing was pending long enough to need a deadline.
      expect(armed).not.toHaveBeenCalled();
    } finally {
      armed.mockRestore();
    }
  });
});

describe('failures that cannot be described', () => {
  // String() throws for both: the report of the failure must not itself fail.
  const unprintable = () => [
    Object.create(null) as object,
    {
      toString: () => {
        throw new Error('no');
      },
    },
  ];

  it('answers 500 and reports an Error when a listener throws a value that has no string form', async () => {
    for (const thrown of unprintable()) {
      const pipeline = createPipeline({ auth: AUTH, logger: new RecordingLogger() });
      pipeline.events.on('journeyCompleted', () => {
        throw thrown;
      });
      const reported: unknown[] = [];
      pipeline.events.on('handlerError', (error) => void reported.push(error));
      const answer = await handle(pipeline, buildEvent('Finished Journey'));
      expect(answer).toMatchObject({ status: 500, body: { error: 'handler_failed' } });
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBeInstanceOf(Error);
    }
  });

  it('answers 503 at once when a store rejects with such a value', async () => {
    for (const thrown of unprintable()) {
      const store = {
        claim: () => Promise.reject(thrown),
        complete: async () => {},
        release: async () => {},
      };
      const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger(), storeTimeoutMs: 60_000 });
      const answer = await handle(pipeline, buildEvent('Finished Journey'));
      expect(answer).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
    }
  });
});
