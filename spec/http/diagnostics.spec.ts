/**
 * What the package publishes on node:diagnostics_channel, as a subscriber sees it by the channels'
 * public names: one `idwise-webhooks:delivery` trace per request it answers, one
 * `idwise-webhooks:store` trace per store call, the same on every face (Express, node:http, fetch, Fastify);
 * nothing while nobody subscribes; and no answer changed by a subscriber, even one that throws.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import diagnostics_channel, { type TracingChannel } from 'node:diagnostics_channel';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { DeliveryTrace, StoreTrace } from '../../lib/diagnostics.js';
import { deliveryChannel, storeChannel } from '../../lib/trace-channels.js';
import { IdwiseEventEmitter, type FinishedJourneyPayload } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { heldListener } from '../support/held-listener.js';
import { FACES, startApp, type AppSetup, type TestApp } from '../support/http.js';
import { ScriptedStore } from '../support/scripted-store.js';

type Published = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

interface Traced<C> {
  context: C & { result?: unknown; error?: unknown };
  published: Published[];
}

// By their public names, as users subscribe; the package's own objects only where a test spies on them.
const channels = {
  delivery: diagnostics_channel.tracingChannel<unknown, DeliveryTrace>('idwise-webhooks:delivery'),
  store: diagnostics_channel.tracingChannel<unknown, StoreTrace>('idwise-webhooks:store'),
};

/** Subscribes to every event of a tracing channel until the test ends; one entry per trace. */
function watch<C extends object>(channel: TracingChannel<unknown, C>): Traced<C>[] {
  const traces: Traced<C>[] = [];
  const on = (event: Published) => (context: C) => {
    if (event === 'start') traces.push({ context, published: [] });
    traces.find((t) => t.context === context)?.published.push(event);
  };
  const subscribers = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  };
  channel.subscribe(subscribers);
  onTestFinished(() => void channel.unsubscribe(subscribers));
  return traces;
}

const watchDeliveries = () => watch(channels.delivery);
const watchStore = () => watch(channels.store);

/** The delivery context's own fields (toEqual counts one left undefined as absent). */
const fieldsOf = ({ status, outcome, event, eventId, dedupeKey }: DeliveryTrace) => ({
  status,
  outcome,
  event,
  eventId,
  dedupeKey,
});

const storeCalls = (traces: Traced<StoreTrace>[]) => traces.map((t) => `${t.context.operation} ${t.context.outcome}`);

const answered = async (traces: Traced<DeliveryTrace>[], count: number) =>
  vi.waitFor(() => expect(traces.filter((t) => t.published.includes('asyncEnd'))).toHaveLength(count));

const FAILS = () => {
  throw new Error('listener failed on purpose');
};

interface OutcomeCase {
  outcome: string;
  status: number;
  options?: AppSetup['options'];
  /** Makes the deliveries; `checked` (default: the last to start) is the one whose context is compared. */
  act(app: TestApp, payload: FinishedJourneyPayload, deliveries: Traced<DeliveryTrace>[]): Promise<unknown>;
  checked?: number;
  /** Whether the checked delivery got as far as a valid payload (its event, eventId and dedupeKey known), or only its event name. */
  known: boolean | 'event';
  /** Every store call the deliveries made, as `operation outcome`. */
  store: string[];
}

