import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { MemoryDedupeStore } from '../../lib/index.js';
import { startApp } from '../support/http.js';

afterEach(() => {
  vi.restoreAllMocks();
});

// A body read over HTTP is never done within a few microtask turns (node ends the request in a
// later turn of the event loop), so each delivery puts it under bodyTimeoutMs. That must not cost
// a timer per delivery: all deliveries of one pipeline share one.
describe.each(['express', 'node'] as const)('timers set over HTTP (%s face)', (face) => {
  it('sets one timer for thirty deliveries, the body deadline they share', async () => {
    const app = await startApp({ face, options: { store: new MemoryDedupeStore() } });
    app.events.on('journeyCompleted', async () => {});
    const armed = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 30; i++) {
      const answer = await app.post(buildEvent('Finished Journey'));
      expect(answer.status).toBe(200);
    }
    expect(armed.mock.calls.length).toBe(1);
    armed.mockRestore();
    await app.close();
  });
});
