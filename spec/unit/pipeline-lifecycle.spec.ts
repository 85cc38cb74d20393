import { describe, expect, it, vi } from 'vitest';
import { createPipeline, MemoryDedupeStore, type DedupeStore } from '../../lib/index.js';
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
    expect(await store.claim(payload.body.eventId!, 60_000)).toEqual({ state: 'done' });
  });
});

describe('the answers pipeline.handle() gives', () => {
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

describe('what listeners and stores may answer with', () => {
  it('accepts a lone listener that returns a plain value or a thenable, and fails one whose thenable rejects or throws', async () => {
    const cases: [string, () => unknown, number][] = [
      ['a plain value', () => 'ignored', 200],
      ['a thenable that resolves', () => ({ then: (resolve: (value: unknown) => void) => resolve('done') }), 200],
      [
        'a thenable that rejects',
        () => ({ then: (_: unknown, reject: (reason: unknown) => void) => reject(new Error('no')) }),
        500,
      ],
      [
        'a thenable whose then throws',
        () => ({
          then: () => {
            throw new Error('broken then');
          },
        }),
        500,
      ],
    ];
    for (const [what, listener, status] of cases) {
      const pipeline = createPipeline({ auth: AUTH, logger: new RecordingLogger() });
      pipeline.events.on('journeyCompleted', listener);
      pipeline.events.on('handlerError', () => {});
      expect((await handle(pipeline, buildEvent('Finished Journey'))).status, what).toBe(status);
    }
  });

  it('takes a custom store that answers with plain values, and fails one that throws instead of rejecting', async () => {
    const plain = {
      claim: () => ({ state: 'claimed' as const, token: 't' }),
      complete: () => undefined,
      release: () => undefined,
    };
    const ok = createPipeline({ auth: AUTH, store: plain as never, logger: new RecordingLogger() });
    ok.events.on('journeyCompleted', async () => {});
    expect((await handle(ok, buildEvent('Finished Journey'))).status).toBe(200);
    const throwing = {
      ...plain,
      claim: () => {
        throw new Error('not connected');
      },
    };
    const failed = createPipeline({ auth: AUTH, store: throwing as never, logger: new RecordingLogger() });
    expect(await handle(failed, buildEvent('Finished Journey'))).toMatchObject({
      status: 503,
      body: { error: 'store_unavailable' },
    });
  });
});

describe('the memory store, called through the same guard as any store', () => {
  const delivered = async (store: DedupeStore) => {
    const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger() });
    pipeline.events.on('journeyCompleted', async () => {});
    const event = buildEvent('Finished Journey');
    return [(await handle(pipeline, event)).body, (await handle(pipeline, event)).body];
  };

  it('still calls a method a subclass overrides, and dedupes through it', async () => {
    const calls: string[] = [];
    class Counting extends MemoryDedupeStore {
      override claim(key: string, leaseMs: number) {
        calls.push('claim');
        return super.claim(key, leaseMs);
      }
      override complete(key: string, token: string, retentionMs: number) {
        calls.push('complete');
        return super.complete(key, token, retentionMs);
      }
    }
    expect(await delivered(new Counting())).toEqual([{ status: 'processed' }, { status: 'duplicate' }]);
    expect(calls).toEqual(['claim', 'complete', 'claim']);
  });

  it('still calls a method a test spy replaced after the pipeline was built', async () => {
    const store = new MemoryDedupeStore();
    const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger() });
    pipeline.events.on('journeyCompleted', async () => {});
    const claim = vi.spyOn(store, 'claim').mockResolvedValue({ state: 'in_flight' });
    try {
      expect(await handle(pipeline, buildEvent('Finished Journey'))).toMatchObject({ status: 409 });
      expect(claim).toHaveBeenCalledTimes(1);
    } finally {
      claim.mockRestore();
    }
    expect(await handle(pipeline, buildEvent('Finished Journey'))).toMatchObject({ status: 200 });
  });

  it('treats a Proxy of one as a store of its own: called as written, so its failure is a store failure', async () => {
    // The class's methods read private fields, which a Proxy does not forward: every call throws.
    const store = new Proxy(new MemoryDedupeStore(), { get: Reflect.get });
    const rejecting = createPipeline({ auth: AUTH, store, logger: new RecordingLogger() });
    expect(await handle(rejecting, buildEvent('Finished Journey'))).toMatchObject({ status: 503 });
    const processing = createPipeline({ auth: AUTH, store, storeFailure: 'process', logger: new RecordingLogger() });
    let heard = 0;
    processing.events.on('journeyCompleted', () => void (heard += 1));
    expect(await handle(processing, buildEvent('Finished Journey'))).toMatchObject({ status: 200 });
    expect(heard).toBe(1);
  });

  it('answers 503 when its claim throws, as for any failing store', async () => {
    let broken = false;
    const store = new MemoryDedupeStore({
      now: () => {
        if (broken) throw new Error('clock broken');
        return 0;
      },
    });
    broken = true;
    const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger() });
    expect(await handle(pipeline, buildEvent('Finished Journey'))).toMatchObject({
      status: 503,
      body: { error: 'store_unavailable' },
    });
  });
});

describe('a store whose promise has a then of its own', () => {
  // Promise.resolve() passes a native promise as it is, own `then` and all.
  const oddPromise = <T>(value: T) =>
    Object.assign(Promise.resolve(value), {
      then: () => {
        throw new Error('odd then');
      },
    });

  it('is a failing store when its claim answers with one: 503, nothing thrown', async () => {
    const store: DedupeStore = {
      claim: () => oddPromise({ state: 'claimed' as const, token: 't' }),
      complete: async () => {},
      release: async () => {},
    };
    const pipeline = createPipeline({ auth: AUTH, store, logger: new RecordingLogger() });
    expect(await handle(pipeline, buildEvent('Finished Journey'))).toMatchObject({ status: 503 });
  });

  it('still answers 200 when only its completion answers with one, and logs it', async () => {
    const store: DedupeStore = {
      claim: async () => ({ state: 'claimed' as const, token: 't' }),
      complete: () => oddPromise(undefined),
      release: async () => {},
    };
    const logger = new RecordingLogger();
    const pipeline = createPipeline({ auth: AUTH, store, logger });
    pipeline.events.on('journeyCompleted', () => {});
    expect(await handle(pipeline, buildEvent('Finished Journey'))).toMatchObject({ status: 200 });
    expect(logger.at('error').map((entry) => entry.message)).toContain(
      'could not mark the event done; a later retry may run it again',
    );
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
