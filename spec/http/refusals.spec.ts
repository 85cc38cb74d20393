import { describe, expect, it } from 'vitest';
import type { AuthOption, FinishedJourneyPayload } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { basicAuthorization } from '../support/fixtures.js';
import { startApp, type AppSetup, type TestApp } from '../support/http.js';

describe('refusing bad requests', () => {
  it('answers 400 invalid_json to malformed JSON', async () => {
    const app = await startApp();
    const res = await app.post('{"event": "Finished Journey", "body": {');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_json' });
  });

  it('answers 400 invalid_payload with the path and message of what is wrong, echoing no value', async () => {
    const app = await startApp();
    const leak = 'SECRET-LOOKING-VALUE-93d1';
    const wrong = buildEvent('AML Monitor Update', { body: { updatedAMLVersionNumber: leak } });

    const res = await app.post(wrong);

    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_payload',
      details: [{ path: '/body/updatedAMLVersionNumber', message: 'must be integer' }],
    });
    expect(res.text).not.toContain(leak);
  });

  it.each([
    ['an envelope without body', { event: 'Finished Journey' }, '/body'],
    [
      'a known event without its required journeyId',
      { event: 'Finished Journey', body: { eventId: 'e' } },
      '/body/journeyId',
    ],
    ['an event name that is not a string', { event: 42, body: {} }, '/event'],
    ['a JSON array', [{ event: 'Finished Journey' }], '/'],
  ])('answers 400 invalid_payload to %s', async (_name, payload, path) => {
    const app = await startApp();
    const res = await app.post(payload);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_payload', details: [{ path, message: expect.any(String) }] });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'])(
    'answers 415 to Content-Type %s',
    async (type) => {
      const app = await startApp();
      const res = await app.post(JSON.stringify(buildEvent('Finished Journey')), { headers: { 'Content-Type': type } });
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ error: 'unsupported_media_type' });
    },
  );

  it.each(['get', 'put', 'delete', 'patch'] as const)(
    'answers %s on the path with 405 and Allow: POST',
    async (method) => {
      const app = await startApp();
      const res = await app.send(method);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    },
  );
});

describe('authentication over HTTP', () => {
  const bearer: AuthOption = { type: 'bearer', tokens: ['old-token', 'new-token'] };
  const basicAuth: AuthOption = { type: 'basic', credentials: [{ username: 'idwise', password: 'p4ss' }] };
  const header: AuthOption = { type: 'header', name: 'X-IDWise-Secret', values: ['h3ader'] };

  it.each([
    ['bearer', bearer, {}, 'Bearer realm="idwise-webhooks"'],
    ['bearer', bearer, { Authorization: 'Bearer wrong-token' }, 'Bearer realm="idwise-webhooks"'],
    ['basic', basicAuth, {}, 'Basic realm="idwise-webhooks", charset="UTF-8"'],
    [
      'basic',
      basicAuth,
      { Authorization: basicAuthorization('idwise', 'wrong') },
      'Basic realm="idwise-webhooks", charset="UTF-8"',
    ],
    ['header', header, {}, undefined],
    ['header', header, { 'X-IDWise-Secret': 'wrong' }, undefined],
  ])('answers 401 under %s auth to %j, with the right challenge', async (_type, auth, headers, challenge) => {
    const app = await startApp({ options: { auth } });
    const res = await app.post(buildEvent('Finished Journey'), { anonymous: true, headers });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized' });
    expect(res.headers['www-authenticate']).toBe(challenge);
  });

  it.each([
    ['bearer, the rotated-in token', bearer, { Authorization: 'Bearer new-token' }],
    ['basic', basicAuth, { Authorization: basicAuthorization('idwise', 'p4ss') }],
    ['header', header, { 'x-idwise-secret': 'h3ader' }],
    ['none', { type: 'none' } as AuthOption, {}],
  ])('accepts the right credentials under %s auth', async (_type, auth, headers) => {
    const app = await startApp({ options: { auth } });
    const res = await app.post(buildEvent('Finished Journey'), { anonymous: true, headers });
    expect(res.status).toBe(200);
  });
});

describe('allowedIps', () => {
  const payload = () => buildEvent('Finished Journey');

  it('answers 403 to an address outside allowedIps', async () => {
    const app = await startApp({ options: { allowedIps: ['203.0.113.0/24'] } });
    const res = await app.post(payload());
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'forbidden' });
  });

  it('accepts an address inside allowedIps', async () => {
    const app = await startApp({ options: { allowedIps: ['10.0.0.0/8', '127.0.0.1'] } });
    expect((await app.post(payload())).status).toBe(200);
  });

  it("honours X-Forwarded-For when the app's trust proxy trusts the hop that set it", async () => {
    const app = await startApp({ trustProxy: 'loopback', options: { allowedIps: ['203.0.113.0/24'] } });
    const res = await app.post(payload(), { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(res.status).toBe(200);
  });

  it('ignores a spoofed X-Forwarded-For when the app trusts no proxy', async () => {
    const outsider = await startApp({ options: { allowedIps: ['203.0.113.0/24'] } });
    const spoofed = await outsider.post(payload(), { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    const insider = await startApp({ options: { allowedIps: ['127.0.0.1'] } });
    const honest = await insider.post(payload(), { headers: { 'X-Forwarded-For': '198.51.100.1' } });
    expect([spoofed.status, honest.status]).toEqual([403, 200]);
  });
});

describe('a refused request changes nothing', () => {
  type Refusal = (app: TestApp, payload: FinishedJourneyPayload) => Promise<{ status: number }>;
  const json = (payload: object) => JSON.stringify(payload);
  const refusals: [string, number, Refusal, AppSetup?][] = [
    ['malformed JSON', 400, (app, p) => app.post(json(p).slice(0, -1))],
    ['a wrong shape', 400, (app, p) => app.post({ ...p, body: { ...p.body, systemDecision: 7 } })],
    ['missing credentials', 401, (app, p) => app.post(p, { anonymous: true })],
    ['wrong credentials', 401, (app, p) => app.post(p, { headers: { Authorization: 'Bearer nope' } })],
    [
      'a body over limit',
      413,
      (app, p) => app.post({ ...p, body: { ...p.body, pad: 'x'.repeat(2_000) } }),
      { options: { limit: 1_024 } },
    ],
    ['a non-JSON content type', 415, (app, p) => app.post(json(p), { headers: { 'Content-Type': 'text/plain' } })],
    ['another method', 405, (app) => app.send('put')],
    [
      'an address outside allowedIps',
      403,
      (app, p) => app.post(p, { headers: { 'X-Forwarded-For': '203.0.113.1' } }),
      { trustProxy: true, options: { allowedIps: ['127.0.0.1'] } },
    ],
  ];

  it.each(refusals)(
    'claims nothing for %s (%i), so a later valid delivery of the same event is processed',
    async (_name, status, refuse, setup) => {
      const app = await startApp(setup);
      const heard = app.record('journeyCompleted');
      const payload = buildEvent('Finished Journey');

      const refused = await refuse(app, payload);
      const claimsAfterRefusal = app.store.calls.length;
      const valid = await app.post(payload);

      expect(refused.status).toBe(status);
      expect(claimsAfterRefusal).toBe(0);
      expect(valid.body).toEqual({ status: 'processed' });
      expect(heard).toHaveLength(1);
    },
  );
});
