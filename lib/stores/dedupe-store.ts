/**
 * The contract between the webhook pipeline and wherever dedupe state lives.
 *
 * A key moves through three states: absent → `in_flight` (claimed, with a lease) → `done` (with a
 * retention period). The token returned by `claim` proves ownership of one attempt: a worker
 * whose lease already expired, and whose key was claimed again by someone else, must not be able
 * to mark that newer attempt done or delete it. Hence `complete` and `release` take the token and
 * change nothing when it no longer matches.
 *
 * A method may answer directly (the memory store does) or with a promise, which the pipeline waits
 * for at most `storeTimeoutMs`.
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