/** One case per answer of the README's status-code table. */
const OUTCOMES: OutcomeCase[] = [
  {
    outcome: 'processed',
    status: 200,
    act: (app, p) => app.post(p),
    known: true,
    store: ['claim claimed', 'complete ok'],
  },
  {
    outcome: 'duplicate',
    status: 200,
    act: async (app, p) => [await app.post(p), await app.post(p)],
    known: true,
    store: ['claim claimed', 'complete ok', 'claim done'],
  },
  { outcome: 'invalid_json', status: 400, act: (app) => app.post('{"event":'), known: false, store: [] },
  {
    outcome: 'invalid_payload',
    status: 400,
    act: (app, p) => app.post({ ...p, body: { ...p.body, journeyId: 42 } }),
    // The event name is read even from a payload that fails its schema, so an alert can name it.
    known: 'event',
    store: [],
  },
  {
    outcome: 'invalid_body',
    status: 400,
    // The connection drops halfway through the body: nobody reads this answer, but it is traced.
    act: async (app, _p, deliveries) => {
      const cut = app.post('{"event":', { headers: { 'Content-Length': '500' } }).catch(() => undefined);
      await vi.waitFor(() => expect(deliveries).toHaveLength(1));
      app.responses[0]!.socket!.destroy();
      await cut;
    },
    known: false,
    store: [],
  },
  {
    outcome: 'body_timeout',
    status: 400,
    options: { bodyTimeoutMs: 100 },
    act: (app) => app.post('{"event":', { headers: { 'Content-Length': '500' } }),
    known: false,
    store: [],
  },
  { outcome: 'unauthorized', status: 401, act: (app, p) => app.post(p, { anonymous: true }), known: false, store: [] },
  {
    outcome: 'forbidden',
    status: 403,
    options: { allowedIps: ['203.0.113.0/24'] },
    act: (app, p) => app.post(p),
    known: false,
    store: [],
  },
  { outcome: 'method_not_allowed', status: 405, act: (app) => app.send('get'), known: false, store: [] },
  {
    outcome: 'in_flight',
    status: 409,
    act: async (app, p) => {
      const held = heldListener();
      app.events.on('journeyCompleted', held.listener);
      const first = app.post(p);
      const running = await held.call(0);
      await app.post(p);
      running.finish();
      await first;
    },
    checked: 1,
    known: true,
    store: ['claim claimed', 'claim in_flight', 'complete ok'],
  },
  {
    outcome: 'payload_too_large',
    status: 413,
    options: { limit: 1_024 },
    act: (app, p) => app.post({ ...p, body: { ...p.body, pad: 'x'.repeat(2_000) } }),
    known: false,
    store: [],
  },
  {
    outcome: 'unsupported_media_type',
    status: 415,
    act: (app, p) => app.post(JSON.stringify(p), { headers: { 'Content-Type': 'text/plain' } }),
    known: false,
    store: [],
  },
  {
    outcome: 'handler_failed',
    status: 500,
    act: (app, p) => {
      app.events.on('journeyCompleted', FAILS);
      return app.post(p);
    },
    known: true,
    store: ['claim claimed', 'release ok'],
  },
  {
    outcome: 'handler_timeout',
    status: 503,
    options: { handlerTimeoutMs: 100 },
    // The claim settles after the answer, when the listener does: that store call is traced too.
    act: async (app, p) => {
      const held = heldListener();
      app.events.on('journeyCompleted', held.listener);
      await app.post(p);
      const completed = app.store.after('complete');
      (await held.call(0)).finish();
      await completed;
    },
    known: true,
    store: ['claim claimed', 'complete ok'],
  },
  {
    outcome: 'store_unavailable',
    status: 503,
    options: { store: new ScriptedStore({ claim: 'throw' }) },
    act: (app, p) => app.post(p),
    known: true,
    store: ['claim failed'],
  },
  {
    outcome: 'shutting_down',
    status: 503,
    act: async (app, p) => {
      await app.close();
      return app.post(p);
    },
    known: false,
    store: [],
  },
];

describe.each(FACES)('the delivery channel, on the %s face', (face) => {
  it.each(OUTCOMES)(
    'traces a delivery answered $status $outcome: start, end, asyncStart, asyncEnd, with the answer in its context',
    async ({ outcome, status, options, act, checked, known, store }) => {
      const deliveries = watchDeliveries();
      const stores = watchStore();
      const app = await startApp({ face, options });
      const payload = buildEvent('Finished Journey');

      await act(app, payload, deliveries);
      await answered(deliveries, checked === undefined ? deliveries.length : checked + 1);

      const trace = deliveries[checked ?? deliveries.length - 1]!;
      const { eventId } = payload.body;
      expect(trace.published).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(fieldsOf(trace.context)).toEqual({
        status,
        outcome,
        ...(known === true && { event: 'Finished Journey', eventId, dedupeKey: eventId }),
        ...(known === 'event' && { event: 'Finished Journey' }),
      });
      expect(trace.context.result).toMatchObject({ status });
      expect(trace.context.error).toBeUndefined();
      // A store call's trace ends a few turns after the store answered.
      await vi.waitFor(() => expect(storeCalls(stores)).toEqual(store));
    },
  );

  it('traces each request it answers, once, and nothing for a request it passes on or answers 404', async () => {
    const deliveries = watchDeliveries();
    const app = await startApp({ face });
    const payload = buildEvent('Finished Journey');

    await app.post(payload, { path: '/elsewhere' });
    await app.post(payload);
    await app.post(payload);

    expect(deliveries.map((t) => t.context.outcome)).toEqual(['processed', 'duplicate']);
  });

  it('starts a trace with nothing known yet, and publishes error only when the package itself fails', async () => {
    const deliveries = watchDeliveries();
    const atStart: DeliveryTrace[] = [];
    const onStart = (context: unknown) => void atStart.push({ ...(context as DeliveryTrace) });
    channels.delivery.start.subscribe(onStart);
    onTestFinished(() => void channels.delivery.start.unsubscribe(onStart));
    // An emitter that throws where the pipeline reads its listeners: a failure of the package, not of a listener.
    const broken = new (class extends IdwiseEventEmitter {
      override rawListeners(): never {
        throw new Error('the package failed on purpose');
      }
    })();
    const app = await startApp({ face, options: { events: broken } });

    const res = await app.post(buildEvent('Finished Journey'));

    expect(res.status).toBe(500);
    expect(atStart).toEqual([{}]);
    const [trace] = deliveries;
    expect(trace!.published).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(trace!.context.error).toMatchObject({ message: 'the package failed on purpose' });
    expect(trace!.context.status).toBeUndefined();
    expect(trace!.context.outcome).toBeUndefined();
  });
});

