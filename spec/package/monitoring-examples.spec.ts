/**
 * The monitoring examples do what docs/monitoring.md says: examples/prometheus/server.mjs, run as a
 * user would, counts and times every delivery on /metrics; examples/opentelemetry/tracing.mjs makes
 * one span per delivery, with the store calls as its children, from the package's channels alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import { resolve } from 'node:path';
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { traceWebhooks } from '../../examples/opentelemetry/tracing.mjs';
import { createPipeline, IdwiseEventEmitter } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { AUTH, handle, quiet } from '../support/fixtures.js';
import { startApp } from '../support/http.js';
import { ScriptedStore } from '../support/scripted-store.js';

const repo = resolve(import.meta.dirname, '../..');

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, one sample per line; comments and blank lines skipped. */
function parseMetrics(text: string): Sample[] {
  return [...text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/gm)].map(([, name, labels, value]) => ({
    name: name!,
    labels: Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!])),
    value: Number(value),
  }));
}

describe('examples/prometheus', () => {
  const token = 'metrics-token';
  let server: ChildProcess | undefined;
  let base = '';
  let metrics: Sample[] = [];
  let contentType: string | null = null;

  const post = (payload: unknown, auth = `Bearer ${token}`) =>
    fetch(`${base}/webhooks/idwise`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    }).then((res) => res.status);

  beforeAll(async () => {
    server = spawn(process.execPath, ['examples/prometheus/server.mjs'], {
      cwd: repo,
      env: { ...process.env, IDWISE_WEBHOOK_TOKEN: token, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    base = await new Promise<string>((ready, failed) => {
      server!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        const url = /ready on (http:\/\/localhost:\d+)\//.exec(output)?.[1];
        if (url) ready(url);
      });
      server!.once('exit', (code) => failed(new Error(`server.mjs exited with ${code}: ${output}`)));
    });

    const finished = buildEvent('Finished Journey');
    const statuses = [
      await post(finished),
      await post(finished),
      await post(buildEvent('Finished Journey'), 'Bearer wrong'),
      await post({ ...finished, body: { ...finished.body, journeyId: 42 } }),
      await post({ event: 'Some Future Event', body: { eventId: 'future-1' } }),
    ];
    expect(statuses).toEqual([200, 200, 401, 400, 200]);

    const scrape = await fetch(`${base}/metrics`);
    contentType = scrape.headers.get('content-type');
    metrics = parseMetrics(await scrape.text());
  }, 30_000);

  afterAll(() => void server?.kill());

  it('counts deliveries by outcome and event, an event it does not know as other', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const counted = metrics.filter((s) => s.name === 'idwise_webhook_deliveries_total');
    expect(counted.map(({ labels, value }) => ({ ...labels, value }))).toEqual(
      expect.arrayContaining([
        { outcome: 'processed', event: 'Finished Journey', value: 1 },
        { outcome: 'duplicate', event: 'Finished Journey', value: 1 },
        { outcome: 'unauthorized', event: 'none', value: 1 },
        { outcome: 'invalid_payload', event: 'Finished Journey', value: 1 },
        { outcome: 'processed', event: 'other', value: 1 },
      ]),
    );
    expect(counted).toHaveLength(5);
  });

  it('times every delivery from its start to its answer, in a histogram by outcome', () => {
    const of = (suffix: string, outcome: string, le?: string) =>
      metrics.find(
        (s) =>
          s.name === `idwise_webhook_delivery_duration_seconds_${suffix}` &&
          s.labels.outcome === outcome &&
          s.labels.le === le,
      )?.value;
    const outcomes = { processed: 2, duplicate: 1, unauthorized: 1, invalid_payload: 1 };
    for (const [outcome, count] of Object.entries(outcomes)) {
      expect(of('count', outcome), outcome).toBe(count);
      expect(of('bucket', outcome, '+Inf'), outcome).toBe(count);
      expect(of('sum', outcome), outcome).toBeGreaterThan(0);
      expect(of('sum', outcome), outcome).toBeLessThan(5);
    }
  });
});

