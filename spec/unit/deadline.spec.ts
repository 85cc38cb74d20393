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

// The queue itself, driven by start() and finish(): what within() uses once work is still pending,
// and what the body read uses directly.
describe('Deadline.race', () => {
  const answers = {
    settled: (value: string) => `settled ${value}`,
    failed: (reason: unknown) => `failed ${(reason as Error).message}`,
    expired: () => 'expired',
  };
  const race = (deadline: Deadline, work: Promise<string>) =>
    deadline.race(work, answers.settled, answers.failed, answers.expired);

  it('answers what the work settles to, and leaves no deadline running', async () => {
    const deadline = new Deadline(1_000);
    expect(await race(deadline, Promise.resolve('a'))).toBe('settled a');
    expect(await race(deadline, Promise.reject(new Error('b')))).toBe('failed b');
    expect(deadline.pending).toBe(0);
  });

  it('starts the deadline at once, with no turns of grace, and ignores a late answer', async () => {
    vi.useFakeTimers();
    const unhandled = watchUnhandledRejections();
    const deadline = new Deadline(100);
    const work = deferred<string>();
    const answer = race(deadline, work.promise);
    expect(deadline.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(await answer).toBe('expired');
    work.reject(new Error('too late'));
    vi.useRealTimers();
    await nextTurn();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('answers failed, never rejects, for a native promise with a then of its own that throws', async () => {
    const deadline = new Deadline(1_000);
    const odd = Object.assign(Promise.resolve('x'), {
      then: () => {
        throw new Error('odd then');
      },
    });
    expect(await race(deadline, odd)).toBe('failed odd then');
    expect(deadline.pending).toBe(0);
  });
});

describe('one timer for all the deadlines of one length', () => {
  it('calls expire once the length has passed, unless finish came first, and ignores a late finish', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(100);
    const expired: string[] = [];
    const finished = deadline.start(() => expired.push('finished in time'));
    const late = deadline.start(() => expired.push('late'));
    expect(vi.getTimerCount()).toBe(1);
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

  it('bounds several waiters with a single timer, each at its own time', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(1_000);
    const expired: string[] = [];
    deadline.start(() => expired.push('early'));
    deadline.start(() => expired.push('also early'));
    await vi.advanceTimersByTimeAsync(400);
    deadline.start(() => expired.push('late'));
    expect(vi.getTimerCount()).toBe(1);
    expect(deadline.pending).toBe(3);
    await vi.advanceTimersByTimeAsync(599);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['early', 'also early']);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(399);
    expect(expired).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['early', 'also early', 'late']);
    expect(deadline.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the deadline of a later waiter when an earlier one finished in time', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(1_000);
    const expired: string[] = [];
    const first = deadline.start(() => expired.push('first'));
    await vi.advanceTimersByTimeAsync(300);
    deadline.start(() => expired.push('second'));
    deadline.finish(first);
    // The timer set for the first fires at 1 000 ms, finds the second not yet due, and waits on.
    await vi.advanceTimersByTimeAsync(999);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(expired).toEqual(['second']);
  });

  it('keeps the process alive only while some waiter is pending', () => {
    const armed = vi.spyOn(globalThis, 'setTimeout');
    try {
      const deadline = new Deadline(60_000);
      const first = deadline.start(() => {});
      expect(armed).toHaveBeenCalledTimes(1);
      const timer = armed.mock.results[0]!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(true);
      deadline.finish(first);
      // As good as cleared: a process with nothing else to do may exit.
      expect(timer.hasRef()).toBe(false);
      const second = deadline.start(() => {});
      // The same timer serves, referenced again; none is set.
      expect(armed).toHaveBeenCalledTimes(1);
      expect(timer.hasRef()).toBe(true);
      deadline.finish(second);
      expect(timer.hasRef()).toBe(false);
      clearTimeout(timer);
    } finally {
      armed.mockRestore();
    }
  });

  it('holds a bounded number of finished waiters behind one stuck at the head, and none once all finished', () => {
    const deadline = new Deadline(60_000);
    const stuck = deadline.start(() => {});
    let most = 0;
    for (let i = 0; i < 5_000; i++) {
      deadline.finish(deadline.start(() => {}));
      most = Math.max(most, deadline.queued);
    }
    expect(deadline.pending).toBe(1);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(1_025);
    deadline.finish(stuck);
    expect(deadline.pending).toBe(0);
    expect(deadline.queued).toBe(0);
  });

  it('holds a bounded number of waiters when none of the work ever finishes in time', async () => {
    vi.useFakeTimers();
    const deadline = new Deadline(20);
    let most = 0;
    // A store that has stopped answering, under steady traffic: every deadline passes.
    for (let ms = 0; ms < 2_000; ms++) {
      for (let i = 0; i < 5; i++) deadline.start(() => {});
      await vi.advanceTimersByTimeAsync(1);
      most = Math.max(most, deadline.queued);
    }
    expect(deadline.pending).toBeLessThanOrEqual(5 * 21);
    expect(most).toBeLessThanOrEqual(1_025);
  });
});

describe('which clock a deadline follows', () => {
  it('is not moved when the system clock is set back', async () => {
    vi.useFakeTimers();
    const expired: string[] = [];
    new Deadline(1_000).start(() => expired.push('expired'));
    // An NTP step or a resumed VM: Date jumps, the steady clock and the timers do not.
    vi.setSystemTime(Date.now() - 60_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(expired).toEqual(['expired']);
  });

  it('expires under fake timers that fake setTimeout but no clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const deadline = new Deadline(1_000);
    const expired: string[] = [];
    deadline.start(() => expired.push('first'));
    deadline.start(() => expired.push('second'));
    await vi.advanceTimersByTimeAsync(1_000);
    // The timer fired for the first deadline: that one has passed, whatever the clock says; the
    // next, set a moment later, is given one more millisecond.
    expect(expired).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['first', 'second']);
  });

  it('gives a whole length to a deadline started after earlier work finished, also under fake timers that fake no clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const deadline = new Deadline(1_000);
    deadline.finish(deadline.start(() => {}));
    // The timer set for that finished work would fire at 1 000 ms; this deadline is due at 1 900.
    await vi.advanceTimersByTimeAsync(900);
    const expired: string[] = [];
    deadline.start(() => expired.push('later'));
    await vi.advanceTimersByTimeAsync(999);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['later']);
  });
});
