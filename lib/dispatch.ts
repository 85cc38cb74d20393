/**
 * Running the listeners of one delivery. Node's `emit` neither awaits async listeners nor catches
 * their rejections, so the listeners are called here: all at once, awaited together, and every
 * failure collected, so one delivery's answer reflects all of them and nothing goes unhandled.
 */
import type { EventEmitter } from 'node:events';

export type ListenerRun = { ok: true; listeners: number } | { ok: false; listeners: number; error: Error };

export async function runListeners(
  emitter: EventEmitter,
  names: readonly string[],
  args: readonly unknown[],
): Promise<ListenerRun> {
  // rawListeners, so that a `once` listener removes itself as it would under emit().
  const listeners = names.flatMap((name) => emitter.rawListeners(name) as ((...a: unknown[]) => unknown)[]);
  const results = await Promise.allSettled(
    listeners.map(async (listener) => {
      await listener.apply(emitter, args as unknown[]);
    }),
  );
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [toError(r.reason)] : []));
  if (errors.length === 0) return { ok: true, listeners: listeners.length };
  const error = errors.length === 1 ? errors[0]! : new AggregateError(errors, `${errors.length} listeners failed`);
  return { ok: false, listeners: listeners.length, error };
}

export function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
