import type { DeliveryContext } from './emitter.js';

/**
 * The `ctx` each listener gets. A class, so that `signal` is a getter on the prototype and its
 * AbortController is made only when a listener reads it: most never do, and building one was the
 * largest single cost of a delivery. (So `{ ...ctx }` copies every field but `signal`.)
 */
export class ListenerContext implements DeliveryContext {
  readonly receivedAt = new Date();
  #controller: AbortController | undefined;

  constructor(
    readonly dedupeKey: string,
    readonly eventId: string | undefined,
    readonly deduplicated: boolean,
  ) {}

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** handlerTimeoutMs passed: the signal aborts, now or, if read later, from birth. */
  abort(reason: Error): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }
}
