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
 * `work` must never reject: map failures to values first. `turns` is 0 for work that surely waits
 * on I/O (a request body still in its stream).
 */
export async function settleWithin<T>(work: Promise<T>, ms: number, turns = TURNS): Promise<T | typeof TIMED_OUT> {
  let settled = false;
  let value: T | undefined;
  const watched = work.then((result) => {
    settled = true;
    value = result;
    return result;
  });
  for (let turn = 0; turn < turns; turn++) {
    await undefined;
    if (settled) return value as T;
  }
  return new Promise<T | typeof TIMED_OUT>((resolve) => {
    const timer = setTimeout(resolve, ms, TIMED_OUT);
    void watched.then((result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}
