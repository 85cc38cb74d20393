/** A promise and the functions that settle it, for tests that must wait for a moment rather than a duration. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every callback already queued run (microtasks and one turn of the event loop). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
