import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { DedupeStore, Logger } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { startApp } from '../support/http.js';

const throwingLogger: Logger = {
  debug() {
    throw new Error('log transport closed');
  },
  info() {
    throw new Error('log transport closed');
  },
  warn() {
    throw new Error('log transport closed');
  },
  error() {
    throw new Error('log transport closed');
  },
};

/** An emitter that fails when the package asks it for listeners: a package-internal failure. */
class BrokenEmitter extends EventEmitter {
  override rawListeners(): never {
    throw new Error('broken emitter');
  }
}

describe('the package when what it is given misbehaves', () => {
  it('still processes and dedupes when the logger throws on every call', async () => {
    const app = await startApp({ options: { logger: throwingLogger } });
    const payload = buildEvent('Finished Journey', { event: 'Some Future Event' });
    // No listener (a warning) and a wrong token (a warning) both log; neither may break the answer.
    expect((await app.post(payload)).body).toEqual({ status: 'processed' });
    expect((await app.post(payload)).body).toEqual({ status: 'duplicate' });
    expect((await app.post(payload, { anonymous: true })).status).toBe(401);
  });

  it('answers 503 store_unavailable when a custom store answers a claim outside its contract', async () => {
    const store: DedupeStore = {
      claim: async () => ({ state: 'maybe' }) as never,
      complete: async () => {},
      release: async () => {},
    };
    const app = await startApp({ options: { store } });
    const heard = app.record('journeyCompleted');
    const res = await app.post(buildEvent('Finished Journey'));
    expect([res.status, res.body, res.headers['retry-after']]).toEqual([503, { error: 'store_unavailable' }, '5']);
    expect(heard).toEqual([]);
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['claimed without a token', { state: 'claimed' }],
  ])('answers 503 store_unavailable and runs no listener when a store claim resolves to %s', async (_name, answer) => {
    const store = { claim: async () => answer as never, complete: async () => {}, release: async () => {} };
    const app = await startApp({ options: { store } });
    const heard = app.record('journeyCompleted');
    const res = await app.post(buildEvent('Finished Journey'));
    expect([res.status, res.body]).toEqual([503, { error: 'store_unavailable' }]);
    expect(heard).toEqual([]);
  });

  it.each(['node', 'fetch'] as const)(
    'answers 500 internal_error from the %s face when the package itself fails, and logs why through the logger',
    async (face) => {
      const app = await startApp({ face, options: { events: new BrokenEmitter() } });
      const res = await app.post(buildEvent('Finished Journey'));
      expect([res.status, res.body]).toEqual([500, { error: 'internal_error' }]);
      expect(app.logger.at('error')).toEqual([
        {
          level: 'error',
          fields: { error: 'broken emitter', stack: expect.stringContaining('rawListeners') },
          message: "the package failed on a delivery; answered 500 or passed to the framework's error handler",
        },
      ]);
    },
  );

  it("hands an internal failure to Express's error handling through next(), not a hung request, and logs it once", async () => {
    const app = await startApp({ options: { events: new BrokenEmitter() } });
    const res = await app.post(buildEvent('Finished Journey'));
    expect(res.status).toBe(500);
    expect(app.logger.at('error').map(({ fields }) => fields.error)).toEqual(['broken emitter']);
  });

  it("logs a failure while logging a refusal too: an app's `trust proxy` function that throws when the address is read", async () => {
    const trustProxy = () => {
      throw new Error('trust proxy failed');
    };
    const app = await startApp({ trustProxy });
    // Express asks the function only about a forwarded address.
    const headers = { 'X-Forwarded-For': '203.0.113.9' };
    const res = await app.post(buildEvent('Finished Journey'), { anonymous: true, headers });
    expect(res.status).toBe(500);
    expect(app.logger.at('error').map(({ fields }) => fields.error)).toEqual(['trust proxy failed']);
  });
});
