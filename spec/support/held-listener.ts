import type { DeliveryContext, IdwisePayload } from '../../lib/index.js';
import { deferred, type Deferred } from './deferred.js';

/** One call of a held listener: it stays pending until the test finishes or fails it. */
export interface HeldCall {
  payload: IdwisePayload;
  ctx: DeliveryContext;
  finish(): void;
  fail(error?: Error): void;
}

export interface HeldListener {
  listener: (payload: IdwisePayload, ctx: DeliveryContext) => Promise<void>;
  /** Resolves once the listener has been called for the `n`th time (0-based). */
  call(n: number): Promise<HeldCall>;
  readonly count: number;
}

/** A listener that does not return until told to, so a test can act while a delivery is in flight. */
export function heldListener(): HeldListener {
  const arrivals: Deferred<HeldCall>[] = [];
  const arrival = (n: number) => (arrivals[n] ??= deferred<HeldCall>());
  let count = 0;
  return {
    async listener(payload, ctx) {
      const gate = deferred();
      arrival(count++).resolve({
        payload,
        ctx,
        finish: () => gate.resolve(),
        fail: (error = new Error('listener failed on purpose')) => gate.reject(error),
      });
      await gate.promise;
    },
    call: (n) => arrival(n).promise,
    get count() {
      return count;
    },
  };
}
