/**
 * Bounding a step in time, cheaply. Two costs are avoided:
 *
 * - Work that has already settled needs no timer at all. A trivial async listener settles a turn
 *   or two after it is called. So `within()` gives work a few microtask turns first, and only work
 *   still pending after them gets a deadline, which therefore starts those few turns late:
 *   microseconds. (The memory store is not bounded at all: it answers before it returns.)
 * - Work that does wait (a body still arriving, a Redis round trip) does not get a timer of its
 *   own. A `setTimeout` + `clearTimeout` pair per delivery cost about 3% of the node:http face's
 *   CPU in a paired benchmark run (a Timeout object, a read of libuv's clock, a timer list created
 *   and removed when one delivery at a time is pending). Deadlines of one length expire in the
 *   order they were set, so a queue in that order and one timer for its head serve them all.
 */
export const TIMED_OUT: unique symbol = Symbol('timed out');

// Enough for a listener run followed through one adapter (2-3 turns); more would only delay the
// deadline of work that really waits on I/O.
const TURNS = 3;

// One settled promise to queue each turn's check on: a turn costs one reaction, not a new promise to wait on.
const NEXT_TURN = Promise.resolve();

// Finished waiters are passed over at the queue's head, and all dropped whenever none is pending.
// Under constant load, or behind one stuck at the head (a slow body), past this many held and
// more than half of them finished, they are swept out.
const SWEEP_AT = 1024;

// A steady clock: a deadline must not move when the system clock is set (an NTP step, a VM resumed).
const now = (): number => performance.now();

/** One running deadline, from `start()`; hand it to `finish()` when the work is done. */
export interface Waiter {
  readonly at: number;
  /** Undefined once the work finished or the deadline passed. */
  expire: (() => void) | undefined;
}

/** One length of deadline (a pipeline has three: body, store, listeners), and the work it bounds. */
export class Deadline {
  readonly ms: number;
  // Oldest first, which is also earliest deadline first: all have the same length.
  #queue: Waiter[] = [];
  #head = 0;
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  // The delay the timer was set with: a whole length, or less when re-armed for a later head.
  #timerDelay = 0;
  // The deadline the timer was set for. When it fires, that deadline has passed by the timers' own
  // account, whatever the clock reads (fake timers in a user's tests may not fake the clock).
  #timerAt = 0;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** Deadlines still running: for tests and diagnostics. */
  get pending(): number {
    return this.#pending;
  }

