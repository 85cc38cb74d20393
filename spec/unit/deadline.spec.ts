import { afterEach, describe, expect, it, vi } from 'vitest';
import { settleWithin, TIMED_OUT } from '../../lib/deadline.js';
import { deferred, nextTurn } from '../support/deferred.js';
import { watchUnhandledRejections } from '../support/unhandled.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('settleWithin', () => {
  it('answers work that has already settled without arming a timer', async () => {
    vi.useFakeTimers();
    const answer = settleWithin(Promise.resolve('done'), 1_000);
    expect(vi.getTimerCount()).toBe(0);
    await expect(answer).resolves.toBe('done');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers work that settles within a few microtask turns without arming a timer', async () => {
    vi.useFakeTimers();
    // Two turns late, as a trivial async listener awaited through one adapter is.
    const work = Promise.resolve()
      .then(() => undefined)
      .then(() => 'late but quick');
    await expect(settleWithin(work, 1_000)).resolves.toBe('late but quick');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms one timer for work still pending, and answers TIMED_OUT when it passes', async () => {
    vi.useFakeTimers();
    const work = deferred<string>();
    const answer = settleWithin(work.promise, 1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(1);
    let settled: unknown = 'pending';
    void answer.then((value) => (settled = value));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(TIMED_OUT);
    // Work that settles after its deadline changes nothing.
    work.resolve('too late');
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(TIMED_OUT);
  });

  it('answers slow work that beats the deadline with its value and clears the timer', async () => {
    vi.useFakeTimers();
    const work = deferred<string>();
    const answer = settleWithin(work.promise, 1_000);
    await vi.advanceTimersByTimeAsync(500);
    work.resolve('in time');
    await expect(answer).resolves.toBe('in time');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with turns 0 arms the timer at once, for work that surely waits on I/O', async () => {
    vi.useFakeTimers();
    const work = deferred<string>();
    const answer = settleWithin(work.promise, 50, 0);
    await Promise.resolve();
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    await expect(answer).resolves.toBe(TIMED_OUT);
  });

  it('passes on a rejection of work that was meant never to reject, in time or after a wait', async () => {
    vi.useFakeTimers();
    const quick = settleWithin(Promise.reject(new Error('at once')), 1_000);
    await expect(quick).rejects.toThrow('at once');
    const work = deferred<string>();
    const slow = settleWithin(work.promise, 1_000);
    const outcome = slow.catch((error: Error) => error.message);
    await vi.advanceTimersByTimeAsync(10);
    work.reject(new Error('after a wait'));
    await expect(outcome).resolves.toBe('after a wait');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores a rejection that comes after the deadline answered', async () => {
    vi.useFakeTimers();
    const unhandled = watchUnhandledRejections();
    const work = deferred<string>();
    const answer = settleWithin(work.promise, 100);
    await vi.advanceTimersByTimeAsync(100);
    await expect(answer).resolves.toBe(TIMED_OUT);
    work.reject(new Error('too late'));
    vi.useRealTimers();
    await nextTurn();
    expect(unhandled).not.toHaveBeenCalled();
  });
});
