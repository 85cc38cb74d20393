/**
 * The one way the pipeline calls any store. A throw, a rejection, a call outliving storeTimeoutMs or a
 * claim answer outside the contract is a failed result: the pipeline, not the store, decides what it means.
 */
import type { StoreTrace } from './diagnostics.js';
import { storeChannel } from './trace-channels.js';
import { toError } from './dispatch.js';
import type { ClaimResult, DedupeStore } from './stores/dedupe-store.js';
import { TIMED_OUT, withTimeout } from './timeout.js';

export type StoreResult<T> = { ok: true; value: T } | { ok: false; error: Error };

export interface GuardedStore {
  claim(key: string, leaseMs: number): Promise<StoreResult<ClaimResult>>;
  complete(key: string, token: string, retentionMs: number): Promise<StoreResult<void>>;
  release(key: string, token: string): Promise<StoreResult<void>>;
}

type Operation = StoreTrace['operation'];

export function guardStore(store: DedupeStore, timeoutMs: number): GuardedStore {
  /** The store's answer. A plain one (the memory store's) is already here; a promise gets one timer. */
  function answerOf<T>(operation: Operation, call: () => T | PromiseLike<T>): T | Promise<T> {
    const answer = call();
    if (!isThenable(answer)) return answer;
    return withTimeout(Promise.resolve(answer), timeoutMs).then((settled) => {
      if (settled === TIMED_OUT)
        throw new StoreTimeout(`store.${operation} took longer than storeTimeoutMs (${timeoutMs} ms)`);
      return settled;
    });
  }

  async function attempt<T>(
    operation: Operation,
    key: string,
    call: () => T | PromiseLike<T>,
  ): Promise<StoreResult<T>> {
    try {
      // Inside the try, so a store method that throws counts as one that rejects.
      const value = await (storeChannel.hasSubscribers
        ? traced(operation, key, () => answerOf(operation, call))
        : answerOf(operation, call));
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: toError(error) };
    }
  }

  return {
    async claim(key, leaseMs) {
      const result = await attempt('claim', key, () => store.claim(key, leaseMs));
      if (!result.ok || keepsContract(result.value)) return result;
      // A custom store answering outside its contract is a failing store: never guess what it meant.
      return { ok: false, error: new Error('store.claim answered outside the DedupeStore contract') };
    },
    complete: (key, token, retentionMs) => attempt('complete', key, () => store.complete(key, token, retentionMs)),
    release: (key, token) => attempt('release', key, () => store.release(key, token)),
  };
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function keepsContract(answer: unknown): answer is ClaimResult {
  const { state, token } = (answer ?? {}) as { state?: unknown; token?: unknown };
  if (state === 'done' || state === 'in_flight') return true;
  return state === 'claimed' && typeof token === 'string' && token !== '';
}

/** The store call, traced on `idwise-webhooks:store`. */
function traced<T>(operation: Operation, key: string, call: () => T | Promise<T>): Promise<T> {
  const trace: StoreTrace = { operation, dedupeKey: key };
  return storeChannel.tracePromise(async () => {
    try {
      const answer = await call();
      trace.outcome = operation === 'claim' ? String((answer as { state?: unknown } | undefined)?.state) : 'ok';
      return answer;
    } catch (error) {
      trace.outcome = error instanceof StoreTimeout ? 'timed_out' : 'failed';
      throw error;
    }
  }, trace);
}

class StoreTimeout extends Error {}