describe('examples/opentelemetry/tracing.mjs', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let stop = () => {};

  beforeAll(() => void context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());
  beforeEach(() => {
    exporter.reset();
    stop = traceWebhooks(provider.getTracer('idwise-webhooks'));
  });
  afterEach(() => stop());

  const spans = () => exporter.getFinishedSpans();
  const deliverySpans = () => spans().filter((s) => s.name === 'idwise-webhooks delivery');
  const childrenOf = (parent: ReadableSpan) =>
    spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

  it('makes one span per delivery, with its status code, outcome and, once known, event, eventId and dedupe key', async () => {
    const app = await startApp({ options: { logger: quiet } });
    const payload = buildEvent('Finished Journey');
    const eventId = payload.body.eventId;

    await app.post(payload);
    await app.post(payload);
    await app.post(payload, { anonymous: true });
    await app.post({ ...payload, body: { ...payload.body, journeyId: 42 } });

    const known = { 'idwise.event': 'Finished Journey', 'idwise.event_id': eventId, 'idwise.dedupe_key': eventId };
    expect(deliverySpans().map((s) => s.attributes)).toEqual([
      { 'http.response.status_code': 200, 'idwise.outcome': 'processed', ...known },
      { 'http.response.status_code': 200, 'idwise.outcome': 'duplicate', ...known },
      { 'http.response.status_code': 401, 'idwise.outcome': 'unauthorized' },
      { 'http.response.status_code': 400, 'idwise.outcome': 'invalid_payload', 'idwise.event': 'Finished Journey' },
    ]);
    expect(deliverySpans().every((s) => s.ended)).toBe(true);
  });

  it("sets the error status on the span of a delivery whose listener failed, and on no refusal's", async () => {
    const app = await startApp({ options: { logger: quiet } });
    app.events.on('journeyCompleted', (payload) => {
      if (payload.body.referenceNo === 'fails') throw new Error('CRM unavailable');
    });

    await app.post(buildEvent('Finished Journey', { body: { referenceNo: 'fails' } }));
    await app.post(buildEvent('Finished Journey'));
    await app.post(buildEvent('Finished Journey'), { anonymous: true });

    expect(deliverySpans().map((s) => [s.attributes['idwise.outcome'], s.status])).toEqual([
      ['handler_failed', { code: SpanStatusCode.ERROR, message: 'handler_failed' }],
      ['processed', { code: SpanStatusCode.UNSET }],
      ['unauthorized', { code: SpanStatusCode.UNSET }],
    ]);
  });

  it('makes each store call a child span of its own delivery, even when deliveries overlap', async () => {
    const app = await startApp({ options: { logger: quiet } });
    const payloads = [buildEvent('Finished Journey'), buildEvent('Finished Journey')];

    await Promise.all(payloads.map((p) => app.post(p)));

    expect(deliverySpans()).toHaveLength(2);
    for (const delivery of deliverySpans()) {
      const key = delivery.attributes['idwise.dedupe_key'];
      expect(childrenOf(delivery).map((s) => [s.name, s.attributes])).toEqual([
        [
          'idwise-webhooks store claim',
          { 'idwise.store.operation': 'claim', 'idwise.dedupe_key': key, 'idwise.store.outcome': 'claimed' },
        ],
        [
          'idwise-webhooks store complete',
          { 'idwise.store.operation': 'complete', 'idwise.dedupe_key': key, 'idwise.store.outcome': 'ok' },
        ],
      ]);
      for (const child of childrenOf(delivery))
        expect(child.spanContext().traceId).toBe(delivery.spanContext().traceId);
    }
    expect(spans()).toHaveLength(6);
  });

  it("records what a failing store threw on the store call's span, and the delivery's 503 as an error", async () => {
    const app = await startApp({ options: { logger: quiet, store: new ScriptedStore({ claim: 'throw' }) } });

    await app.post(buildEvent('Finished Journey'));

    const [delivery] = deliverySpans();
    expect(delivery!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store_unavailable' });
    const [claim] = childrenOf(delivery!);
    expect(claim!.attributes['idwise.store.outcome']).toBe('failed');
    expect(claim!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'store.claim failed on purpose (connection refused)',
    });
    expect(claim!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('records a failure of the package itself as an error, with the exception', async () => {
    // An emitter that throws where the pipeline reads its listeners: a failure of the package, not of a listener.
    const broken = new (class extends IdwiseEventEmitter {
      override rawListeners(): never {
        throw new Error('the package failed on purpose');
      }
    })();
    const app = await startApp({ face: 'node', options: { logger: quiet, events: broken } });

    expect((await app.post(buildEvent('Finished Journey'))).body).toEqual({ error: 'internal_error' });

    const [delivery] = deliverySpans();
    expect(delivery!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'internal_error' });
    expect(delivery!.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'the package failed on purpose'],
    ]);
  });

  it('makes the delivery span a child of the span active when the request arrived, such as an HTTP span', async () => {
    const pipeline = createPipeline({ auth: AUTH, logger: quiet });
    const http = provider.getTracer('http').startSpan('POST /webhooks/idwise');

    const answer = await context.with(trace.setSpan(ROOT_CONTEXT, http), () =>
      handle(pipeline, buildEvent('Finished Journey')),
    );
    http.end();

    expect(answer.status).toBe(200);
    const [delivery] = deliverySpans();
    expect(delivery!.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
  });

  it('makes no span, and leaves no subscriber, once stopped', async () => {
    stop();
    const app = await startApp({ options: { logger: quiet } });

    await app.post(buildEvent('Finished Journey'));

    expect(spans()).toEqual([]);
    expect(tracingChannel('idwise-webhooks:delivery').hasSubscribers).toBe(false);
    expect(tracingChannel('idwise-webhooks:store').hasSubscribers).toBe(false);
  });
});