describe.each(FACES)('the store channel, on the %s face', (face) => {
  it('traces a claim then a complete for a processed delivery, each with its key, outcome and the store’s answer', async () => {
    const stores = watchStore();
    const app = await startApp({ face });
    const payload = buildEvent('Finished Journey');
    const key = payload.body.eventId;

    await app.post(payload);

    expect(stores.map((t) => t.published)).toEqual([
      ['start', 'end', 'asyncStart', 'asyncEnd'],
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    ]);
    expect(stores.map((t) => t.context)).toEqual([
      {
        operation: 'claim',
        dedupeKey: key,
        outcome: 'claimed',
        result: { state: 'claimed', token: expect.any(String) },
      },
      { operation: 'complete', dedupeKey: key, outcome: 'ok', result: undefined },
    ]);
  });

  it('traces a claim answered done for a duplicate, and a release after a failing listener', async () => {
    const stores = watchStore();
    const app = await startApp({ face });
    let attempts = 0;
    app.events.on('journeyCompleted', () => {
      if (++attempts === 1) throw new Error('first attempt fails');
    });
    const payload = buildEvent('Finished Journey');

    const answers = [await app.post(payload), await app.post(payload), await app.post(payload)];

    expect(answers.map((a) => a.status)).toEqual([500, 200, 200]);
    expect(storeCalls(stores)).toEqual(['claim claimed', 'release ok', 'claim claimed', 'complete ok', 'claim done']);
  });

  it('ends the trace of a store call that outlives storeTimeoutMs as timed_out, with the timeout as its error', async () => {
    const deliveries = watchDeliveries();
    const stores = watchStore();
    const app = await startApp({ face, options: { store: new ScriptedStore({ claim: 'hang' }), storeTimeoutMs: 50 } });

    await app.post(buildEvent('Finished Journey'));

    expect(deliveries.map((t) => t.context.outcome)).toEqual(['store_unavailable']);
    await vi.waitFor(() => expect(storeCalls(stores)).toEqual(['claim timed_out']));
    expect(stores[0]!.published).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(stores[0]!.context.error).toMatchObject({ message: expect.stringMatching(/longer than storeTimeoutMs/) });
  });

  it.each([
    ['claim', 'store_unavailable', ['claim failed']],
    ['complete', 'processed', ['claim claimed', 'complete failed']],
    ['release', 'handler_failed', ['claim claimed', 'release failed']],
  ] as const)(
    'traces a %s the store rejects as failed, publishing error with what it threw (the delivery: %s)',
    async (operation, outcome, calls) => {
      const deliveries = watchDeliveries();
      const stores = watchStore();
      const app = await startApp({ face, options: { store: new ScriptedStore({ [operation]: 'throw' }) } });
      if (operation === 'release') app.events.on('journeyCompleted', FAILS);

      await app.post(buildEvent('Finished Journey'));

      expect(deliveries.map((t) => t.context.outcome)).toEqual([outcome]);
      expect(storeCalls(stores)).toEqual(calls);
      const failed = stores.at(-1)!;
      expect(failed.published).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(failed.context.error).toMatchObject({
        message: `store.${operation} failed on purpose (connection refused)`,
      });
    },
  );

  it("lets a store trace find its delivery through an AsyncLocalStorage bound to the delivery's start", async () => {
    const deliveries = watchDeliveries();
    const current = new AsyncLocalStorage<DeliveryTrace>();
    channels.delivery.start.bindStore(current, (context) => context);
    onTestFinished(() => void channels.delivery.start.unbindStore(current));
    const parents: (DeliveryTrace | undefined)[] = [];
    const onStoreStart = () => parents.push(current.getStore());
    channels.store.start.subscribe(onStoreStart);
    onTestFinished(() => void channels.store.start.unsubscribe(onStoreStart));
    const app = await startApp({ face });
    const first = buildEvent('Finished Journey');
    const second = buildEvent('Finished Journey');

    // Both at once, so each store call must find its own delivery, not merely the latest.
    await Promise.all([app.post(first), app.post(second)]);

    const deliveryOf = (eventId: string | undefined) => deliveries.find((t) => t.context.eventId === eventId)!.context;
    expect(parents).toHaveLength(4);
    expect(parents.filter((p) => p === deliveryOf(first.body.eventId))).toHaveLength(2);
    expect(parents.filter((p) => p === deliveryOf(second.body.eventId))).toHaveLength(2);
  });
});

