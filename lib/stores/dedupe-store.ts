/**
 * Where dedupe state lives. A key goes absent → `in_flight` (for a lease) → `done` (for a
 * retention). `claim`'s token names one attempt: `complete` and `release` change nothing once it no
 * longer holds the key, so a worker whose lease expired cannot touch the attempt that took over.
 * A method may answer directly or with a promise, which is waited for at most `storeTimeoutMs`.
 */
export type ClaimResult = { state: 'claimed'; token: string } | { state: 'in_flight' } | { state: 'done' };

export interface DedupeStore {
  /** Take the key for `leaseMs`, unless another attempt holds it or it is already done. */
  claim(key: string, leaseMs: number): ClaimResult | Promise<ClaimResult>;
  /** Mark the key done for `retentionMs`, only if `token` still owns it. */
  complete(key: string, token: string, retentionMs: number): void | Promise<void>;
  /** Forget the claim so a retry runs again, only if `token` still owns it. */
  release(key: string, token: string): void | Promise<void>;
}
