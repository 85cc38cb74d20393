/**
 * One behaviour suite, run against every face over real HTTP: Express, node:http, fetch (behind
 * @hono/node-server's adapter) and Fastify; the express4 project repeats it on Express 4 and
 * Fastify 4. Each face must give the same status, body and headers for every row of the README's
 * status-code table, dedupe the same way, and finish deliveries in progress on close().
 */
import { describe, expect, it } from 'vitest';
import type { FinishedJourneyPayload } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { basicAuthorization } from '../support/fixtures.js';
import { heldListener } from '../support/held-listener.js';
import { FACES, startApp, type AppSetup, type TestApp } from '../support/http.js';
import { ScriptedStore } from '../support/scripted-store.js';

interface Row {
  answer: string;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  options?: AppSetup['options'];
  act(app: TestApp, payload: FinishedJourneyPayload): Promise<{ status: number; body: unknown; headers: object }>;
}

const failing = () => {
  throw new Error('listener failed');
};

const ROWS: Row[] = [
  { answer: 'processed', status: 200, body: { status: 'processed' }, act: (app, p) => app.post(p) },
  {
    answer: 'duplicate',
    status: 200,
    body: { status: 'duplicate' },
    act: async (app, p) => (await app.post(p), app.post(p)),
  },
  { answer: 'invalid_json', status: 400, body: { error: 'invalid_json' }, act: (app) => app.post('{"event":') },
  {
    answer: 'invalid_payload',
    status: 400,
    body: { error: 'invalid_payload', details: [{ path: '/body/journeyId', message: 'must be string' }] },
    act: (app, p) => app.post({ ...p, body: { ...p.body, journeyId: 42 } }),
  },
  {
    answer: 'body_timeout',
    status: 400,
    body: { error: 'body_timeout' },
    headers: { connection: 'close' },
    options: { bodyTimeoutMs: 100 },
    act: (app) => app.post('{"event":', { headers: { 'Content-Length': '500' } }),
  },
  {
    answer: 'unauthorized, without credentials',
    status: 401,
    body: { error: 'unauthorized' },
    headers: { 'www-authenticate': 'Bearer realm="idwise-webhooks"' },
    act: (app, p) => app.post(p, { anonymous: true }),
  },
  {
    answer: 'unauthorized, with a wrong token',
    status: 401,
    body: { error: 'unauthorized' },
    act: (app, p) => app.post(p, { headers: { Authorization: 'Bearer not-the-token' } }),
  },
  {
    answer: 'unauthorized, with Basic credentials where a bearer token is expected',
    status: 401,
    body: { error: 'unauthorized' },
    act: (app, p) => app.post(p, { headers: { Authorization: basicAuthorization('idwise', 'x') } }),
  },
  {
    answer: 'forbidden',
    status: 403,
    body: { error: 'forbidden' },
    options: { allowedIps: ['203.0.113.0/24'] },
    act: (app, p) => app.post(p),
  },
  {
    answer: 'method_not_allowed',
    status: 405,
    body: { error: 'method_not_allowed' },
    headers: { allow: 'POST' },
    act: (app) => app.send('get'),
  },
  {
    answer: 'in_flight',
    status: 409,
    body: { error: 'in_flight' },
    headers: { 'retry-after': '30' },
    options: { leaseMs: 30_000, handlerTimeoutMs: 10_000 },
    act: async (app, p) => {
      const held = heldListener();
      app.events.on('journeyCompleted', held.listener);
      const first = app.post(p);
      const running = await held.call(0);
      const concurrent = await app.post(p);
      running.finish();
      expect((await first).status).toBe(200);
      return concurrent;
    },
  },
  {
    answer: 'payload_too_large',
    status: 413,
    body: { error: 'payload_too_large' },
    headers: { connection: 'close' },
    options: { limit: 1_024 },
    act: (app, p) => app.post({ ...p, body: { ...p.body, pad: 'x'.repeat(2_000) } }),
  },
  {
    answer: 'unsupported_media_type',
    status: 415,
    body: { error: 'unsupported_media_type' },
    act: (app, p) => app.post(JSON.stringify(p), { headers: { 'Content-Type': 'text/plain' } }),
  },
  {
    answer: 'handler_failed',
    status: 500,
    body: { error: 'handler_failed' },
    act: (app, p) => (app.events.on('journeyCompleted', failing), app.post(p)),
  },
  {
    answer: 'handler_timeout',
    status: 503,
    body: { error: 'handler_timeout' },
    headers: { 'retry-after': '1' },
    options: { leaseMs: 1_000, handlerTimeoutMs: 100 },
    act: async (app, p) => {
      const held = heldListener();
      app.events.on('journeyCompleted', held.listener);
      const answer = await app.post(p);
      (await held.call(0)).finish();
      return answer;
    },
  },
  {
    answer: 'store_unavailable',
    status: 503,
    body: { error: 'store_unavailable' },
    headers: { 'retry-after': '5' },
    options: { store: new ScriptedStore({ claim: 'throw' }) },
    act: (app, p) => app.post(p),
  },
  {
    answer: 'shutting_down',
    status: 503,
    body: { error: 'shutting_down' },
    headers: { 'retry-after': '5' },
    act: async (app, p) => (await app.close(), app.post(p)),
  },
];

