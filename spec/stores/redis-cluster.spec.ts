/**
 * RedisDedupeStore on a real three-master Redis Cluster started for this file, through both
 * clients' Cluster types: ioredis `Cluster` and node-redis `createCluster`.
 */
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisDedupeStore } from '../../lib/index.js';
import { runDedupeStoreContract } from '../../lib/testing/index.js';
import { skipWithoutRedisCluster, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

const skip = skipWithoutRedisCluster('spec/stores/redis-cluster.spec.ts (RedisDedupeStore on a Redis Cluster)');
const runPrefix = `idwise-test:${randomUUID()}:`;

describe.skipIf(skip)('RedisDedupeStore on a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  let clients: ReturnType<typeof connect>;

  async function connect() {
    cluster = await startRedisCluster();
    const ioredis = new Cluster(cluster.nodes);
    const nodeRedis = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
    try {
      await Promise.all([
        new Promise((ready, failed) => (ioredis.once('ready', ready), ioredis.once('error', failed))),
        nodeRedis.connect(),
      ]);
    } catch (error) {
      ioredis.disconnect();
      nodeRedis.destroy();
      throw error;
    }
    return { ioredis, 'node-redis': nodeRedis };
  }

  // Each test awaits `clients`, so a cluster that fails to start fails every test with the reason;
  // a failing hook would leave them reported as skipped.
  beforeAll(async () => {
    clients = connect();
    await clients.catch(() => {});
  }, 30_000);

  afterAll(async () => {
    const connected = await clients.catch(() => undefined);
    await Promise.allSettled([connected?.ioredis.quit(), connected?.['node-redis'].close()]);
    await cluster?.stop();
  });

  const names = ['ioredis', 'node-redis'] as const;
  const clientNamed = async (which: (typeof names)[number]) => (await clients)[which];

  for (const which of names) {
    runDedupeStoreContract(
      `RedisDedupeStore with a ${which} Cluster client`,
      async ({ namespace }) =>
        new RedisDedupeStore({ client: await clientNamed(which), prefix: `${runPrefix}${which}:${namespace}:` }),
      { describe, it },
    );
  }

  /** ioredis's own connection to each master. */
  const masters = async () => (await clients).ioredis.nodes('master');

  /** How many keys under `prefix` each master holds. */
  async function keysOnEachMaster(prefix: string): Promise<number[]> {
    return Promise.all(
      (await masters()).map(async (master) => {
        let count = 0;
        let cursor = '0';
        do {
          const [next, keys] = await master.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          count += keys.length;
        } while (cursor !== '0');
        return count;
      }),
    );
  }

  it.each(names)('spreads the claims of many keys over every master rather than one hash slot (%s)', async (which) => {
    const prefix = `${runPrefix}spread-${which}:`;
    const store = new RedisDedupeStore({ client: await clientNamed(which), prefix });
    const keys = Array.from({ length: 100 }, () => `Finished Journey:${randomUUID()}`);
    const claims = await Promise.all(keys.map((key) => store.claim(key, 60_000)));
    expect(claims.filter((claim) => claim.state === 'claimed')).toHaveLength(keys.length);

    const perMaster = await keysOnEachMaster(prefix);
    expect(perMaster).toHaveLength(3);
    expect(perMaster.reduce((sum, n) => sum + n, 0)).toBe(keys.length);
    // 100 random keys all missing one of three masters would be a one-in-a-billion chance.
    expect(perMaster.every((n) => n > 0)).toBe(true);
  });

  it.each(names)(
    'claims each of 300 distinct keys exactly once in a concurrent burst while the masters have no script loaded (%s)',
    async (which) => {
      // As on a freshly created cluster, or after a failover to masters that never ran the scripts.
      await Promise.all((await masters()).map((master) => master.script('FLUSH')));
      const store = new RedisDedupeStore({ client: await clientNamed(which), prefix: `${runPrefix}burst-${which}:` });
      // An app's first delivery, then a burst: a store that sends a script by SHA-1 once it has run
      // finds it only on this key's master, and the other masters answer NOSCRIPT.
      const first = await store.claim('first delivery', 60_000);
      if (first.state !== 'claimed') throw new Error('expected the first claim to win');
      await store.complete('first delivery', first.token, 60_000);

      const keys = Array.from({ length: 300 }, () => `Finished Journey:${randomUUID()}`);
      const claims = await Promise.all(keys.map((key) => store.claim(key, 60_000)));
      const tokens = claims.map((claim) => (claim.state === 'claimed' ? claim.token : undefined));
      expect(tokens.filter((token) => token !== undefined)).toHaveLength(keys.length);

      // Whatever the in-flight state is called: neither a second win nor done.
      const whileHeld = await Promise.all(keys.map((key) => store.claim(key, 60_000)));
      expect(whileHeld.filter((claim) => claim.state === 'claimed' || claim.state === 'done')).toEqual([]);

      await Promise.all(keys.map((key, i) => store.complete(key, tokens[i]!, 60_000)));
      const afterwards = await Promise.all(keys.map((key) => store.claim(key, 60_000)));
      expect(afterwards).toEqual(keys.map(() => ({ state: 'done' })));
    },
    30_000,
  );

  it('shares claims between an ioredis and a node-redis Cluster client of one prefix', async () => {
    const { ioredis, 'node-redis': nodeRedis } = await clients;
    const prefix = `${runPrefix}shared:`;
    const viaIoredis = new RedisDedupeStore({ client: ioredis, prefix });
    const viaNodeRedis = new RedisDedupeStore({ client: nodeRedis, prefix });
    const key = `Finished Journey:${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? viaIoredis : viaNodeRedis).claim(key, 60_000)),
    );
    const winners = results.filter((result) => result.state === 'claimed');
    expect(winners).toHaveLength(1);
    await viaNodeRedis.complete(key, (winners[0] as { token: string }).token, 60_000);
    expect(await viaIoredis.claim(key, 60_000)).toEqual({ state: 'done' });
  });
});
