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

// One settled promise to queue each turn's check on: a turn costs one reaction, not a new promise to wait on.
const NEXT_TURN = Promise.resolve();

/**
 * If `work` rejects before the deadline, the answer rejects with the same reason; a rejection
 * after the deadline answered is ignored, never an unhandled rejection. `turns` is 0 for work that
 * surely waits on I/O (a request body still in its stream).
 *
 * Written with `then` rather than as an async function awaiting each turn: that made six promises
 * per call, this makes three (the answer, the watch on `work`, one per turn while it is pending),
 * and the pipeline calls it three times a delivery.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, turns = TURNS): Promise<T | typeof TIMED_OUT> {
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    let pending = true;
    let timer: NodeJS.Timeout | undefined;
    work.then(
      (value) => {
        pending = false;
        if (timer !== undefined) clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        pending = false;
        if (timer !== undefined) clearTimeout(timer);
        reject(error);
      },
    );
    // Settling after the timer answered changes nothing: a promise resolves once.
    const arm = (): void => {
      timer = setTimeout(resolve, ms, TIMED_OUT);
    };
    if (turns === 0) {
      arm();
      return;
    }
    let left = turns;
    const check = (): void => {
      if (!pending) return;
      left -= 1;
      if (left === 0) arm();
      else void NEXT_TURN.then(check);
    };
    void NEXT_TURN.then(check);
  });
}
