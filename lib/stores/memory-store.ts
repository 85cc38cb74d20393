import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

export interface MemoryDedupeStoreOptions {
  /** Most keys remembered at once, the least recently used forgotten first. Default 100 000. */
  maxEntries?: number;
  /** Clock in milliseconds; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
}

/** A key's state, and when it ends (milliseconds on the store's clock). */
type Entry = { state: 'in_flight'; token: string; expiresAt: number } | { state: 'done'; expiresAt: number };

/**
 * The embedded default, for one process only: several instances need a shared store. Expiry is
 * read against `now()` rather than kept by timers, so a fake clock drives it and no timer holds the process.
 */
export class MemoryDedupeStore implements DedupeStore {
  readonly #entries: LRUCache<string, Entry>;
  readonly #now: () => number;

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

  claim(key: string, leaseMs: number): ClaimResult {
    const now = this.#now();
    const current = this.#entries.get(key);
    if (current !== undefined && current.expiresAt > now) return { state: current.state };
    const token = randomUUID();
    this.#entries.set(key, { state: 'in_flight', token, expiresAt: now + leaseMs });
    return { state: 'claimed', token };
  }

  complete(key: string, token: string, retentionMs: number): void {
    const now = this.#now();
    if (this.#owns(key, token, now)) this.#entries.set(key, { state: 'done', expiresAt: now + retentionMs });
  }

  release(key: string, token: string): void {
    if (this.#owns(key, token, this.#now())) this.#entries.delete(key);
  }

  /** Whether `token` still holds `key`'s claim; peek(), since reading ownership is not a use. */
  #owns(key: string, token: string, now: number): boolean {
    const entry = this.#entries.peek(key);
    return entry?.state === 'in_flight' && entry.token === token && entry.expiresAt > now;
  }
}
