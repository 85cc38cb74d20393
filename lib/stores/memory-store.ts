import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

export interface MemoryDedupeStoreOptions {
  /**
   * Most keys remembered at once. The least recently used key is forgotten first, so memory stays
   * bounded under any stream of distinct events. Default 100 000 (about 14 MB: some 140 bytes a key).
   */
  maxEntries?: number;
  /** Clock in milliseconds; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
}

/**
 * A key in flight. A done key is held as a bare number, its expiry: no object per remembered key,
 * which is nearly every key the store holds (see `#entries`).
 */
interface InFlight {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * The memory store's operations as plain calls. They finish before they return, so the pipeline
 * calls them without a promise or a deadline (a timer cannot interrupt synchronous code anyway).
 */
export interface ImmediateStore {
  claim(key: string, leaseMs: number): ClaimResult;
  complete(key: string, token: string, retentionMs: number): void;
  release(key: string, token: string): void;
}

/**
 * The embedded default: dedupe state in this process's memory. Correct for one process only;
 * several instances of an app need a shared store (Redis, PostgreSQL).
 *
 * Expiry is checked against `now()` on every read rather than with timers, so a fake clock drives
 * it completely and no timer keeps the process alive.
 */
export class MemoryDedupeStore implements DedupeStore {
  // Expiries are milliseconds since `#epoch`: small integers (for the first 24 days of a store),
  // which V8 keeps in the slot itself; counted from 1970 they would each be a heap number. With
  // done keys held as bare numbers, that saves two objects per remembered key: less memory, and
  // less for the garbage collector to walk at 100 000 keys.
  readonly #entries: LRUCache<string, InFlight | number>;
  readonly #now: () => number;
  // Read on the first operation, not at construction: a test's clock is often set, or a
  // subclass's made, only after the store is.
  #epoch: number | undefined;
  // A claim's token has to differ from every other claim's token. A random prefix per store (so
  // tokens differ across stores and restarts too) and a counter do, for a fraction of a
  // randomUUID() per claim.
  readonly #tokenPrefix = randomUUID();
  #claims = 0;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    const { maxEntries = 100_000, now = Date.now } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(
        `MemoryDedupeStore: option "maxEntries" must be a positive integer, got ${describeValue(maxEntries)}. ` +
          'Example: new MemoryDedupeStore({ maxEntries: 100_000 })',
      );
    }
    if (typeof now !== 'function') {
      throw new TypeError(
        `MemoryDedupeStore: option "now" must be a function returning milliseconds, got ${describeValue(now)}. ` +
          'Example: new MemoryDedupeStore({ now: () => Date.now() })',
      );
    }
    this.#entries = new LRUCache({ max: maxEntries });
    this.#now = now;
  }

  /** Keys currently remembered, expired ones included until they are read or evicted. */
  get size(): number {
    return this.#entries.size;
  }

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    return this.#immediate.claim(key, leaseMs);
  }

  async complete(key: string, token: string, retentionMs: number): Promise<void> {
    this.#immediate.complete(key, token, retentionMs);
  }

  async release(key: string, token: string): Promise<void> {
    this.#immediate.release(key, token);
  }

  readonly #immediate: ImmediateStore = {
    claim: (key, leaseMs) => {
      const now = this.#clock();
      const current = this.#live(key, now);
      if (current !== undefined) return { state: typeof current === 'number' ? 'done' : 'in-flight' };
      const token = `${this.#tokenPrefix}:${++this.#claims}`;
      this.#entries.set(key, { token, expiresAt: now + leaseMs });
      return { state: 'claimed', token };
    },
    complete: (key, token, retentionMs) => {
      const now = this.#clock();
      if (this.#owned(key, token, now)) this.#entries.set(key, now + retentionMs);
    },
    release: (key, token) => {
      if (this.#owned(key, token, this.#clock())) this.#entries.delete(key);
    },
  };

  /**
   * The synchronous face of `store`, if it is a memory store whose methods are still this class's
   * own: a subclass that overrides one, or a test spy wrapped around one, is called as written.
   * For the pipeline; not part of the `DedupeStore` contract, which other stores need not offer.
   */
  static immediate(store: DedupeStore): ImmediateStore | undefined {
    // `#immediate in`, not instanceof: a Proxy of a store, or an object made from one with
    // Object.create(), passes instanceof but has no private fields, and is called as written.
    return #immediate in store && store.claim === CLAIM && store.complete === COMPLETE && store.release === RELEASE
      ? store.#immediate
      : undefined;
  }

  #clock(): number {
    const now = this.#now();
    // A clock not yet set (NaN) fixes nothing: each reading stays as wrong as it would be anyway.
    if (this.#epoch === undefined && Number.isFinite(now)) this.#epoch = now;
    return now - (this.#epoch ?? 0);
  }

  /**
   * Whether `token` still holds `key`'s claim. peek(), not get(): complete() moves the key to the
   * most recent end anyway when it stores the expiry, and release() deletes it, so a get()'s move
   * here is one more walk of the LRU's links at 100 000 keys (about a tenth of a claim and
   * completion, in process). A lease that ran out is left for the next claim to drop.
   */
  #owned(key: string, token: string, now: number): boolean {
    const entry = this.#entries.peek(key);
    return typeof entry === 'object' && entry.token === token && entry.expiresAt > now;
  }

  /** The key's entry, unless it expired by `now` (read once per operation: it is the caller's clock). */
  #live(key: string, now: number): InFlight | number | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if ((typeof entry === 'number' ? entry : entry.expiresAt) <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

const { claim: CLAIM, complete: COMPLETE, release: RELEASE } = MemoryDedupeStore.prototype;
