import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describeValue } from '../describe-value.js';
import type { DedupeStore } from '../stores/dedupe-store.js';

/** What `makeStore` is told about the store the suite wants. */
export interface DedupeStoreContext {
  /**
   * `'one'` or `'two'`. Stores made for different namespaces must not share keys (give them a
   * different prefix or table); stores made for the same namespace must share state, as the
   * instances of one app do (for an in-process store, return the same instance).
   */
  namespace: 'one' | 'two';
}

type TestBody = () => Promise<void>;

export interface DedupeStoreContractOptions {
  /**
   * Your runner's `describe` and `it`. Taken from the globals when omitted, which works on Jest,
   * Mocha and vitest with `globals: true`; with plain vitest or node:test, pass them:
   * `import { describe, it } from 'vitest'`. Assertions use node:assert, so no `expect` is needed
   * and any runner reports the failures.
   */
  describe?: (name: string, body: () => void) => unknown;
  it?: (name: string, body: TestBody) => unknown;
  /**
   * Short lease and retention, in milliseconds, for the tests that wait for expiry. Default 100.
   * Raise it if your store's clock is coarser than a few milliseconds.
   */
  shortMs?: number;
  /**
   * How the expiry tests wait. Default: a real timer. A store on a fake clock passes a function that
   * advances the clock instead, and the suite runs in no time.
   */
  sleep?: (ms: number) => Promise<void>;
}

/** Long enough never to lapse during a test. */
const LONG_MS = 60_000;
/** Added to every wait for expiry, so a store's millisecond rounding cannot make a test flaky. */
const MARGIN_MS = 50;

/**
 * The behaviour every DedupeStore must have, as a test suite for any runner: the memory, Redis and
 * PostgreSQL stores run it, and a store of your own should too.
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { runDedupeStoreContract } from 'idwise-webhooks/testing';
 *
 * runDedupeStoreContract('MyStore', ({ namespace }) => new MyStore({ prefix: `test:${namespace}:` }), { describe, it });
 * ```
 *
 * Every test uses keys with a random suffix, so runs against a shared server never collide. Tests
 * that wait for a lease or a retention to end take `shortMs` plus a margin each.
 */