  /** Waiters held in memory, finished ones included until they are dropped: for tests. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Answers what `work` settles to, or TIMED_OUT once `ms` has passed. If `work` rejects before
   * the deadline, the answer rejects with the same reason; a rejection after the deadline
   * answered is ignored, never an unhandled rejection. The deadline starts only if `work` is still
   * pending after a few microtask turns (see above). The pipeline uses it for the listeners;
   * work that surely waits on I/O uses `race()`.
   *
   * Written with `then` rather than as an async function awaiting each turn: that made six
   * promises per call, this makes three (the answer, the watch on `work`, one per turn while it
   * is pending).
   */
  within<T>(work: Promise<T>): Promise<T | typeof TIMED_OUT> {
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      let pending = true;
      let waiter: Waiter | undefined;
      work.then(
        (value) => {
          pending = false;
          if (waiter !== undefined) this.finish(waiter);
          resolve(value);
        },
        (error: unknown) => {
          pending = false;
          if (waiter !== undefined) this.finish(waiter);
          reject(error);
        },
      );
      // Settling after the deadline answered changes nothing: a promise resolves once.
      let left = TURNS;
      const check = (): void => {
        if (!pending) return;
        left -= 1;
        if (left === 0) waiter = this.start(() => resolve(TIMED_OUT));
        else void NEXT_TURN.then(check);
      };
      void NEXT_TURN.then(check);
    });
  }

  /**
   * For work that surely waits (a body still arriving, a network store's call): the deadline starts
   * at once, with no turns of grace. Answers `settled(value)`, `failed(reason)` or `expired()`,
   * whichever comes first, and never rejects, provided the three never throw: a `then` that throws
   * (a native promise given one of its own) counts as `failed`.
   */
  race<T, U>(work: Promise<T>, settled: (value: T) => U, failed: (reason: unknown) => U, expired: () => U): Promise<U> {
    return new Promise<U>((resolve) => {
      // Answering after the deadline changes nothing: a promise resolves once.
      const waiter = this.start(() => resolve(expired()));
      const fail = (reason: unknown): void => {
        this.finish(waiter);
        resolve(failed(reason));
      };
      try {
        work.then((value) => {
          this.finish(waiter);
          resolve(settled(value));
        }, fail);
      } catch (reason) {
        fail(reason);
      }
    });
  }

  /**
   * The queue under `within()` and `race()`: `expire` is called once `ms` has passed, unless
   * `finish()` came first. Public so that the specs can drive the queue directly; the pipeline
   * uses `within()` and `race()` only.
   */
  start(expire: () => void): Waiter {
    const waiter: Waiter = { at: now() + this.ms, expire };
    this.#queue.push(waiter);
    this.#pending += 1;
    // With others pending, the timer is set for an earlier deadline and fires no later than this one is due.
    if (this.#pending === 1) this.#restart(waiter.at);
    return waiter;
  }

  /** The work is done: its deadline no longer runs. Harmless after it expired, or twice. */
  finish(waiter: Waiter): void {
    if (waiter.expire === undefined) return;
    waiter.expire = undefined;
    this.#pending -= 1;
    if (this.#pending === 0) {
      // Nothing left to bound: let the timer (which finds nothing when it fires) no longer keep
      // the process alive, as a cleared timer would not.
      this.#clear();
      this.#timer?.unref();
      return;
    }
    // Some are still pending, so this stops before the end.
    while (this.#queue[this.#head]!.expire === undefined) this.#head += 1;
    this.#sweep();
  }

  /** Drops every waiter: called once none is pending. */
  #clear(): void {
    this.#queue.length = 0;
    this.#head = 0;
  }

  /** Drops finished waiters once they are most of a large queue; pending ones keep their order. */
  #sweep(): void {
    if (this.#queue.length > SWEEP_AT && this.#queue.length > 2 * this.#pending) {
      this.#queue = this.#queue.slice(this.#head).filter((queued) => queued.expire !== undefined);
      this.#head = 0;
    }
  }

  /**
   * The first pending waiter: a timer left from work that finished is restarted for it (about
   * 50 ns, no new timer), not left to fire early and re-arm. Left alone, it would also cut this
   * deadline short under fake timers that fake no clock: when it fired, the deadline it was set for
   * would count as passed, and this one, set moments later by the clock, right after it.
   */
  #restart(at: number): void {
    if (this.#timer !== undefined && this.#timerDelay === this.ms) {
      this.#timerAt = at;
      this.#timer.refresh();
      this.#timer.ref();
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#arm(at, this.ms);
  }

  #arm(at: number, delay: number): void {
    this.#timerAt = at;
    // At least 1 ms, and never longer than one deadline: a clock that jumped cannot push it further.
    this.#timerDelay = Math.min(Math.max(delay, 1), this.ms);
    this.#timer = setTimeout(this.#fire, this.#timerDelay);
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const due = Math.max(now(), this.#timerAt);
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head]!;
      if (waiter.expire !== undefined) {
        if (waiter.at > due) break;
        const expire = waiter.expire;
        waiter.expire = undefined;
        this.#pending -= 1;
        expire();
      }
      this.#head += 1;
    }
    if (this.#pending === 0) {
      this.#clear();
      return;
    }
    // Waiters that expired here are finished too: without this, a store that never answers in
    // time would keep every one of them queued.
    this.#sweep();
    // The head is now the earliest deadline still running.
    // Counted from `due`, not the clock: with a clock that stands still, later deadlines follow 1 ms
    // apart rather than a whole length late; with a steady clock the two agree.
    const next = this.#queue[this.#head]!.at;
    this.#arm(next, next - due);
  };
}
