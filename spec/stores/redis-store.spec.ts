import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisDedupeStore } from '../../lib/stores/redis-store.js';
import { runDedupeStoreContract } from '../../lib/testing/store-contract.js';
import { roundTripsPerDelivery } from '../support/round-trips.js';

const url = process.env.REDIS_URL;
// Every key this run writes starts with this, so runs never collide and cleanup finds them all.
const runPrefix = `idwise-test:${randomUUID()}:`;

type NodeRedis = ReturnType<typeof createClient>;

describe.skipIf(!url)('RedisDedupeStore on a real server', () => {
  let ioredis: Redis;
  let nodeRedis: NodeRedis;

  beforeAll(async () => {
    ioredis = new Redis(url!, { maxRetriesPerRequest: 1 });
    nodeRedis = createClient({ url: url! });
    await nodeRedis.connect();
  });

  afterAll(async () => {
    for await (const keys of nodeRedis.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 1000 })) {
      if (keys.length) await nodeRedis.del(keys);
    }
    await Promise.all([nodeRedis.quit(), ioredis.quit()]);
  });

  runDedupeStoreContract(
    'RedisDedupeStore with ioredis',
    ({ namespace }) => new RedisDedupeStore({ client: ioredis, prefix: `${runPrefix}ioredis:${namespace}:` }),
    {
      describe,
      it,
    },
  );

  runDedupeStoreContract(
    'RedisDedupeStore with node-redis',
    ({ namespace }) => new RedisDedupeStore({ client: nodeRedis, prefix: `${runPrefix}node-redis:${namespace}:` }),
    {
      describe,
      it,
    },
  );

  it('shares claims between an ioredis and a node-redis store of one prefix', async () => {
    const prefix = `${runPrefix}shared:`;
    const viaIoredis = new RedisDedupeStore({ client: ioredis, prefix });
    const viaNodeRedis = new RedisDedupeStore({ client: nodeRedis, prefix });
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? viaIoredis : viaNodeRedis).claim(key, 60_000)),
    );
    const winners = results.filter((r) => r.state === 'claimed');
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    if (winner.state !== 'claimed') throw new Error('unreachable');
    await viaNodeRedis.complete(key, winner.token, 60_000);
    expect(await viaIoredis.claim(key, 60_000)).toEqual({ state: 'done' });
  });

  it('keeps a claim under prefix + key holding its token, expiring with the lease', async () => {
    const prefix = `${runPrefix}layout:`;
    const store = new RedisDedupeStore({ client: ioredis, prefix });
    const key = randomUUID();
    const claim = await store.claim(key, 30_000);
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    expect(await ioredis.get(prefix + key)).toBe(claim.token);
    expect(await ioredis.pttl(prefix + key)).toBeGreaterThan(25_000);
    expect(await ioredis.pttl(prefix + key)).toBeLessThanOrEqual(30_000);
    await store.complete(key, claim.token, 90_000);
    expect(await ioredis.get(prefix + key)).toBe('done');
    expect(await ioredis.pttl(prefix + key)).toBeGreaterThan(85_000);
  });

  it('uses the default prefix idwise:dedupe: when none is given', async () => {
    const store = new RedisDedupeStore({ client: nodeRedis });
    // Outside this run's prefix, so the key is random and removed right here.
    const key = `idwise-test:${randomUUID()}`;
    const claim = await store.claim(key, 5_000);
    expect(claim.state).toBe('claimed');
    expect(await nodeRedis.exists(`idwise:dedupe:${key}`)).toBe(1);
    await nodeRedis.del(`idwise:dedupe:${key}`);
  });

  /**
   * A client of its own, so that only one store's commands are counted, at the one funnel every
   * ioredis command goes through; connected first, so the handshake's commands are not counted.
   */
  async function countingClient(): Promise<{ counted: Redis; sent: string[] }> {
    const counted = new Redis(url!, { maxRetriesPerRequest: 1 });
    await counted.ping();
    const sent: string[] = [];
    const sendCommand = counted.sendCommand.bind(counted);
    counted.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name);
      return (sendCommand as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof counted.sendCommand;
    return { counted, sent };
  }

  it('costs a delivery one round trip to claim and one to settle, and a duplicate one', async () => {
    const { counted, sent } = await countingClient();
    try {
      const store = new RedisDedupeStore({ client: counted, prefix: `${runPrefix}round-trips:` });
      // New event: claim + complete. Duplicate: claim. Failing listener: claim + release.
      expect(await roundTripsPerDelivery(store, sent)).toEqual({ statuses: [200, 200, 500], counts: [2, 1, 2] });
    } finally {
      await counted.quit();
    }
  });

  it('sends each operation as one EVAL of its script, so a server that never saw it needs nothing loaded', async () => {
    const { counted, sent } = await countingClient();
    try {
      await counted.script('FLUSH');
      const store = new RedisDedupeStore({ client: counted, prefix: `${runPrefix}by-text:` });
      const claim = await store.claim('a', 60_000);
      if (claim.state !== 'claimed') throw new Error('expected a claim');
      await counted.script('FLUSH');
      await store.complete('a', claim.token, 60_000);
      expect(await store.claim('a', 60_000)).toEqual({ state: 'done' });
      expect(sent).toEqual(['script', 'eval', 'script', 'eval', 'eval']);
    } finally {
      await counted.quit();
    }
  });

  // A least-privilege user allowed EVAL and nothing else of scripting. The
  // user is made for this test alone, under a random name, and removed after it.
  it.each(['ioredis', 'node-redis'])(
    'works for a user who may run EVAL and no other scripting command (%s)',
    async (which) => {
      const user = `idwise-test-${randomUUID()}`;
      const password = randomUUID();
      const prefix = `${runPrefix}acl-${which}:`;
      await ioredis.call(
        'ACL',
        'SETUSER',
        user,
        'on',
        `>${password}`,
        `~${prefix}*`,
        '-@all',
        '+@connection',
        '+info',
        '+eval',
        '+set',
        '+get',
        '+del',
      );
      const address = new URL(url!);
      address.username = user;
      address.password = password;
      let client: Redis | NodeRedis | undefined;
      try {
        if (which === 'ioredis') {
          client = new Redis(address.toString(), { maxRetriesPerRequest: 1 });
        } else {
          client = createClient({ url: address.toString() });
          await client.connect();
        }
        const store = new RedisDedupeStore({ client, prefix });
        const claims = [];
        for (const key of ['a', 'b', 'c']) claims.push(await store.claim(key, 60_000));
        expect(claims.map((claim) => claim.state)).toEqual(['claimed', 'claimed', 'claimed']);
        const last = claims[2]!;
        if (last.state !== 'claimed') throw new Error('expected a claim');
        await store.complete('c', last.token, 60_000);
        expect(await store.claim('c', 60_000)).toEqual({ state: 'done' });
      } finally {
        await client?.quit();
        await ioredis.call('ACL', 'DELUSER', user);
      }
    },
  );

  it('rounds a fractional lease up to whole milliseconds', async () => {
    const store = new RedisDedupeStore({ client: nodeRedis, prefix: `${runPrefix}fraction:` });
    expect((await store.claim(randomUUID(), 1_000.5)).state).toBe('claimed');
  });
});

