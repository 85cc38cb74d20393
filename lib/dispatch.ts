/**
 * Running the listeners of one delivery. Node's `emit` neither awaits async listeners nor catches
 * their rejections, so the listeners are called here: all at once, awaited together, and every
 * failure collected, so one delivery's answer reflects all of them and nothing goes unhandled.
 */
import type { EventEmitter } from 'node:events';

export type ListenerRun = { ok: true; listeners: number } | { ok: false; listeners: number; error: Error };

type Listener = (...args: unknown[]) => unknown;

/** Never rejects: a listener's throw or rejection is part of the result. */
export function runListeners(
  emitter: EventEmitter,
  names: readonly string[],
  args: readonly unknown[],
): Promise<ListenerRun> {
  // rawListeners, so that a `once` listener removes itself as it would under emit().
  const listeners =
    names.length === 1
      ? (emitter.rawListeners(names[0]!) as Listener[])
      : names.flatMap((name) => emitter.rawListeners(name) as Listener[]);
  const count = listeners.length;
  // One listener (the usual case) is awaited directly: Promise.allSettled over one promise would
  // cost an array, a combinator and two more turns for the same answer.
  if (count === 1) {
    return settled(listeners[0]!, emitter, args).then((error) =>
      error === undefined ? { ok: true, listeners: 1 } : { ok: false, listeners: 1, error },
    );
  }
  return Promise.all(listeners.map((listener) => settled(listener, emitter, args))).then((outcomes) => {
    const errors = outcomes.filter((error): error is Error => error !== undefined);
    if (errors.length === 0) return { ok: true, listeners: count };
    const error = errors.length === 1 ? errors[0]! : new AggregateError(errors, `${errors.length} listeners failed`);
    return { ok: false, listeners: count, error };
  });
}

/** Calls one listener; resolves with its failure, or undefined. A synchronous throw counts as one. */
async function settled(
  listener: Listener,
  emitter: EventEmitter,
  args: readonly unknown[],
): Promise<Error | undefined> {
  try {
    await listener.apply(emitter, args as unknown[]);
    return undefined;
  } catch (error) {
    return toError(error);
  }
}

/** Never throws, whatever was thrown: a failure report must not itself fail. */
export function toError(reason: unknown): Error {
  try {
    return reason instanceof Error ? reason : new Error(String(reason));
  } catch {
    // String() throws for Object.create(null) or a throwing toString; a Proxy can throw on instanceof.
    return new Error('a value that cannot be turned into a string was thrown');
  }
}