export function runDedupeStoreContract(
  name: string,
  makeStore: (context: DedupeStoreContext) => DedupeStore | Promise<DedupeStore>,
  options: DedupeStoreContractOptions = {},
): void {
  const globals = globalThis as {
    describe?: DedupeStoreContractOptions['describe'];
    it?: DedupeStoreContractOptions['it'];
  };
  const describe = options.describe ?? globals.describe;
  const it = options.it ?? globals.it;
  if (typeof describe !== 'function' || typeof it !== 'function') {
    throw new TypeError(
      "runDedupeStoreContract: pass your test runner's describe and it (there are no global ones), e.g. " +
        "import { describe, it } from 'vitest'; runDedupeStoreContract('MyStore', makeStore, { describe, it })",
    );
  }
  const shortMs = options.shortMs ?? 100;
  if (!Number.isFinite(shortMs) || shortMs <= 0) {
    throw new TypeError(
      `runDedupeStoreContract: option "shortMs" must be a positive number, got ${describeValue(shortMs)}. Example: { shortMs: 100 }`,
    );
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const expire = () => sleep(shortMs + MARGIN_MS);
  const store = (namespace: DedupeStoreContext['namespace'] = 'one') => Promise.resolve(makeStore({ namespace }));
  const uniqueKey = (label: string) => `contract:${label}:${randomUUID()}`;

  /** Asks the store what state a key is in, by claiming it; only for keys that are not absent. */
  async function stateOf(s: DedupeStore, key: string): Promise<string> {
    const result = await s.claim(key, LONG_MS);
    assert.notEqual(result.state, 'claimed', `expected ${key} to be held, but a new claim won it`);
    return result.state;
  }

  async function claimed(s: DedupeStore, key: string, leaseMs: number): Promise<string> {
    const result = await s.claim(key, leaseMs);
    if (result.state !== 'claimed') assert.fail(`expected a claim of ${key} to win, got ${result.state}`);
    assert.ok(typeof result.token === 'string' && result.token.length > 0, 'a winning claim returns a token');
    return result.token;
  }

  describe(`${name} (DedupeStore contract)`, () => {
    it('wins the first claim of a key with a token', async () => {
      const s = await store();
      await claimed(s, uniqueKey('first'), LONG_MS);
    });

    it('answers in_flight to a second claim while the first is held', async () => {
      const s = await store();
      const key = uniqueKey('second');
      await claimed(s, key, LONG_MS);
      assert.deepEqual(await s.claim(key, LONG_MS), { state: 'in_flight' });
    });

    it('lets exactly one of 50 concurrent claims of one key win', async () => {
      const s = await store();
      const key = uniqueKey('race');
      const results = await Promise.all(Array.from({ length: 50 }, () => s.claim(key, LONG_MS)));
      assert.equal(results.filter((r) => r.state === 'claimed').length, 1);
      assert.equal(results.filter((r) => r.state === 'in_flight').length, 49);
    });

    it('lets exactly one claim win when claims race across two instances of one namespace', async () => {
      const [a, b] = await Promise.all([store(), store()]);
      const key = uniqueKey('race-instances');
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).claim(key, LONG_MS)));
      assert.equal(results.filter((r) => r.state === 'claimed').length, 1);
    });

    it('answers done once the claim is completed', async () => {
      const s = await store();
      const key = uniqueKey('done');
      const token = await claimed(s, key, LONG_MS);
      await s.complete(key, token, LONG_MS);
      assert.deepEqual(await s.claim(key, LONG_MS), { state: 'done' });
    });

    it('lets a released key be claimed again with a new token', async () => {
      const s = await store();
      const key = uniqueKey('release');
      const first = await claimed(s, key, LONG_MS);
      await s.release(key, first);
      const second = await claimed(s, key, LONG_MS);
      assert.notEqual(second, first);
    });

    it('leaves a claim in flight when complete or release is given a token that never owned it', async () => {
      const s = await store();
      const key = uniqueKey('wrong-token');
      const token = await claimed(s, key, LONG_MS);
      await s.complete(key, randomUUID(), LONG_MS);
      await s.release(key, randomUUID());
      assert.equal(await stateOf(s, key), 'in_flight');
      await s.complete(key, token, LONG_MS);
      assert.equal(await stateOf(s, key), 'done');
    });

    it('keeps a completed key done when its own token releases it afterwards', async () => {
      const s = await store();
      const key = uniqueKey('release-after-complete');
      const token = await claimed(s, key, LONG_MS);
      await s.complete(key, token, LONG_MS);
      await s.release(key, token);
      assert.equal(await stateOf(s, key), 'done');
    });

    it('lets a new claim win with a different token once the lease expires', async () => {
      const s = await store();
      const key = uniqueKey('lease');
      const first = await claimed(s, key, shortMs);
      await expire();
      const second = await claimed(s, key, LONG_MS);
      assert.notEqual(second, first);
    });

    it("leaves the newer claim in flight when a stale token's complete arrives", async () => {
      const s = await store();
      const key = uniqueKey('stale-complete');
      const stale = await claimed(s, key, shortMs);
      await expire();
      const fresh = await claimed(s, key, LONG_MS);
      await s.complete(key, stale, LONG_MS);
      assert.equal(await stateOf(s, key), 'in_flight');
      await s.complete(key, fresh, LONG_MS);
      assert.equal(await stateOf(s, key), 'done');
    });

    it("leaves the newer claim in flight when a stale token's release arrives", async () => {
      const s = await store();
      const key = uniqueKey('stale-release');
      const stale = await claimed(s, key, shortMs);
      await expire();
      await claimed(s, key, LONG_MS);
      await s.release(key, stale);
      assert.equal(await stateOf(s, key), 'in_flight');
    });

    it("keeps a key done when a stale token's release arrives after the newer claim completed", async () => {
      const s = await store();
      const key = uniqueKey('stale-release-done');
      const stale = await claimed(s, key, shortMs);
      await expire();
      const fresh = await claimed(s, key, LONG_MS);
      await s.complete(key, fresh, LONG_MS);
      await s.release(key, stale);
      assert.equal(await stateOf(s, key), 'done');
    });

    it('forgets a done key once its retention ends, so it can be claimed again', async () => {
      const s = await store();
      const key = uniqueKey('retention');
      const token = await claimed(s, key, LONG_MS);
      await s.complete(key, token, shortMs);
      await expire();
      await claimed(s, key, LONG_MS);
    });

    it('never mixes the same key between stores of two namespaces', async () => {
      const [one, two] = await Promise.all([store('one'), store('two')]);
      const key = uniqueKey('namespaces');
      await claimed(one, key, LONG_MS);
      const token = await claimed(two, key, LONG_MS);
      await two.complete(key, token, LONG_MS);
      assert.equal(await stateOf(one, key), 'in_flight');
      assert.equal(await stateOf(two, key), 'done');
    });

    it('treats keys with spaces, colons, braces and non-ASCII characters as opaque', async () => {
      const s = await store();
      const suffix = randomUUID();
      const keys = [`Finished Journey:{${suffix}}`, `Finished Journey:${suffix}`, `AML Monitor Update:${suffix}:é✓`];
      const tokens = await Promise.all(keys.map((key) => claimed(s, key, LONG_MS)));
      await s.complete(keys[0]!, tokens[0]!, LONG_MS);
      assert.equal(await stateOf(s, keys[0]!), 'done');
      assert.equal(await stateOf(s, keys[1]!), 'in_flight');
      assert.equal(await stateOf(s, keys[2]!), 'in_flight');
    });
  });
}
