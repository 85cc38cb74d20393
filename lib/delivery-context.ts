/**
 * The `ctx` every listener receives. A class rather than an object literal for one reason: the
 * `signal`. Node builds an AbortSignal lazily, on the first read of `controller.signal`, and that
 * read costs about 3 µs (an EventTarget with its own state), more than the rest of a delivery's
 * bookkeeping together. Most listeners never read it, so it is made on first read, through a getter
 * on the prototype (a getter defined per object would cost a closure and a property definition
 * per delivery instead). One consequence: `{ ...ctx }` copies the other fields but not `signal`.
 */
import type { DeliveryContext } from './events.js';

export class Delivery implements DeliveryContext {
  readonly dedupeKey: string;
  readonly eventId: string | undefined;
  readonly receivedAt: Date;
  readonly deduplicated: boolean;
  #controller: AbortController | undefined;
  #abortReason: Error | undefined;

  constructor(dedupeKey: string, eventId: string | undefined, deduplicated: boolean) {
    this.dedupeKey = dedupeKey;
    this.eventId = eventId;
    this.receivedAt = new Date();
    this.deduplicated = deduplicated;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      // Read after the deadline passed: the signal is born aborted, as an eager one would be by now.
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** The deadline passed. A signal already handed out aborts now; one read later is born aborted. */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }
}