describe.each(FACES)('the %s face', (face) => {
  it.each(ROWS)('answers $status $answer', async ({ status, body, headers, options, act }) => {
    const app = await startApp({ face, options });
    const res = await act(app, buildEvent('Finished Journey'));

    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
    expect(res.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', ...headers });
  });

  it('runs the listeners once per event, and again after a failed attempt is retried', async () => {
    const app = await startApp({ face });
    let attempts = 0;
    app.events.on('journeyCompleted', () => {
      if (++attempts === 1) throw new Error('first attempt fails');
    });
    const payload = buildEvent('Finished Journey');

    const answers = [await app.post(payload), await app.post(payload), await app.post(payload)];

    expect(answers.map((a) => a.status)).toEqual([500, 200, 200]);
    expect(answers.map((a) => a.body)).toEqual([
      { error: 'handler_failed' },
      { status: 'processed' },
      { status: 'duplicate' },
    ]);
    expect(attempts).toBe(2);
  });

  it('hands listeners the payload as sent, and a ctx keyed by its eventId', async () => {
    const app = await startApp({ face });
    const heard = app.record('journeyCompleted', 'webhook');
    const payload = buildEvent('Finished Journey');

    await app.post(payload);

    expect(heard.map((h) => h.name)).toEqual(['journeyCompleted', 'webhook']);
    expect(heard[0]!.args[0]).toEqual(payload);
    expect(heard[0]!.ctx).toMatchObject({ dedupeKey: payload.body.eventId, deduplicated: true });
  });

  it('accepts a body at exactly limit, with no Content-Type, and refuses one byte more', async () => {
    const payload = buildEvent('Finished Journey');
    const text = JSON.stringify(payload);
    const app = await startApp({ face, options: { limit: Buffer.byteLength(text) } });

    expect((await app.post(Buffer.from(text))).status).toBe(200);
    expect((await app.post(Buffer.from(text + ' '))).status).toBe(413);
  });

  it('on close(), finishes the delivery in progress and its store update, then answers 503', async () => {
    const app = await startApp({ face });
    const held = heldListener();
    app.events.on('journeyCompleted', held.listener);
    const payload = buildEvent('Finished Journey');
    const answer = app.post(payload);
    const running = await held.call(0);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    const refused = await app.post(buildEvent('Finished Journey'));
    expect(closed).toBe(false);
    running.finish();
    await closing;

    expect(refused.status).toBe(503);
    expect((await answer).body).toEqual({ status: 'processed' });
    expect(app.store.calls.map((c) => c.operation)).toEqual(['claim', 'complete']);
  });

  it('answers the path with one trailing slash too', async () => {
    const app = await startApp({ face });
    const res = await app.post(buildEvent('Finished Journey'), { path: `${app.path}/` });
    expect(res.body).toEqual({ status: 'processed' });
  });

  it('answers 404 (or passes on) for another path, and runs nothing', async () => {
    const app = await startApp({ face });
    const heard = app.record('webhook');

    const res = await app.post(buildEvent('Finished Journey'), { path: '/elsewhere' });

    expect(res.status).toBe(404);
    expect(heard).toEqual([]);
  });
});
