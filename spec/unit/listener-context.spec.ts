import { describe, expect, it } from 'vitest';
import { ListenerContext } from '../../lib/listener-context.js';

describe('the ctx a listener gets', () => {
  it('carries the delivery fields, and a signal not yet aborted', () => {
    const ctx = new ListenerContext('e-1', 'e-1', true);
    expect(ctx).toMatchObject({ dedupeKey: 'e-1', eventId: 'e-1', deduplicated: true });
    expect(ctx.receivedAt).toBeInstanceOf(Date);
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.signal).toBe(ctx.signal);
  });

  it('aborts a signal already handed out when the handler timeout passes', () => {
    const ctx = new ListenerContext('e-2', 'e-2', true);
    const signal = ctx.signal;
    const reason = new Error('handlerTimeoutMs (50 ms) passed');
    ctx.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('hands out a signal born aborted when it is first read after the timeout', () => {
    const ctx = new ListenerContext('sha256-ab', undefined, false);
    const reason = new Error('handlerTimeoutMs (50 ms) passed');
    ctx.abort(reason);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(reason);
  });
});