describe.each(FACES)('with nobody subscribed, on the %s face', (face) => {
  /** Processed, duplicate, a failing listener and its retry, a 401, a wrong shape. */
  async function deliverAll() {
    const app = await startApp({ face });
    let attempts = 0;
    app.events.on('journeyCompleted', (payload) => {
      if (payload.body.referenceNo === 'flaky' && ++attempts === 1) throw new Error('first attempt fails');
    });
    const payload = buildEvent('Finished Journey');
    const flaky = buildEvent('Finished Journey', { body: { referenceNo: 'flaky' } });
    const answers = [
      await app.post(payload),
      await app.post(payload),
      await app.post(flaky),
      await app.post(flaky),
      await app.post(payload, { anonymous: true }),
      await app.post({ ...payload, body: { ...payload.body, journeyId: 42 } }),
    ];
    return answers.map((a) => [a.status, a.body]);
  }

  it('builds no trace at all, and answers exactly as when traced', async () => {
    const traced = vi.spyOn(deliveryChannel, 'tracePromise');
    const tracedStore = vi.spyOn(storeChannel, 'tracePromise');
    onTestFinished(() => void vi.restoreAllMocks());

    expect([deliveryChannel.hasSubscribers, storeChannel.hasSubscribers]).toEqual([false, false]);
    const untraced = await deliverAll();
    expect([traced.mock.calls.length, tracedStore.mock.calls.length]).toEqual([0, 0]);

    const deliveries = watchDeliveries();
    watchStore();
    expect(await deliverAll()).toEqual(untraced);
    expect(deliveries).toHaveLength(6);
    expect(traced.mock.calls.length).toBe(6);
    expect(tracedStore.mock.calls.length).toBe(7);
  });

  it('publishes nothing of a delivery begun before anyone subscribed, even once a subscriber arrives', async () => {
    const app = await startApp({ face });
    const held = heldListener();
    app.events.on('journeyCompleted', held.listener);
    const payload = buildEvent('Finished Journey');
    const answer = app.post(payload);
    const running = await held.call(0);

    const deliveries = watchDeliveries();
    running.finish();

    expect((await answer).body).toEqual({ status: 'processed' });
    expect(deliveries).toEqual([]);
  });
});

describe.each(FACES)('a subscriber that throws, on the %s face', (face) => {
  const script = resolve(import.meta.dirname, 'throwing-subscriber.mjs');

  /** The child's answers to the same deliveries, with no subscriber or with subscribers that throw. */
  async function run(subscribers: 'none' | 'throwing', serveWith: string) {
    const { stdout } = await promisify(execFile)(process.execPath, [script, serveWith, subscribers], {
      encoding: 'utf8',
    });
    return JSON.parse(stdout) as { answers: [number, unknown][]; uncaught: string[] };
  }

  it('changes no answer and no store state: Node reports its exceptions as uncaught, apart from the delivery', async ({
    task,
  }) => {
    // The child serves with the Express and Fastify majors this project runs (the 4s are installed
    // as express4 and fastify4).
    const major = task.file.projectName === 'express4' ? '4' : '';
    const serveWith = face === 'express' || face === 'fastify' ? face + major : face;
    const [quiet, throwing] = await Promise.all([run('none', serveWith), run('throwing', serveWith)]);

    expect(quiet.answers).toEqual([
      [200, { status: 'processed' }],
      [200, { status: 'duplicate' }],
      [500, { error: 'handler_failed' }],
      [200, { status: 'processed' }],
      [401, { error: 'unauthorized' }],
      [400, { error: 'invalid_payload', details: [{ path: '/body/journeyId', message: 'must be string' }] }],
      [503, { error: 'store_unavailable' }],
      [500, { error: 'internal_error' }],
      [200, { status: 'duplicate' }],
    ]);
    expect(throwing.answers).toEqual(quiet.answers);
    expect(quiet.uncaught).toEqual([]);
    // Every event of both channels reached a subscriber that threw, and so did the store bound to start.
    const events = ['bindStore', 'start', 'end', 'asyncStart', 'asyncEnd', 'error'];
    expect(throwing.uncaught).toEqual(
      ['delivery', 'store'].flatMap((channel) => events.map((event) => `${channel} ${event}`)).sort(),
    );
  }, 30_000);
});
