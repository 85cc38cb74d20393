/**
 * Bounding a step in time without paying for a timer when the step is already done.
 *
 * A timer costs a Timeout object, a list insert and an unenroll (about 0.5 µs), and racing it with
 * `Promise.race` adds two more promises and their reactions. On the memory store the claim and the
 * completion have settled before the pipeline looks, and a trivial async listener settles a turn or
 * two later. So the work is given a few microtask turns first, and only work still pending after
 * them is raced against the timer. The deadline therefore starts those few turns late: microseconds.
 */
export const TIMED_OUT: unique symbol = Symbol('timed out');

// Enough for an already-resolved store promise (1 turn) and a listener run awaited through one
// adapter (2-3 turns); more would only delay arming the timer for work that really waits on I/O.
const TURNS = 3;

/**
 * `work` should not reject (callers map failures to values first); if it does anyway, the
 * returned promise rejects with the same reason, never an unhandled rejection. `turns` is 0 for
 * work that surely waits on I/O (a request body still in its stream).
 */
export async function settleWithin<T>(work: Promise<T>, ms: number, turns = TURNS): Promise<T | typeof TIMED_OUT> {
  let state = 'pending' as 'pending' | 'resolved' | 'rejected';
  let value: T | undefined;
  let reason: unknown;
  // Never rejects: both outcomes are recorded, and acted on below.
  const watched = work.then(
    (result) => {
      state = 'resolved';
      value = result;
    },
    (error: unknown) => {
      state = 'rejected';
      reason = error;
    },
  );
  for (let turn = 0; turn < turns; turn++) {
    await undefined;
    if (state === 'resolved') return value as T;
    if (state === 'rejected') throw reason;
  }
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    const timer = setTimeout(resolve, ms, TIMED_OUT);
    void watched.then(() => {
      clearTimeout(timer);
      if (state === 'resolved') resolve(value as T);
      else reject(reason);
    });
  });
}
