import { describe, expect, it } from 'vitest';
import { Delivery } from '../../lib/delivery-context.js';

describe('the delivery context a listener receives', () => {
  it('carries the delivery fields as own properties and a signal that is not aborted', () => {
    const before = Date.now();
    const ctx = new Delivery('eventId:e-1', 'e-1', true);
    expect({ ...ctx }).toEqual({
      dedupeKey: 'eventId:e-1',
      eventId: 'e-1',
      receivedAt: ctx.receivedAt,
      deduplicated: true,
    });
    expect(ctx.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect('signal' in ctx).toBe(true);
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.signal.aborted).toBe(false);
    // The same signal on every read, so a listener can pass it on and check it later.
    expect(ctx.signal).toBe(ctx.signal);
  });

  it('aborts a signal already handed out when the deadline passes, with the reason', () => {
    const ctx = new Delivery('eventId:e-2', 'e-2', true);
    const signal = ctx.signal;
    const reasons: unknown[] = [];
    signal.addEventListener('abort', () => reasons.push(signal.reason));
    const reason = new Error('handlerTimeoutMs (10 ms) passed');
    ctx.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(reasons).toEqual([reason]);
    // A second abort does not fire again or change the reason.
    ctx.abort(new Error('again'));
    expect(reasons).toEqual([reason]);
  });

  it('hands out an already aborted signal when it is first read after the deadline passed', () => {
    const ctx = new Delivery('sha256:ab', undefined, false);
    const reason = new Error('handlerTimeoutMs (10 ms) passed');
    ctx.abort(reason);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(reason);
    expect(() => ctx.signal.throwIfAborted()).toThrow(reason);
  });
});
