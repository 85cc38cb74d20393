import { MemoryDedupeStore, type ClaimResult, type DedupeStore } from '../../lib/index.js';
import { deferred, type Deferred } from './deferred.js';

export type StoreOperation = 'claim' | 'complete' | 'release';

/** `throw`: the call rejects at once (a refused connection); `hang`: it never settles (a stalled one). */
export type StoreFault = 'throw' | 'hang';

/**
 * A MemoryDedupeStore whose operations can be made to fail, and which reports each call, so a test
 * can wait for the moment the pipeline settles a claim instead of guessing how long it takes.
 */
export class ScriptedStore implements DedupeStore {
  readonly inner: MemoryDedupeStore;
  readonly faults: Partial<Record<StoreOperation, StoreFault>>;
  readonly calls: { operation: StoreOperation; key: string }[] = [];
  readonly #waiting: { operation: StoreOperation; done: Deferred<void> }[] = [];
  readonly #held: Partial<Record<StoreOperation, Promise<void>>> = {};

  constructor(faults: Partial<Record<StoreOperation, StoreFault>> = {}, inner = new MemoryDedupeStore()) {
    this.faults = faults;
    this.inner = inner;
  }

  /** Resolves when the next call of `operation` has finished (whether it succeeded or failed). */
  after(operation: StoreOperation): Promise<void> {
    const done = deferred();
    this.#waiting.push({ operation, done });
    return done.promise;
  }

  /**
   * The next call of `operation` waits, before it reaches the inner store, until the returned
   * function is called: a store slow to answer, for as long as the test wants.
   */
  hold(operation: StoreOperation): () => void {
    const gate = deferred();
    this.#held[operation] = gate.promise;
    return () => gate.resolve();
  }

  claim(key: string, leaseMs: number): Promise<ClaimResult> {
    return this.#run('claim', key, () => this.inner.claim(key, leaseMs));
  }

  complete(key: string, token: string, retentionMs: number): Promise<void> {
    return this.#run('complete', key, () => this.inner.complete(key, token, retentionMs));
  }

  release(key: string, token: string): Promise<void> {
    return this.#run('release', key, () => this.inner.release(key, token));
  }

  async #run<T>(operation: StoreOperation, key: string, call: () => T | Promise<T>): Promise<T> {
    this.calls.push({ operation, key });
    const fault = this.faults[operation];
    const held = this.#held[operation];
    delete this.#held[operation];
    try {
      if (held) await held;
      if (fault === 'hang') return await new Promise<never>(() => {});
      if (fault === 'throw') throw new Error(`store.${operation} failed on purpose (connection refused)`);
      return await call();
    } finally {
      const index = this.#waiting.findIndex((w) => w.operation === operation);
      if (index !== -1) this.#waiting.splice(index, 1)[0]!.done.resolve();
    }
  }
}
