import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { TOKEN } from '../support/fixtures.js';
import { startApp } from '../support/http.js';

describe('every refusal is logged with its reason, never with the body or credentials', () => {
  it.each([
    {
      name: '400 invalid_json at info',
      send: (app: Awaited<ReturnType<typeof startApp>>) => app.post('{"event": "Finished Journey", "body": {'),
      level: 'info',
      fields: { reason: 'invalid_json' },
    },
    {
      name: '400 invalid_payload at warn, with the event name and the ajv path',
      send: (app: Awaited<ReturnType<typeof startApp>>) =>
        app.post(buildEvent('AML Monitor Update', { body: { updatedAMLVersionNumber: 'SECRET-VALUE-93d1' } })),
      level: 'warn',
      fields: {
        reason: 'invalid_payload',
        event: 'AML Monitor Update',
        issues: [{ path: '/body/updatedAMLVersionNumber', message: 'must be integer' }],
      },
    },
    {
      name: '413 at warn',
      send: (app: Awaited<ReturnType<typeof startApp>>) =>
        app.post({ ...buildEvent('Finished Journey'), pad: 'x'.repeat(70_000) }),
      level: 'warn',
      fields: { reason: 'payload_too_large' },
    },
    {
      name: '415 at warn, with the content type that arrived',
      send: (app: Awaited<ReturnType<typeof startApp>>) =>
        app.post('event=x', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
      level: 'warn',
      fields: { reason: 'unsupported_media_type', contentType: 'application/x-www-form-urlencoded' },
    },
    {
      name: '405 at info, with the method',
      send: (app: Awaited<ReturnType<typeof startApp>>) => app.send('get'),
      level: 'info',
      fields: { reason: 'method_not_allowed', method: 'GET' },
    },
    {
      name: '401 at warn, saying whether credentials were missing or wrong',
      send: (app: Awaited<ReturnType<typeof startApp>>) =>
        app.post(buildEvent('Finished Journey'), { headers: { Authorization: 'Bearer not-the-token-77' } }),
      level: 'warn',
      fields: { reason: 'unauthorized', credentials: 'invalid_credentials' },
    },
  ])('logs $name, with the caller address', async ({ send, level, fields }) => {
    const app = await startApp();
    await send(app);
    const entries = app.logger.entries.filter((entry) => entry.fields.reason !== undefined);
    expect(entries).toEqual([
      {
        level,
        message: expect.stringMatching(/^refused /),
        fields: { ...fields, ip: expect.stringMatching(/127\.0\.0\.1/) },
      },
    ]);
    expect(app.logger.text).not.toContain('SECRET-VALUE-93d1');
    expect(app.logger.text).not.toContain('not-the-token-77');
    expect(app.logger.text).not.toContain(TOKEN);
  });

  it('logs 403 at warn with the address allowedIps refused', async () => {
    const app = await startApp({ options: { allowedIps: ['203.0.113.0/24'] } });
    expect((await app.post(buildEvent('Finished Journey'))).status).toBe(403);
    expect(app.logger.at('warn')).toEqual([
      expect.objectContaining({ fields: { reason: 'forbidden', ip: expect.stringMatching(/127\.0\.0\.1/) } }),
    ]);
  });

  it('logs the first five of a flood of one refusal, says the rest will be summarised, and logs nothing per request after', async () => {
    const app = await startApp();
    for (let i = 0; i < 12; i++) await app.post('not json');
    const logged = app.logger.at('info').filter((entry) => entry.fields.reason === 'invalid_json');
    expect(logged).toHaveLength(5);
    expect(logged[4]!.message).toMatch(/more of these this minute are summarised/);
    // Another reason has its own count.
    await app.send('get');
    expect(app.logger.at('info').filter((entry) => entry.fields.reason === 'method_not_allowed')).toHaveLength(1);
  });
});

describe('a listener for a name the package never emits', () => {
  it('is warned about once per name, naming the closest event', async () => {
    const app = await startApp();
    app.events.on('journeyComplete' as never, () => {});
    app.events.on('journeyComplete' as never, () => {});
    app.events.on('somethingElse' as never, () => {});
    const warnings = app.logger.at('warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.message).toContain('did you mean "journeyCompleted"?');
    expect(warnings[1]!.message).toMatch(/"somethingElse".*its events are journeyCompleted, manualReview/);
  });

  it("leaves Node's own events and the package's events alone", async () => {
    const app = await startApp();
    app.events.on('error' as never, () => {});
    app.events.on('removeListener' as never, () => {});
    app.events.on('journeyCompleted', () => {});
    app.events.once('handlerError', () => {});
    expect(app.logger.at('warn')).toEqual([]);
  });

  it("says nothing on an emitter the app passed in, which carries the app's own events too", async () => {
    const { EventEmitter } = await import('node:events');
    const bus = new EventEmitter();
    const app = await startApp({ options: { events: bus } });
    bus.on('orderShipped', () => {});
    expect(app.logger.at('warn')).toEqual([]);
  });
});
