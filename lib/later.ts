/**
 * A value now, or a promise of it. The pipeline's steps answer at once whenever they can (a body a
 * host app's parser already read, the memory store) and return a promise only when they really
 * wait (a body still arriving, a network store, the listeners). Awaiting a value that is already
 * there still costs a promise and a turn of the microtask queue: written with `async`/`await`
 * throughout, a delivery on the default store made twenty promises; this way it makes about six.
 * (graphql-js's `PromiseOrValue` is the same idea.)
 */
export type Later<T> = T | Promise<T>;

/**
 * `next(value)`, now if the value is here or once it is. A throw from `next` is thrown now in the
 * first case and rejects in the second: a caller that needs a promise either way (the pipeline's
 * `handle()`) catches it once, at the top.
 */
export function after<T, U>(value: Later<T>, next: (value: T) => Later<U>): Later<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