describe('RedisDedupeStore options', () => {
  const ioredisShaped = { eval: async () => 'claimed', defineCommand: () => {} };

  it.each([
    ['nothing', undefined, 'undefined'],
    ['a URL string', 'redis://secret-host:6379', 'a string of length 24'],
    ['a plain object', {}, 'an object without the methods of either'],
    [
      'a client-like object without eval',
      { evalSha: () => {}, defineCommand: () => {} },
      'an object without the methods of either',
    ],
  ])('rejects %s as the client, naming the option, the type and an example', (_, client, described) => {
    const make = () => new RedisDedupeStore({ client: client as never });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`option "client" must be an ioredis client or a node-redis client, got ${described}`);
    expect(make).toThrow('Example: new RedisDedupeStore({ client: new Redis(process.env.REDIS_URL)');
    expect(make).toThrow(/^(?!.*secret-host).*$/s);
  });

  it('rejects a prefix that is not a string', () => {
    expect(() => new RedisDedupeStore({ client: ioredisShaped as never, prefix: 42 as never })).toThrow(
      /option "prefix" must be a string, got the number 42\. Example: new RedisDedupeStore/,
    );
  });

  it.each(['{idwise}:', 'idwise:{dedupe}:', 'a}b'])(
    'rejects the prefix %s: a hash tag would put every key in one Cluster slot',
    (prefix) => {
      expect(() => new RedisDedupeStore({ client: ioredisShaped as never, prefix })).toThrow(
        /option "prefix" must not contain "\{" or "\}".*one Redis Cluster slot/,
      );
    },
  );

  it('rejects a missing options object', () => {
    expect(() => new (RedisDedupeStore as new (o?: unknown) => unknown)()).toThrow(
      /expected an options object, got undefined/,
    );
  });

  it('accepts both real clients by type', () => {
    // Type-level check: both clients satisfy the structural option type without casts.
    const types = (io: Redis, nr: NodeRedis) => [
      new RedisDedupeStore({ client: io }),
      new RedisDedupeStore({ client: nr }),
    ];
    expect(types).toBeTypeOf('function');
  });
});
