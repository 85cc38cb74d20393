import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadline, TIMED_OUT } from '../../lib/deadline.js';
import { deferred, nextTurn } from '../support/deferred.js';
import { watchUnhandledRejections } from '../support/unhandled.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Deadline.within', () => {
  it('answers work that has already settled without arming a timer', async () => {
    vi.useFakeTimers();
    const answer = new Deadline(1_000).within(Promise.resolve('done'));
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
    await expect(new Deadline(1_000).within(work)).resolves.toBe('late but quick');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms one timer for work still pending, and answers TIMED_OUT when it passes', async () => {
    vi.useFakeTimers();
    const work = deferred<string>();
    const answer = new Deadline(1_000).within(work.promise);
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

  it('answers slow work that beats the deadline with its value, and sets no timer again', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(1_000);
    const work = deferred<string>();
    const answer = deadline.within(work.promise);
    await vi.advanceTimersByTimeAsync(500);
    work.resolve('in time');
    await expect(answer).resolves.toBe('in time');
    expect(deadline.pending).toBe(0);
    // The timer is left to fire (unreferenced, see below), finds nothing, and is not set again.
    await vi.advanceTimersByTimeAsync(500);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with turns 0 arms the timer at once, for work that surely waits on I/O', async () => {
    vi.useFakeTimers();
    const work = deferred<string>();
    const answer = new Deadline(50).within(work.promise, 0);
    await Promise.resolve();
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    await expect(answer).resolves.toBe(TIMED_OUT);
  });

  it('passes on a rejection of work that was meant never to reject, in time or after a wait', async () => {
    vi.useFakeTimers();
    const quick = new Deadline(1_000).within(Promise.reject(new Error('at once')));
    await expect(quick).rejects.toThrow('at once');
    const work = deferred<string>();
    const slow = new Deadline(1_000).within(work.promise);
    const outcome = slow.catch((error: Error) => error.message);
    await vi.advanceTimersByTimeAsync(10);
    work.reject(new Error('after a wait'));
    await expect(outcome).resolves.toBe('after a wait');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores a rejection that comes after the deadline answered', async () => {
    vi.useFakeTimers();
    const unhandled = watchUnhandledRejections();
    const work = deferred<string>();
    const answer = new Deadline(100).within(work.promise);
    await vi.advanceTimersByTimeAsync(100);
    await expect(answer).resolves.toBe(TIMED_OUT);
    work.reject(new Error('too late'));
    vi.useRealTimers();
    await nextTurn();
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('one timer for all the deadlines of one length', () => {
  it('bounds several pending works with a single timer, each at its own time', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(1_000);
    const early = deadline.within(deferred<string>().promise, 0);
    const alsoEarly = deadline.within(deferred<string>().promise, 0);
    await vi.advanceTimersByTimeAsync(400);
    const late = deadline.within(deferred<string>().promise, 0);
    expect(vi.getTimerCount()).toBe(1);
    expect(deadline.pending).toBe(3);
    const outcomes: unknown[] = [];
    for (const answer of [early, alsoEarly, late]) void answer.then((value) => outcomes.push(value));
    await vi.advanceTimersByTimeAsync(599);
    expect(outcomes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcomes).toEqual([TIMED_OUT, TIMED_OUT]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(399);
    expect(outcomes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcomes).toEqual([TIMED_OUT, TIMED_OUT, TIMED_OUT]);
    expect(deadline.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the deadline of later work when earlier work finished in time', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(1_000);
    const first = deferred<string>();
    const firstAnswer = deadline.within(first.promise, 0);
    await vi.advanceTimersByTimeAsync(300);
    const second = deadline.within(deferred<string>().promise, 0);
    first.resolve('done');
    await expect(firstAnswer).resolves.toBe('done');
    let outcome: unknown = 'pending';
    void second.then((value) => (outcome = value));
    // The timer set for the first fires at 1 000 ms, finds the second not yet due, and waits on.
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(300);
    expect(outcome).toBe(TIMED_OUT);
  });

  it('keeps the process alive only while some work is pending', async () => {
    const armed = vi.spyOn(globalThis, 'setTimeout');
    try {
      const deadline = new Deadline(60_000);
      const first = deferred<string>();
      const answer = deadline.within(first.promise, 0);
      expect(armed).toHaveBeenCalledTimes(1);
      const timer = armed.mock.results[0]!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(true);
      first.resolve('done');
      await answer;
      // As good as cleared: a process with nothing else to do may exit.
      expect(timer.hasRef()).toBe(false);
      const second = deferred<string>();
      const again = deadline.within(second.promise, 0);
      // The same timer serves, referenced again; none is set.
      expect(armed).toHaveBeenCalledTimes(1);
      expect(timer.hasRef()).toBe(true);
      second.resolve('done too');
      await again;
      expect(timer.hasRef()).toBe(false);
      clearTimeout(timer);
    } finally {
      armed.mockRestore();
    }
  });

  it('holds a bounded number of finished waiters behind one stuck at the head, and none once all finished', async () => {
    const deadline = new Deadline(60_000);
    const stuck = deferred<string>();
    const stuckAnswer = deadline.within(stuck.promise, 0);
    let most = 0;
    for (let i = 0; i < 5_000; i++) {
      const work = deferred<number>();
      const answer = deadline.within(work.promise, 0);
      work.resolve(i);
      await answer;
      most = Math.max(most, deadline.queued);
    }
    expect(deadline.pending).toBe(1);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(1_025);
    stuck.resolve('unstuck');
    await stuckAnswer;
    expect(deadline.pending).toBe(0);
    expect(deadline.queued).toBe(0);
  });

  it('holds a bounded number of waiters when none of the work ever finishes in time', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(20);
    let most = 0;
    // A store that has stopped answering, under steady traffic: every deadline passes.
    for (let ms = 0; ms < 2_000; ms++) {
      for (let i = 0; i < 5; i++) void deadline.within(new Promise<never>(() => {}), 0);
      await vi.advanceTimersByTimeAsync(1);
      most = Math.max(most, deadline.queued);
    }
    expect(deadline.pending).toBeLessThanOrEqual(5 * 21);
    expect(most).toBeLessThanOrEqual(1_025);
  });
});

describe('Deadline.start and finish, for work that reports through a callback', () => {
  it('calls expire once the length has passed, unless finish came first, and ignores a late finish', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(100);
    const expired: string[] = [];
    const finished = deadline.start(() => expired.push('finished in time'));
    const late = deadline.start(() => expired.push('late'));
    await vi.advanceTimersByTimeAsync(50);
    deadline.finish(finished);
    await vi.advanceTimersByTimeAsync(50);
    expect(expired).toEqual(['late']);
    deadline.finish(late);
    deadline.finish(late);
    expect(deadline.pending).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(expired).toEqual(['late']);
  });
});

describe('which clock a deadline follows', () => {
  it('is not moved when the system clock is set back', async () => {
    vi.useFakeTimers();
    const answer = new Deadline(1_000).within(deferred<string>().promise, 0);
    // An NTP step or a resumed VM: Date jumps, the steady clock and the timers do not.
    vi.setSystemTime(Date.now() - 60_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(answer).resolves.toBe(TIMED_OUT);
  });

  it('expires under fake timers that fake setTimeout but no clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const deadline = new Deadline(1_000);
    const first = deadline.within(deferred<string>().promise, 0);
    const second = deadline.within(deferred<string>().promise, 0);
    const outcomes: unknown[] = [];
    for (const answer of [first, second]) void answer.then((value) => outcomes.push(value));
    await vi.advanceTimersByTimeAsync(1_000);
    // The timer fired for the first deadline: that one has passed, whatever the clock says; the
    // next, set a moment later, is given one more millisecond.
    expect(outcomes).toEqual([TIMED_OUT]);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcomes).toEqual([TIMED_OUT, TIMED_OUT]);
  });
});
