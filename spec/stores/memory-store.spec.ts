import { describe, expect, it } from 'vitest';
import { MemoryDedupeStore } from '../../lib/stores/memory-store.js';
import { runDedupeStoreContract } from '../../lib/testing/store-contract.js';

// A memory store is one process's state: the instances of one namespace are one instance.
function perNamespace(make: () => MemoryDedupeStore) {
  const stores = new Map<string, MemoryDedupeStore>();
  return ({ namespace }: { namespace: string }) => {
    if (!stores.has(namespace)) stores.set(namespace, make());
    return stores.get(namespace)!;
  };
}

let fakeNow = 1_000_000;
runDedupeStoreContract(
  'MemoryDedupeStore on a fake clock',
  perNamespace(() => new MemoryDedupeStore({ now: () => fakeNow })),
  {
    describe,
    it,
    sleep: async (ms) => {
      fakeNow += ms;
    },
  },
);

runDedupeStoreContract(
  'MemoryDedupeStore on the real clock',
  perNamespace(() => new MemoryDedupeStore()),
  { describe, it },
);

describe('MemoryDedupeStore', () => {
  it('answers directly, so the pipeline needs no timer for it', () => {
    const store = new MemoryDedupeStore();
    const claim = store.claim('k', 60_000);
    expect(claim).toMatchObject({ state: 'claimed' });
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    expect(store.complete('k', claim.token, 60_000)).toBeUndefined();
    expect(store.claim('k', 60_000)).toEqual({ state: 'done' });
  });

  it('forgets the least recently used key once maxEntries is reached', async () => {
    const store = new MemoryDedupeStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.claim(key, 60_000);
    await store.claim('a', 60_000); // touches a, so b is now the least recently used
    await store.claim('d', 60_000);
    expect(store.size).toBe(3);
    expect((await store.claim('b', 60_000)).state).toBe('claimed');
    expect((await store.claim('a', 60_000)).state).toBe('in_flight');
  });

  it('hands out a token no other claim has, in this store or another one', async () => {
    const tokens = new Set<string>();
    for (const store of [new MemoryDedupeStore(), new MemoryDedupeStore()]) {
      for (let i = 0; i < 100; i++) {
        const claim = await store.claim(`event-${i}`, 60_000);
        if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`);
        tokens.add(claim.token);
      }
    }
    expect(tokens.size).toBe(200);
  });

  it("refuses to complete with another store's token for the same key", async () => {
    const first = new MemoryDedupeStore();
    const second = new MemoryDedupeStore();
    const mine = await first.claim('k', 60_000);
    const theirs = await second.claim('k', 60_000);
    if (mine.state !== 'claimed' || theirs.state !== 'claimed') throw new Error('expected two claims');
    await first.complete('k', theirs.token, 60_000);
    expect(await first.claim('k', 60_000)).toEqual({ state: 'in_flight' });
    await first.complete('k', mine.token, 60_000);
    expect(await first.claim('k', 60_000)).toEqual({ state: 'done' });
  });

  it('never holds more than maxEntries keys under a stream of distinct events', async () => {
    const store = new MemoryDedupeStore({ maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) await store.claim(`event-${i}`, 60_000);
    expect(store.size).toBe(100);
  });

  it('ends a lease exactly leaseMs after the claim on the given clock', async () => {
    let now = 0;
    const store = new MemoryDedupeStore({ now: () => now });
    await store.claim('k', 1_000);
    now = 999;
    expect(await store.claim('k', 1_000)).toEqual({ state: 'in_flight' });
    now = 1_000;
    expect((await store.claim('k', 1_000)).state).toBe('claimed');
  });

  it('ignores a completion that arrives once its own lease has ended, so the event can run again', async () => {
    let now = 0;
    const store = new MemoryDedupeStore({ now: () => now });
    const late = await store.claim('late', 1_000);
    const onTime = await store.claim('on-time', 1_000);
    if (late.state !== 'claimed' || onTime.state !== 'claimed') throw new Error('expected two claims');
    now = 999;
    await store.complete('on-time', onTime.token, 60_000);
    now = 1_000;
    await store.complete('late', late.token, 60_000);
    expect(await store.claim('on-time', 1_000)).toEqual({ state: 'done' });
    expect((await store.claim('late', 1_000)).state).toBe('claimed');
  });

  it('makes a key the most recently used when it is completed', async () => {
    const store = new MemoryDedupeStore({ maxEntries: 3 });
    const first = await store.claim('a', 60_000);
    if (first.state !== 'claimed') throw new Error('expected a claim');
    await store.claim('b', 60_000);
    await store.claim('c', 60_000);
    await store.complete('a', first.token, 60_000); // a is now the most recent, b the least
    await store.claim('d', 60_000);
    expect(await store.claim('a', 60_000)).toEqual({ state: 'done' });
    expect((await store.claim('b', 60_000)).state).toBe('claimed');
  });

  it('ends a retention exactly retentionMs after the complete on the given clock', async () => {
    let now = 0;
    const store = new MemoryDedupeStore({ now: () => now });
    const claim = await store.claim('k', 1_000);
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    now = 500;
    await store.complete('k', claim.token, 10_000);
    now = 10_499;
    expect(await store.claim('k', 1_000)).toEqual({ state: 'done' });
    now = 10_500;
    expect((await store.claim('k', 1_000)).state).toBe('claimed');
  });

  it('reads its clock first on the first operation, so a clock set after construction works', async () => {
    let now: number | undefined;
    const store = new MemoryDedupeStore({ now: () => now! });
    now = 5_000;
    await store.claim('k', 1_000);
    now = 5_999;
    expect(await store.claim('k', 1_000)).toEqual({ state: 'in_flight' });
    now = 6_000;
    expect((await store.claim('k', 1_000)).state).toBe('claimed');

    class OwnClock extends MemoryDedupeStore {
      time = 0;
      constructor() {
        super({ now: () => this.time });
      }
    }
    const own = new OwnClock();
    own.time = 100;
    await own.claim('k', 1_000);
    own.time = 1_100;
    expect((await own.claim('k', 1_000)).state).toBe('claimed');
  });

  it('answers every claim with an object of its own, which the caller may extend', async () => {
    const store = new MemoryDedupeStore();
    const claim = await store.claim('k', 60_000);
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    const seen = [await store.claim('k', 60_000)];
    await store.complete('k', claim.token, 60_000);
    seen.push(await store.claim('k', 60_000), await store.claim('k', 60_000));
    expect(seen).toEqual([{ state: 'in_flight' }, { state: 'done' }, { state: 'done' }]);
    expect(seen[1]).not.toBe(seen[2]);
    for (const result of seen) expect(Object.isFrozen(result)).toBe(false);
  });

  it.each([
    ['maxEntries', { maxEntries: 0 }, 'the number 0'],
    ['maxEntries', { maxEntries: 1.5 }, 'the number 1.5'],
    ['maxEntries', { maxEntries: '100' }, 'a string of length 3'],
    ['now', { now: 'Date.now' }, 'a string of length 8'],
    ['now', { now: 0 }, 'the number 0'],
  ])('rejects a bad %s at construction, naming the option, the type and an example', (option, options, described) => {
    expect(() => new MemoryDedupeStore(options as never)).toThrow(TypeError);
    expect(() => new MemoryDedupeStore(options as never)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(new RegExp(`"${option}".*${described}.*Example: new MemoryDedupeStore`)),
      }),
    );
  });

  it('never prints the bad value itself in the error', () => {
    expect(() => new MemoryDedupeStore({ now: 'hunter2-secret' as never })).toThrow(/^(?!.*hunter2).*$/s);
  });
});
