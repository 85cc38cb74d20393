/**
 * Running the listeners of one delivery. Node's `emit` neither awaits async listeners nor catches
 * their rejections, so the listeners are called here: all at once, awaited together, and every
 * failure collected, so one delivery's answer reflects all of them and nothing goes unhandled.
 */
import type { EventEmitter } from 'node:events';

export type ListenerRun = { ok: true; listeners: number } | { ok: false; listeners: number; error: Error };

type Listener = (...args: unknown[]) => unknown;

/** Never rejects: a listener's throw or rejection is part of the result. */
export async function runListeners(
  emitter: EventEmitter,
  names: readonly string[],
  args: readonly unknown[],
): Promise<ListenerRun> {
  // rawListeners, so that a `once` listener removes itself as it would under emit().
  const listeners: Listener[] = [];
  for (const name of names) listeners.push(...(emitter.rawListeners(name) as Listener[]));
  const outcomes = await Promise.all(
    listeners.map(async (listener) => {
      try {
        await listener.apply(emitter, args as unknown[]);
        return undefined;
      } catch (error) {
        return toError(error);
      }
    }),
  );
  // In the listeners' order, whichever failed first.
  const errors = outcomes.filter((error) => error !== undefined);
  if (errors.length === 0) return { ok: true, listeners: listeners.length };
  const error = errors.length === 1 ? errors[0]! : new AggregateError(errors, `${errors.length} listeners failed`);
  return { ok: false, listeners: listeners.length, error };
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
