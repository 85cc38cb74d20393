import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { heldListener } from '../support/held-listener.js';
import { startApp, type AppSetup } from '../support/http.js';

describe.each([
  ['no body parser', undefined],
  ['express.json()', 'json'],
  ['express.raw({ type: "*/*" })', 'raw'],
] as const)('mounted after %s', (_name, parser) => {
  it('processes a delivery, then answers its redelivery as a duplicate', async () => {
    const app = await startApp({ parser });
    const heard = app.record('journeyCompleted');
    const payload = buildEvent('Finished Journey', { body: { unknownField: { kept: true } } });

    const first = await app.post(payload);
    const again = await app.post(payload);

    expect([first.body, again.body]).toEqual([{ status: 'processed' }, { status: 'duplicate' }]);
    expect(heard.map((h) => h.args[0])).toEqual([payload]);
  });

  it('answers 400 invalid_payload to the wrong shape', async () => {
    const app = await startApp({ parser });
    const res = await app.post(buildEvent('Finished Journey', { body: { journeyId: 42 } }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_payload', details: [{ path: '/body/journeyId' }] });
  });

  it('reads a request without Content-Type as JSON', async () => {
    const app = await startApp({ parser });
    const res = await app.post(Buffer.from(JSON.stringify(buildEvent('Finished Journey'))));
    expect(res.body).toEqual({ status: 'processed' });
  });

  it('answers 413 to a body over its own limit, whatever limit the parser before it has', async () => {
    const app = await startApp({ parser, options: { limit: '1kb' } });
    const res = await app.post(buildEvent('Finished Journey', { body: { padding: 'x'.repeat(2_000) } }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'payload_too_large' });
  });

  it('answers 415 to a non-JSON content type', async () => {
    const app = await startApp({ parser });
    const res = await app.post('{}', { headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(415);
  });
});

describe('what a body parser mounted first leaves to check', () => {
  it('answers 400 invalid_json to malformed JSON that express.raw() read', async () => {
    const app = await startApp({ parser: 'raw' });
    const res = await app.post('{"event":');
    expect(res.body).toEqual({ error: 'invalid_json' });
  });
});

describe('where the route is', () => {
  it.each<[string, AppSetup, string]>([
    ['the default path', {}, '/webhooks/idwise'],
    ['a custom path', { options: { path: '/idwise/events' } }, '/idwise/events'],
    ['the default path under app.use("/hooks", webhooks)', { mountAt: '/hooks' }, '/hooks/webhooks/idwise'],
    ['a custom path under a prefix', { mountAt: '/api', options: { path: '/idwise' } }, '/api/idwise'],
  ])('answers on %s', async (_name, setup, path) => {
    const app = await startApp(setup);
    const res = await app.post(buildEvent('Finished Journey'), { path });
    expect(res.body).toEqual({ status: 'processed' });
  });

  it('answers on the path with a trailing slash and a query string', async () => {
    const app = await startApp();
    const res = await app.post(buildEvent('Finished Journey'), { path: '/webhooks/idwise/?source=idwise' });
    expect(res.body).toEqual({ status: 'processed' });
  });

  it.each<[string, AppSetup, string]>([
    ['another path', {}, '/webhooks/other'],
    ['the unprefixed path when mounted under a prefix', { mountAt: '/hooks' }, '/webhooks/idwise'],
    ['the default path when a custom one is set', { options: { path: '/idwise' } }, '/webhooks/idwise'],
  ])("leaves %s to the app's other routes", async (_name, setup, path) => {
    const app = await startApp(setup);
    const heard = app.record('webhook');
    const res = await app.post(buildEvent('Finished Journey'), { path });
    expect(res.status).toBe(404);
    expect(heard).toEqual([]);
  });
});

describe('webhooks.close()', () => {
  it('answers 503 to new deliveries, waits for the one in flight and its store update, then resolves', async () => {
    const app = await startApp();
    const held = heldListener();
    app.events.on('journeyCompleted', held.listener);
    const payload = buildEvent('Finished Journey');
    const inFlight = app.post(payload);
    const running = await held.call(0);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    const refused = await app.post(buildEvent('Finished Journey'));
    const closedWhileInFlight = closed;
    running.finish();
    await closing;

    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'shutting_down' });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(closedWhileInFlight).toBe(false);
    expect((await inFlight).body).toEqual({ status: 'processed' });
    expect(app.store.calls.map((c) => c.operation)).toEqual(['claim', 'complete']);
    expect(held.count).toBe(1);
  });

  it('resolves at once when nothing is in flight, and keeps refusing afterwards', async () => {
    const app = await startApp();
    await app.close();
    expect((await app.post(buildEvent('Finished Journey'))).status).toBe(503);
  });
});
