import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { startApp, type TestApp } from '../support/http.js';

const node = (options = {}) => startApp({ face: 'node', options });

describe('createNodeHandler over plain node:http', () => {
  it('processes a delivery, then answers its redelivery as a duplicate without running listeners', async () => {
    const app = await node();
    const heard = app.record('journeyCompleted');
    const payload = buildEvent('Finished Journey');

    const answers = [await app.post(payload), await app.post(payload)];

    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, { status: 'processed' }],
      [200, { status: 'duplicate' }],
    ]);
    expect(heard).toHaveLength(1);
  });

  it.each<[string, (app: TestApp) => Promise<{ status: number; headers: Record<string, string> }>, number]>([
    ['malformed JSON', (app) => app.post('{'), 400],
    ['a wrong shape', (app) => app.post({ event: 'Finished Journey', body: {} }), 400],
    ['missing credentials', (app) => app.post(buildEvent('Finished Journey'), { anonymous: true }), 401],
    ['a non-JSON content type', (app) => app.post('{}', { headers: { 'Content-Type': 'text/plain' } }), 415],
    ['a GET', (app) => app.send('get'), 405],
  ])('answers %s as the Express face does (%i)', async (_name, act, status) => {
    const res = await act(await node());
    expect(res.status).toBe(status);
  });

  it('answers a failing listener 500, so the retry runs it again', async () => {
    const app = await node();
    let attempts = 0;
    app.events.on('journeyCompleted', () => {
      if (++attempts === 1) throw new Error('first attempt fails');
    });
    const payload = buildEvent('Finished Journey');
    expect([(await app.post(payload)).status, (await app.post(payload)).status]).toEqual([500, 200]);
  });

  it('answers on the path with a trailing slash and a query string, as the Express face does', async () => {
    const app = await node();
    const res = await app.post(buildEvent('Finished Journey'), { path: '/webhooks/idwise/?source=idwise' });
    expect(res.body).toEqual({ status: 'processed' });
  });

  it('answers 404 to another path', async () => {
    const app = await node();
    const res = await app.post(buildEvent('Finished Journey'), { path: '/elsewhere' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found' });
  });

  it('checks allowedIps against the socket address, since node:http knows no trust proxy', async () => {
    const app = await node({ allowedIps: ['203.0.113.0/24'] });
    const res = await app.post(buildEvent('Finished Journey'), { headers: { 'X-Forwarded-For': '203.0.113.5' } });
    expect(res.status).toBe(403);
  });
});
