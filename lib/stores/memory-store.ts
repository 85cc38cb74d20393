import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

export interface MemoryDedupeStoreOptions {
  /**
   * Most keys remembered at once. The least recently used key is forgotten first, so memory stays
   * bounded under any stream of distinct events. Default 100 000 (about 20-30 MB at most).
   */
  maxEntries?: number;
  /** Clock in milliseconds; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  /** Present while in flight; absent once done. */
  token: string | undefined;
  expiresAt: number;
}

/**
 * The embedded default: dedupe state in this process's memory. Correct for one process only;
 * several instances of an app need a shared store (Redis, PostgreSQL).
 *
 * Expiry is checked against `now()` on every read rather than with timers, so a fake clock drives
 * it completely and no timer keeps the process alive.
 */
export class MemoryDedupeStore implements DedupeStore {
  readonly #entries: LRUCache<string, Entry>;
  readonly #now: () => number;
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
    const current = this.#live(key);
    if (current) return current.token === undefined ? { state: 'done' } : { state: 'in-flight' };
    const token = `${this.#tokenPrefix}:${++this.#claims}`;
    this.#entries.set(key, { token, expiresAt: this.#now() + leaseMs });
    return { state: 'claimed', token };
  }

  async complete(key: string, token: string, retentionMs: number): Promise<void> {
    const entry = this.#live(key);
    if (entry?.token !== token) return;
    // In place: the read above already made the key the most recent, so a set() would only redo that.
    entry.token = undefined;
    entry.expiresAt = this.#now() + retentionMs;
  }

  async release(key: string, token: string): Promise<void> {
    if (this.#live(key)?.token !== token) return;
    this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
